"""Redis layout of the ad features (documented in the README's serving section).

    ads:placement:{placement}            hash  windowed counts + smoothed CTR of the placement
    ads:campaign:{campaign_id}           hash  ... of the campaign
    ads:ad:{ad_id}                       hash  ... of the ad
    ads:ad:{ad_id}:segment:{segment}     hash  ... of the ad among users of one segment
    ads:ad:{ad_id}:segments              set   segments seen for the ad (the loader's index)
    ads:pacing:{campaign_id}             hash  budget, spend today, pace, over-pace flag, bid multiplier

Window fields, for w in 5m, 1h, 24h: ``{metric}_{w}`` for each metric, ``as_of_ms_{w}`` (the end of the
latest minute with a fact of the entity: the counts are exact as of then), and ``ctr_{w}``,
``ctr_lo_{w}``, ``ctr_hi_{w}`` (smoothed CTR and its credible interval) and ``ctr_raw_{w}``.
"""
from __future__ import annotations

LEVELS = ("placement", "campaign", "ad", "ad_segment")
WINDOWS = ("5m", "1h", "24h")
METRICS = ("impressions", "clicks", "orphan_clicks", "conversions", "revenue_minor", "spend_minor")
SMOOTHED = ("ctr", "ctr_lo", "ctr_hi", "ctr_raw")


class LayoutError(ValueError):
    pass


def entity_key(level: str, entity: str) -> str:
    if level in ("placement", "campaign", "ad"):
        return f"ads:{level}:{entity}"
    if level == "ad_segment":
        ad_id, _, segment = entity.partition("|")
        if not segment:
            raise LayoutError(f"an ad_segment entity is 'ad_id|segment', got {entity!r}")
        return ad_segment_key(ad_id, segment)
    raise LayoutError(f"unknown level {level!r}; levels: {', '.join(LEVELS)}")


def ad_segment_key(ad_id: str, segment: str) -> str:
    return f"ads:ad:{ad_id}:segment:{segment}"


def segments_index_key(ad_id: str) -> str:
    return f"ads:ad:{ad_id}:segments"


def pacing_key(campaign_id: str) -> str:
    return f"ads:pacing:{campaign_id}"


def window_field(metric: str, window: str) -> str:
    return f"{metric}_{window}"


def as_of_field(window: str) -> str:
    return f"as_of_ms_{window}"
