"""Settings of the ad-CTR product: section ``[ads]`` (README of this product: the formulas)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AdSettings:
    click_join_lookback_ms: int = 30 * 60_000   # a click matches an impression at most this much older
    click_join_lookahead_ms: int = 60_000       # ... or this much newer (device clock skew)
    conversion_window_ms: int = 24 * 3_600_000  # an order this long after an ad click converts it
    # prior mean CTR of each placement ([ads.base_ctr] in the TOML file; a placement not listed has no prior)
    base_ctrs: dict[str, float] = field(default_factory=lambda: {"feed": 0.012, "search": 0.025, "sidebar": 0.004})
    placement_strength: float = 1000.0           # prior strengths in pseudo-impressions
    campaign_strength: float = 200.0
    ad_strength: float = 100.0
    segment_strength: float = 50.0
    credible_level: float = 0.95
    pace_tolerance: float = 0.1
    bid_multiplier_low: float = 0.5
    bid_multiplier_high: float = 1.5
    ttl_s: int = 3 * 24 * 3600                   # serving keys expire after this long without an update

    def base_ctr(self, placement: str) -> float | None:
        return self.base_ctrs.get(placement)
