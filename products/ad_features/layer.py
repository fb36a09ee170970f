"""The ad-CTR layer: impressions joined to clicks (orphans apart), conversions, sliding windows per ad,
campaign, placement and ad x segment, spend today per campaign, and analysis minute rows.
SQL: products/ad_features/sql/. Reads the user segment from the profile layer's views."""
from __future__ import annotations

from shopstream.products.ad_features.reference import load_campaigns
from shopstream.flink.environment import RunOptions
from shopstream.flink.params import interval_day_to_second
from shopstream.settings import Settings

# Each window covers the minute tiles from `preceding` (days hh:mm) before the current one.
WINDOWS = {"5m": "0 00:04", "1h": "0 00:59", "24h": "0 23:59"}
BRANCHES = {"levels": "ad_minute", "segments": "ad_segment_tiles"}
WINDOW_COLUMNS = ("level, entity, window_name, as_of_ms, impressions, clicks, orphan_clicks, conversions, "
                  "revenue_minor, spend_minor")


def day_to_minute(ms: int) -> str:
    """``'D HH:MM'`` for a whole number of minutes (the RANGE frame syntax the SQL files use)."""
    if ms <= 0 or ms % 60_000:
        raise ValueError(f"a window must be a positive whole number of minutes, got {ms} ms")
    days, rest = divmod(ms, 86_400_000)
    return f"{days} {rest // 3_600_000:02d}:{rest % 3_600_000 // 60_000:02d}"


def bid_expression(column: str = "ad_id") -> str:
    """``case`` expression giving each reference ad's cost-per-click bid (US cents); unknown ads bid 0."""
    ads = sorted((ad.ad_id, ad.bid_minor) for c in load_campaigns().values() for ad in c.ads)
    whens = " ".join(f"when '{ad_id}' then cast({bid} as bigint)" for ad_id, bid in ads)
    return f"case {column} {whens} else cast(0 as bigint) end"


def params(settings: Settings, options: RunOptions) -> dict[str, str]:
    a = settings.ads
    return {
        "click_join_lookback": interval_day_to_second(a.click_join_lookback_ms),
        "click_join_lookahead": interval_day_to_second(a.click_join_lookahead_ms),
        "conversion_window": day_to_minute(a.conversion_window_ms),
        "bid_of_ad": bid_expression(),
        "ad_window_union": "\nunion all\n".join(f"select {WINDOW_COLUMNS} from ad_window_{b}_{w}"
                                                for b in BRANCHES for w in WINDOWS),
    }


def variants(settings: Settings, options: RunOptions):
    return {"130_ad_window": [{"branch": b, "tiles": tiles, "window": w, "window_preceding": r}
                              for b, tiles in BRANCHES.items() for w, r in WINDOWS.items()]}
