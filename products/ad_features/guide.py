"""The ad lines of ``shopstream guide``: the busiest campaign of the last run and where to look."""
from __future__ import annotations


def guide(settings, client) -> str:
    db = settings.clickhouse.database
    rows = client.query(f"select campaign_id, any(ad_id), sum(impressions), sum(clicks) from {db}.ad_performance_daily "
                        f"group by campaign_id order by sum(impressions) desc limit 1").result_rows
    campaign, ad, impressions, clicks = rows[0] if rows else ("<campaign_id>", "<ad_id>", 0, 0)
    return f"""Ad CTR features: the busiest campaign {campaign} had {impressions} impressions and {clicks} clicks.
  .venv/bin/shopstream serving get ads:ad:{ad}          (also ads:campaign:{campaign}, ads:pacing:{campaign})
  .venv/bin/shopstream query campaign_report --param campaign_id={campaign} --param from=2000-01-01 --param to=2100-01-01
  .venv/bin/shopstream report campaign {campaign}         (writes reports/campaign-{campaign}.png)"""
