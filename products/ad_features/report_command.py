"""``shopstream report campaign ID``: the advertiser report, as a PNG or one self-contained HTML file."""
from __future__ import annotations

import sys

from shopstream.product import Report


def add_arguments(rc) -> None:
    rc.add_argument("campaign_id", help="campaign, e.g. cmp-01")
    rc.add_argument("--out", metavar="PATH",
                    help="output file; .png or .html by its extension (default reports/campaign-<ID>.png)")
    rc.add_argument("--from", dest="start", metavar="TIME",
                    help="start of the range, UTC, inclusive: YYYY-MM-DD[ HH:MM:SS] (default: the campaign's first hour)")
    rc.add_argument("--to", dest="end", metavar="TIME",
                    help="end of the range, UTC, exclusive (default: after the campaign's last hour)")


def run(args, s) -> int:
    from shopstream.clickhouse import queries
    from shopstream.clickhouse.client import connect
    from shopstream.registry import query_fallbacks
    try:
        from shopstream.products.ad_features import report as campaign
    except ImportError as exc:
        print(f"shopstream report: needs matplotlib ({exc}): .venv/bin/pip install -e '.[report]'", file=sys.stderr)
        return 1
    try:
        start = queries.utc_time_text(args.start, "--from") if args.start else None
        end = queries.utc_time_text(args.end, "--to") if args.end else None
    except queries.QueryError as exc:
        print(f"shopstream report: {exc}", file=sys.stderr)
        return 2
    out = args.out or campaign.default_path(args.campaign_id)
    if not str(out).lower().endswith(campaign.FORMATS):
        print(f"shopstream report: --out {out}: use a .png or .html file name", file=sys.stderr)
        return 2
    series = campaign.fetch_series(connect(s, "analyst"), args.campaign_id, start, end, query_fallbacks(s))
    path = campaign.write_report(series, out)
    print(f"wrote {path}: campaign {args.campaign_id}, {len(series.hours)} hours, "
          f"{sum(series.impressions):,} impressions, {sum(series.clicks):,} clicks, "
          f"${sum(series.spend_minor) / 100:,.2f} spend", flush=True)
    return 0


CAMPAIGN_REPORT = Report("hourly impressions, clicks, CTR (raw and smoothed) and spend of a campaign",
                         add_arguments, run)
