"""Read ad features as a bidder would: one pipelined round trip for an ad in context (the ad, its
campaign, its placement, the ad among the user's segment, and the campaign's pacing), typed values."""
from __future__ import annotations

from dataclasses import dataclass

import redis

from shopstream.products.ad_features import layout


def decode_features(raw: dict[str, str]) -> dict[str, int | float | str | None]:
    """Counts and stamps as int, CTR values and pace as float, empty values as None."""
    out: dict[str, int | float | str | None] = {}
    for name, value in raw.items():
        if value == "":
            out[name] = None
            continue
        try:
            out[name] = int(value)
        except ValueError:
            try:
                out[name] = float(value)
            except ValueError:
                out[name] = value
    return out


@dataclass(frozen=True)
class AdContext:
    ad: dict | None
    ad_segment: dict | None
    campaign: dict | None
    placement: dict | None
    pacing: dict | None

    def best_ctr(self, window: str = "1h") -> float | None:
        """The most specific smoothed CTR available: ad x segment, else ad, campaign, placement."""
        for level in (self.ad_segment, self.ad, self.campaign, self.placement):
            if level and level.get(f"ctr_{window}") is not None:
                return float(level[f"ctr_{window}"])
        return None


def get_ad_context(client: redis.Redis, ad_id: str, campaign_id: str, placement: str,
                   segment: str | None = None) -> AdContext:
    keys = [layout.entity_key("ad", ad_id),
            layout.ad_segment_key(ad_id, segment) if segment else None,
            layout.entity_key("campaign", campaign_id), layout.entity_key("placement", placement),
            layout.pacing_key(campaign_id)]
    pipe = client.pipeline(transaction=False)
    for key in keys:
        if key:
            pipe.hgetall(key)
    results = iter(pipe.execute())
    values = [(decode_features(next(results)) or None) if key else None for key in keys]
    return AdContext(*values)
