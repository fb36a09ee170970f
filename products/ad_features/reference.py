"""Campaigns, their placement and budget, and their ads with cost-per-click bids, from
schemas/reference/campaigns.yaml: the tree the CTR estimate shrinks along (placement -> campaign -> ad)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from shopstream.contract.reference import load_reference_yaml


@dataclass(frozen=True)
class AdRef:
    ad_id: str
    campaign_id: str
    product_id: str
    bid_minor: int


@dataclass(frozen=True)
class CampaignRef:
    campaign_id: str
    advertiser: str
    placement: str
    daily_budget_minor: int
    ads: tuple[AdRef, ...]


@lru_cache(maxsize=4)
def load_campaigns(directory: str | None = None) -> dict[str, CampaignRef]:
    doc = load_reference_yaml("campaigns", directory)
    out = {}
    for item in doc["items"]:
        ads = tuple(AdRef(a["ad_id"], item["campaign_id"], a["product_id"], int(a["bid_usd_minor"]))
                    for a in item["ads"])
        out[item["campaign_id"]] = CampaignRef(item["campaign_id"], item["advertiser"], item["placement"],
                                               int(item["daily_budget_usd_minor"]), ads)
    return out


def ads_by_id(directory: str | None = None) -> dict[str, AdRef]:
    return {ad.ad_id: ad for c in load_campaigns(directory).values() for ad in c.ads}
