"""Reference entities generated from the seed: products, ad campaigns with ads, affiliates.

Pure: ``build_reference(seed, products)`` always returns the same catalogue. ``reference_documents``
turns it into the documented YAML files in ``schemas/reference/`` (``write_reference_yaml``), which
jobs read with ``shopstream.contract.reference.load_reference_yaml``. Amounts are USD minor units.
"""
from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

CATEGORIES: tuple[str, ...] = ("electronics", "fashion", "home", "beauty", "sports", "toys", "books",
                               "grocery", "garden", "automotive", "pets", "jewelry")
_CATEGORY_WEIGHTS = (14, 16, 11, 9, 8, 7, 8, 6, 5, 4, 5, 7)
_MEDIAN_PRICE_USD_MINOR = {"electronics": 14_000, "fashion": 4_500, "home": 3_500, "beauty": 2_200,
                           "sports": 5_000, "toys": 2_800, "books": 1_600, "grocery": 900, "garden": 3_200,
                           "automotive": 4_800, "pets": 2_100, "jewelry": 11_000}
NOUNS = {"electronics": ("headphones", "phone case", "charger", "smartwatch", "speaker", "camera"),
         "fashion": ("sneakers", "jacket", "dress", "jeans", "scarf", "handbag"),
         "home": ("lamp", "cushion", "rug", "mug", "blanket", "vase"),
         "beauty": ("serum", "lipstick", "shampoo", "perfume", "face mask", "cream"),
         "sports": ("yoga mat", "running shoes", "dumbbells", "bike helmet", "water bottle", "racket"),
         "toys": ("puzzle", "building set", "plush bear", "board game", "rc car", "doll"),
         "books": ("novel", "cookbook", "travel guide", "comic", "biography", "notebook"),
         "grocery": ("coffee", "tea", "olive oil", "chocolate", "granola", "spices"),
         "garden": ("planter", "hose", "seeds", "pruner", "garden chair", "lantern"),
         "automotive": ("car mat", "dash cam", "tyre gauge", "phone mount", "wax", "jump starter"),
         "pets": ("dog bed", "cat toy", "leash", "pet food", "aquarium", "scratcher"),
         "jewelry": ("ring", "necklace", "bracelet", "earrings", "watch", "pendant")}
ADJECTIVES = ("classic", "eco", "smart", "mini", "pro", "vintage", "urban", "soft", "bold", "lite")
TIERS = (("gold", Decimal("0.10"), 1), ("silver", Decimal("0.07"), 3), ("bronze", Decimal("0.05"), 6))
BRANDS = 30
PLACEMENTS = ("feed", "search", "sidebar")  # clickstream.placement
ZIPF_EXPONENT = 1.07


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    category: str
    brand: str
    price_usd_minor: int
    popularity_rank: int


@dataclass(frozen=True)
class Ad:
    ad_id: str
    campaign_id: str
    product_id: str
    bid_usd_minor: int


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    advertiser: str
    placement: str
    daily_budget_usd_minor: int
    ads: tuple[Ad, ...]


@dataclass(frozen=True)
class AffiliateLink:
    link_id: str
    product_id: str


@dataclass(frozen=True)
class Affiliate:
    affiliate_id: str
    name: str
    tier: str
    commission_rate: Decimal
    links: tuple[AffiliateLink, ...]


@dataclass(frozen=True)
class ReferenceData:
    seed: int
    products: tuple[Product, ...]
    campaigns: tuple[Campaign, ...]
    affiliates: tuple[Affiliate, ...]

    def ads(self) -> tuple[Ad, ...]:
        return tuple(ad for c in self.campaigns for ad in c.ads)


def zipf_weights(n: int, exponent: float = ZIPF_EXPONENT) -> list[float]:
    """Weight of popularity ranks 1..n under a Zipf (power-law) distribution."""
    return [1.0 / (rank ** exponent) for rank in range(1, n + 1)]


