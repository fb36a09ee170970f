"""Campaign report for advertisers: hourly impressions, clicks, CTR (raw and smoothed) and spend.

Rows come from the analyst query ``campaign_hourly`` (sql/queries/ads/); ``series_from_rows``,
``build_figure`` and ``html_document`` are pure, so the picture can be tested from in-memory rows.
The output format follows the file extension: ``.png``, or ``.html`` (one self-contained file: the
PNG embedded as base64 and a table of totals).
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clickhouse_connect.driver.client import Client
from matplotlib.backends.backend_agg import FigureCanvasAgg  # matplotlib: the `report` extra
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from shopstream.clickhouse import queries

QUERY_NAME = "campaign_hourly"
FORMATS = (".png", ".html")
WHOLE_HISTORY = ("1970-01-01 00:00:00", "2106-01-01 00:00:00")  # the span of ClickHouse DateTime


class NoCampaignData(ValueError):
    """The campaign has no ad performance in the range asked for."""


@dataclass(frozen=True)
class CampaignSeries:
    """One campaign's hours (ascending) and the measures of each."""

    campaign_id: str
    hours: list[dt.datetime]
    impressions: list[int]
    clicks: list[int]
    orphan_clicks: list[int]
    conversions: list[int]
    revenue_minor: list[int]
    spend_minor: list[int]
    raw_ctr: list[float | None]
    smoothed_ctr: list[float | None]
    daily_budget_minor: int

    @property
    def spend_of_day_minor(self) -> list[int]:
        """Spend of the UTC day up to the end of each hour."""
        out, day, running = [], None, 0
        for hour, spend in zip(self.hours, self.spend_minor):
            if hour.date() != day:
                day, running = hour.date(), 0
            running += spend
            out.append(running)
        return out


