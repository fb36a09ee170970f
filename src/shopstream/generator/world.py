"""Everything a generation run draws from: catalogue, shoppers, content, samplers, ids and the event log."""
from __future__ import annotations

import random
import uuid
from typing import Any

from shopstream.contract.reference import FxRate, load_fx_rates
from shopstream.generator.model import Event, GenerationParams
from shopstream.generator.population import (
    ContentItem,
    Sampler,
    User,
    build_content,
    build_users,
    category_samplers,
    device_fingerprint,
    product_sampler,
)
from shopstream.generator.reference import Ad, Product, build_reference, local_price_minor

CLICKSTREAM, ORDERS, CONTENT = "clickstream", "orders", "content"


class World:
    """Mutable state of one generation run; all randomness comes from ``self.rng`` (seeded)."""

    def __init__(self, params: GenerationParams, content_items: int) -> None:
        self.params = params
        self.rng = random.Random(f"{params.seed}:events:{params.events}")
        self.ref = build_reference(params.seed, params.products)
        self.fx: dict[str, FxRate] = load_fx_rates()
        self.users = build_users(params)
        self.user_sampler = Sampler(self.users, [u.activity for u in self.users])
        self.products = product_sampler(self.ref)
        self.by_category = category_samplers(self.ref)
        self.product_by_id = {p.product_id: p for p in self.ref.products}
        self.content = build_content(params, self.ref, self.users, content_items)
        self.content_by_rank = sorted(self.content, key=lambda c: c.popularity_rank)
        self.content_sampler = Sampler(self.content_by_rank,
                                       [1.0 / c.popularity_rank ** 1.1 for c in self.content_by_rank])
        placement_of = {c.campaign_id: c.placement for c in self.ref.campaigns}
        self.ads_by_placement: dict[str, Sampler[Ad]] = {}
        for placement in sorted(set(placement_of.values())):
            ads = [ad for ad in self.ref.ads() if placement_of[ad.campaign_id] == placement]
            self.ads_by_placement[placement] = Sampler(ads, [ad.bid_usd_minor for ad in ads])
        self.events: list[Event] = []
        self._counters: dict[str, int] = {}

    # ids ----------------------------------------------------------------------------------
    def next_id(self, prefix: str, width: int = 7) -> str:
        n = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = n
        return f"{prefix}-{n:0{width}d}"

    def event_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # choices ------------------------------------------------------------------------------
    def pick_product(self, user: User) -> Product:
        if self.rng.random() < 0.7:
            category = user.favourite_categories[self.rng.random() < 0.5]
            if category in self.by_category:
                return self.by_category[category].draw(self.rng)
        return self.products.draw(self.rng)

    def pick_content(self, ts: int) -> ContentItem | None:
        """A popular item already published at ``ts`` (None if none found quickly)."""
        for _ in range(8):
            item = self.content_sampler.draw(self.rng)
            if item.created_ts <= ts:
                return item
        return None

    def price(self, product: Product, currency: str) -> int:
        rate = self.fx[currency]
        return local_price_minor(product.price_usd_minor, rate.rate_to_usd, rate.minor_units)

    def device_fp(self, user: User, device: str) -> str:
        return device_fingerprint(self.params.seed, user, device)

    # output -------------------------------------------------------------------------------
    def emit(self, topic_setting: str, ts: int, doc: dict[str, Any]) -> bool:
        """Record an event; events at or after the end of the generated period are dropped."""
        if ts >= self.params.end_ms:
            return False
        self.events.append(Event(topic_setting, ts, doc))
        return True
