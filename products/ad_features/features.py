"""Pure derivations of the serving values of the ad features: smoothed CTR along the reference tree
(placement -> campaign -> ad -> ad x segment) and budget pacing."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from shopstream.products.ad_features.ctr import SmoothedCtr, ctr_counts, shrink_chain
from shopstream.products.ad_features.layout import window_field
from shopstream.products.ad_features.pacing import pacing
from shopstream.products.ad_features.reference import CampaignRef
from shopstream.products.ad_features.settings import AdSettings


@dataclass(frozen=True)
class Chain:
    """The entities an estimate shrinks through, top first, as Redis keys; base CTR of the placement."""

    keys: tuple[str, ...]
    base_ctr: float
    strengths: tuple[float, ...]


def smoothed_fields(chain_counts: list[Mapping[str, object]], chain: Chain, window: str,
                    level: float) -> list[dict[str, object]]:
    """``ctr_{w}``, ``ctr_lo_{w}``, ``ctr_hi_{w}``, ``ctr_raw_{w}`` for each entity of the chain, from the
    stored window counts of each (missing counts are zeros)."""
    counts = [ctr_counts(_int(c.get(window_field("impressions", window))), _int(c.get(window_field("clicks", window))))
              for c in chain_counts]
    estimates = shrink_chain(chain.base_ctr, list(zip(chain.strengths, counts)), level)
    return [_fields(e, window) for e in estimates]


def _fields(e: SmoothedCtr, window: str) -> dict[str, object]:
    return {f"ctr_{window}": _num(e.ctr), f"ctr_lo_{window}": _num(e.lower), f"ctr_hi_{window}": _num(e.upper),
            f"ctr_raw_{window}": "" if e.raw is None else _num(e.raw)}


def _num(x: float) -> str:
    return f"{x:.6g}"


def _int(v: object) -> int:
    if v in (None, b"", ""):
        return 0
    return int(v)


def strengths(a: AdSettings) -> tuple[float, ...]:
    return (a.placement_strength, a.campaign_strength, a.ad_strength, a.segment_strength)


def pacing_fields(campaign: CampaignRef | None, day_start_ms: int, as_of_ms: int, spend_today_minor: int,
                  clicks_today: int, a: AdSettings) -> dict[str, object]:
    """Serving fields of a campaign's pacing as of ``as_of_ms`` (the end of its latest active minute)."""
    fields: dict[str, object] = {"day_start_ms": day_start_ms, "spend_today_minor": spend_today_minor,
                                 "clicks_today": clicks_today}
    if campaign is None:
        return {**fields, "daily_budget_minor": "", "expected_spend_minor": "", "pace": "", "over_pace": "",
                "bid_multiplier": ""}
    p = pacing(spend_today_minor, campaign.daily_budget_minor, as_of_ms - 1, tolerance=a.pace_tolerance,
               low=a.bid_multiplier_low, high=a.bid_multiplier_high)
    return {**fields, "daily_budget_minor": p.daily_budget_minor,
            "expected_spend_minor": round(p.expected_spend_minor),
            "pace": "" if p.pace is None else _num(p.pace), "over_pace": int(p.over_pace),
            "bid_multiplier": _num(p.bid_multiplier)}