def series_from_rows(campaign_id: str, rows: Sequence[Mapping[str, Any]]) -> CampaignSeries:
    """Merge ``campaign_hourly`` rows (one per hour and placement) into one point per hour; the
    smoothed CTR of an hour with several placements is their impression-weighted mean."""
    by_hour: dict[dt.datetime, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_hour.setdefault(row["hour"], []).append(row)
    hours = sorted(by_hour)
    budget = max((int(r["daily_budget_minor"]) for r in rows), default=0)
    s = CampaignSeries(campaign_id, hours, [], [], [], [], [], [], [], [], budget)
    for hour in hours:
        group = by_hour[hour]
        sums = {k: sum(int(r[k]) for r in group) for k in ("impressions", "clicks", "orphan_clicks", "conversions",
                                                           "revenue_minor", "spend_minor")}
        for key, value in sums.items():
            getattr(s, key).append(value)
        s.raw_ctr.append(sums["clicks"] / sums["impressions"] if sums["impressions"] else None)
        smoothed = [(r["smoothed_ctr"], int(r["impressions"])) for r in group if r["smoothed_ctr"] is not None]
        weight = sum(w for _, w in smoothed)
        s.smoothed_ctr.append(None if not smoothed else
                              sum(v * w for v, w in smoothed) / weight if weight else
                              sum(v for v, _ in smoothed) / len(smoothed))
    return s


def totals(s: CampaignSeries) -> dict[str, str]:
    """The figures of the HTML table, formatted (amounts in US dollars)."""
    imps, clicks, spend, revenue = (sum(s.impressions), sum(s.clicks), sum(s.spend_minor), sum(s.revenue_minor))
    conversions = sum(s.conversions)

    def ratio(a: float, b: float, fmt: str) -> str:
        return format(a / b, fmt) if b else "–"

    return {
        "hours": f"{s.hours[0]:%Y-%m-%d %H:00} – {s.hours[-1] + dt.timedelta(hours=1):%Y-%m-%d %H:00} UTC"
                 if s.hours else "–",
        "impressions": f"{imps:,}",
        "clicks": f"{clicks:,}",
        "orphan clicks": f"{sum(s.orphan_clicks):,}",
        "conversions": f"{conversions:,}",
        "revenue": f"${revenue / 100:,.2f}",
        "spend": f"${spend / 100:,.2f}",
        "daily budget": f"${s.daily_budget_minor / 100:,.2f}" if s.daily_budget_minor else "not in ad_campaigns",
        "CTR": ratio(clicks, imps, ".3%"),
        "CVR": ratio(conversions, clicks, ".2%"),
        "CPC": f"${spend / clicks / 100:,.2f}" if clicks else "–",
        "ROAS": ratio(revenue, spend, ".2f"),
    }


def build_figure(s: CampaignSeries) -> Figure:
    """A matplotlib Figure (Agg canvas, no pyplot state) with four panels sharing the time axis."""
    fig = Figure(figsize=(11, 10), layout="constrained")
    FigureCanvasAgg(fig)
    ax_imp, ax_clk, ax_ctr, ax_spend = fig.subplots(4, 1, sharex=True)
    fig.suptitle(f"Campaign {s.campaign_id}: hourly performance (UTC)")
    bar = {"width": 1 / 24 * 0.85, "align": "edge"}  # a bar covers its hour (matplotlib dates are in days)
    middle = [h + dt.timedelta(minutes=30) for h in s.hours]

    ax_imp.bar(s.hours, s.impressions, color="#4c72b0", **bar)
    ax_imp.set_ylabel("impressions")
    ax_clk.bar(s.hours, s.clicks, color="#55a868", label="clicks", **bar)
    if any(s.orphan_clicks):
        ax_clk.bar(s.hours, s.orphan_clicks, bottom=s.clicks, color="#c44e52", label="orphan clicks", **bar)
        ax_clk.legend(loc="upper left")
    ax_clk.set_ylabel("clicks")

    raw = [(m, 100 * v) for m, v in zip(middle, s.raw_ctr) if v is not None]
    smoothed = [(m, 100 * v) for m, v in zip(middle, s.smoothed_ctr) if v is not None]
    ax_ctr.plot([m for m, _ in raw], [v for _, v in raw], ".", color="#8c8c8c", label="raw CTR")
    ax_ctr.plot([m for m, _ in smoothed], [v for _, v in smoothed], "-", color="#dd8452", label="smoothed CTR")
    ax_ctr.set_ylabel("CTR, %")
    ax_ctr.legend(loc="upper left")

    ax_spend.bar(s.hours, [v / 100 for v in s.spend_minor], color="#8172b3", label="spend in the hour", **bar)
    by_day: dict[dt.date, list[tuple[dt.datetime, float]]] = {}
    for hour, so_far in zip(s.hours, s.spend_of_day_minor):
        by_day.setdefault(hour.date(), []).append((hour + dt.timedelta(hours=1), so_far / 100))
    for i, points in enumerate(by_day.values()):
        ax_spend.plot([x for x, _ in points], [y for _, y in points], ".-", color="#64b5cd",
                      label="spend of the day by the end of the hour" if i == 0 else None)
    if s.daily_budget_minor:
        ax_spend.axhline(s.daily_budget_minor / 100, color="#c44e52", linestyle="--", label="daily budget")
    ax_spend.set_ylabel("USD")
    ax_spend.legend(loc="best")

    locator = AutoDateLocator()
    ax_spend.xaxis.set_major_locator(locator)
    ax_spend.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    for ax in (ax_imp, ax_clk, ax_ctr, ax_spend):
        ax.grid(axis="y", alpha=0.3)
    return fig


def png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def html_document(s: CampaignSeries, png: bytes) -> str:
    """One self-contained HTML page: the figure as a base64 data URI and a table of totals."""
    title = html.escape(f"Campaign {s.campaign_id}")
    rows = "\n".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in totals(s).items())
    image = base64.b64encode(png).decode("ascii")
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
th,td{{padding:.25em 1em;border-bottom:1px solid #ddd;text-align:left}} td{{text-align:right}}</style>
</head>
<body>
<h1>{title}</h1>
<table>
{rows}
</table>
<p><img alt="hourly impressions, clicks, CTR and spend of {title}" src="data:image/png;base64,{image}"></p>
</body>
</html>
"""


def write_report(s: CampaignSeries, path: str | Path) -> Path:
    """Write the PNG or HTML report (chosen by the extension of ``path``); returns the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: a report is written as {' or '.join(FORMATS)}; pick one of those extensions")
    png = png_bytes(build_figure(s))
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".png":
        path.write_bytes(png)
    else:
        path.write_text(html_document(s, png), encoding="utf-8")
    return path


def fetch_series(client: Client, campaign_id: str, start: str | None = None, end: str | None = None,
                 fallbacks: Mapping[str, str] | None = None) -> CampaignSeries:
    """Run ``campaign_hourly`` for the campaign (default: its whole history) as the given client;
    ``fallbacks`` give the smoothing parameters (``queries.settings_params``), else the file's defaults."""
    query = queries.find(QUERY_NAME)
    given = {"campaign_id": campaign_id, "from": start or WHOLE_HISTORY[0], "to": end or WHOLE_HISTORY[1]}
    rows = queries.run_rows(client, query, given, fallbacks)
    if not rows:
        span = f" in [{start or 'its start'}, {end or 'its end'})" if start or end else ""
        raise NoCampaignData(f"campaign {campaign_id!r} has no ad performance{span}: check the id "
                             "(`shopstream sql \"select distinct campaign_id from ad_performance_hourly\"`) "
                             "and the range, or load the ad job's output first")
    return series_from_rows(campaign_id, rows)


def default_path(campaign_id: str) -> Path:
    return Path("reports") / f"campaign-{campaign_id}.png"