def build_reference(seed: int, products: int) -> ReferenceData:
    """The catalogue for ``seed`` with ``products`` products (campaigns and affiliates scale with it)."""
    rng = random.Random(f"{seed}:reference")
    ranks = list(range(1, products + 1))
    rng.shuffle(ranks)
    catalogue = []
    for i in range(products):
        category = rng.choices(CATEGORIES, weights=_CATEGORY_WEIGHTS)[0]
        usd = _MEDIAN_PRICE_USD_MINOR[category] * rng.lognormvariate(0.0, 0.6)
        catalogue.append(Product(
            product_id=f"p-{i + 1:04d}",
            name=f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS[category])}",
            category=category,
            brand=f"brand-{rng.randrange(1, BRANDS + 1):02d}",
            price_usd_minor=max(199, int(round(usd / 100.0)) * 100 - 1),
            popularity_rank=ranks[i],
        ))
    by_rank = sorted(catalogue, key=lambda p: p.popularity_rank)
    weights = zipf_weights(products)
    campaigns = []
    ad_no = 0
    for c in range(max(3, products // 40)):
        advertiser = f"brand-{rng.randrange(1, BRANDS + 1):02d}"
        ads = []
        for _ in range(rng.randint(2, 4)):
            ad_no += 1
            product = rng.choices(by_rank, weights=weights)[0]
            ads.append(Ad(f"ad-{ad_no:03d}", f"cmp-{c + 1:02d}", product.product_id, rng.randint(20, 300)))
        # each campaign buys one placement (a line item), so CTR shrinks ad -> campaign -> placement
        campaigns.append(Campaign(f"cmp-{c + 1:02d}", advertiser, PLACEMENTS[c % len(PLACEMENTS)],
                                  rng.randrange(200, 5000) * 100, tuple(ads)))
    affiliates = []
    for a in range(max(5, products // 25)):
        tier, rate, _ = rng.choices(TIERS, weights=[t[2] for t in TIERS])[0]
        chosen = {rng.choices(by_rank, weights=weights)[0].product_id for _ in range(rng.randint(3, 8))}
        links = tuple(AffiliateLink(f"aff-{a + 1:02d}-L{k + 1}", pid) for k, pid in enumerate(sorted(chosen)))
        affiliates.append(Affiliate(f"aff-{a + 1:02d}", f"partner {a + 1:02d}", tier, rate, links))
    return ReferenceData(seed, tuple(catalogue), tuple(campaigns), tuple(affiliates))


def local_price_minor(price_usd_minor: int, rate_to_usd: Decimal, minor_units: int) -> int:
    """Shelf price in another currency: converted, then ending in 99 (or in tens for 0-decimal currencies)."""
    major = Decimal(price_usd_minor) / 100 / rate_to_usd
    if minor_units == 0:
        return max(10, int(math.ceil(major / 10)) * 10)
    return max(99, int(math.ceil(major)) * 10 ** minor_units - 1)


_DOCS: dict[str, dict[str, str]] = {
    "products": {
        "product_id": "Product id used in clickstream, orders and content.",
        "name": "Display name.",
        "category": "Catalogue category (clickstream.category, orders lines.category).",
        "brand": "Brand selling the product (also the advertiser of campaigns).",
        "price_usd_minor": "List price in US cents; shelf prices in other currencies are converted and end in 99.",
        "popularity_rank": "1 = most popular; views follow a Zipf law over this rank.",
    },
    "campaigns": {
        "campaign_id": "Campaign id (clickstream.campaign_id).",
        "advertiser": "Brand paying for the campaign.",
        "placement": "Where the campaign's ads run (clickstream.placement): feed, search or sidebar.",
        "daily_budget_usd_minor": "Daily spend cap in US cents.",
        "ads": "Ads of the campaign: ad_id, the product advertised, bid_usd_minor = cost-per-click bid in US cents.",
    },
    "affiliates": {
        "affiliate_id": "Affiliate partner id (clickstream.affiliate_id).",
        "name": "Partner name.",
        "tier": "gold, silver or bronze; decides the commission rate.",
        "commission_rate": "Share of attributed order value paid to the partner.",
        "links": "Tracked links: link_id (clickstream.link_id) and the product it points to.",
    },
}
_DESCRIPTIONS = {
    "products": "Product catalogue.",
    "campaigns": "Ad campaigns with their budgets and ads (bids per click).",
    "affiliates": "Affiliate partners, their tier and tracked links.",
}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def reference_documents(ref: ReferenceData) -> dict[str, dict[str, Any]]:
    """The YAML documents (as data) for products, campaigns and affiliates."""
    items = {"products": ref.products, "campaigns": ref.campaigns, "affiliates": ref.affiliates}
    return {
        name: {
            "kind": name,
            "version": 1,
            "generated_by": "shopstream.generator.reference.build_reference",
            "generated_with": {"seed": ref.seed, "products": len(ref.products)},
            "currency": "USD",
            "description": _DESCRIPTIONS[name],
            "fields": _DOCS[name],
            "items": [_plain(asdict(entity)) for entity in entities],
        }
        for name, entities in items.items()
    }


def write_reference_yaml(ref: ReferenceData, directory: str | Path) -> list[Path]:
    """Write ``<name>.yaml`` per reference document; returns the paths written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, doc in reference_documents(ref).items():
        path = directory / f"{name}.yaml"
        header = (f"# {_DESCRIPTIONS[name]} Generated, do not edit: regenerate with\n"
                  f"#   python -c 'from shopstream.generator.reference import *; "
                  f"write_reference_yaml(build_reference({ref.seed}, {len(ref.products)}), \"schemas/reference\")'\n")
        head = {k: v for k, v in doc.items() if k != "items"}
        body = yaml.safe_dump({"items": doc["items"]}, sort_keys=False, default_flow_style=None, width=140,
                              allow_unicode=True)
        path.write_text(header + yaml.safe_dump(head, sort_keys=False, default_flow_style=False, width=140,
                                                allow_unicode=True) + body, encoding="utf-8")
        paths.append(path)
    return paths
