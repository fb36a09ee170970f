"""Shoppers and content items, drawn from the seed, plus the weighted samplers the sessions use."""
from __future__ import annotations

import hashlib
import itertools
import random
from bisect import bisect_left
from dataclasses import dataclass, replace
from typing import Generic, Sequence, TypeVar

from shopstream.generator.model import DAY_MS, GenerationParams
from shopstream.generator.reference import CATEGORIES, ReferenceData, Product, zipf_weights

T = TypeVar("T")

# country, currency, UTC offset in minutes, share of shoppers
COUNTRIES: tuple[tuple[str, str, int, float], ...] = (
    ("US", "USD", -300, 0.26), ("CA", "CAD", -300, 0.05), ("GB", "GBP", 0, 0.10), ("DE", "EUR", 60, 0.12),
    ("FR", "EUR", 60, 0.07), ("ES", "EUR", 60, 0.04), ("NL", "EUR", 60, 0.03), ("JP", "JPY", 540, 0.08),
    ("AU", "AUD", 600, 0.05), ("BR", "BRL", -180, 0.08), ("IN", "INR", 330, 0.12),
)
DEVICES: tuple[tuple[str, float], ...] = (("web", 0.40), ("ios", 0.25), ("android", 0.28), ("tablet", 0.07))
# relative session intensity by local hour: quiet at night, peaks in the evening
DIURNAL = (0.25, 0.15, 0.10, 0.08, 0.08, 0.12, 0.25, 0.45, 0.60, 0.65, 0.70, 0.75,
           0.85, 0.80, 0.75, 0.75, 0.80, 0.90, 1.00, 1.10, 1.20, 1.15, 0.90, 0.50)
CONTENT_KINDS = (("ugc_post", 0.5), ("brand_post", 0.2), ("product_card", 0.2), ("video", 0.1))
TOPIC_TAGS = ("sale", "howto", "review", "unboxing", "lookbook", "gift", "new", "trending")


class Sampler(Generic[T]):
    """Draws items with fixed weights in O(log n) (cumulative weights + bisect)."""

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if not items:
            raise ValueError("nothing to sample from")
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random) -> T:
        return self.items[bisect_left(self.cumulative, rng.random() * self.total)]


# the realistic shape (GenerationParams.shape): activity tail, and how shoppers come and go
REALISTIC_ACTIVITY_ALPHA = 1.4      # Pareto tail of visits per shopper ...
REALISTIC_ACTIVITY_CAP = 500.0      # ... capped: the busiest shoppers visit 500x as often as the least busy
REALISTIC_JOIN_SHARE = 0.3      # shoppers whose first visit falls inside the period
REALISTIC_LEAVE_SHARE = 0.3     # shoppers whose last visit falls inside the period
REALISTIC_MIN_SPAN_MS = 6 * 3600 * 1000


@dataclass(frozen=True)
class User:
    user_id: str
    country: str
    currency: str
    utc_offset_min: int
    device: str
    activity: float
    favourite_categories: tuple[str, ...]
    cards: tuple[str, ...]
    # when the shopper visits, if not over the whole period (the realistic shape)
    active_from_ms: int | None = None
    active_to_ms: int | None = None


@dataclass(frozen=True)
class ContentItem:
    content_id: str
    kind: str
    author_id: str
    tags: tuple[str, ...]
    product_ids: tuple[str, ...]
    sponsored: bool
    created_ts: int
    popularity_rank: int


def fingerprint(*parts: object) -> str:
    """A stable short hash (device and payment fingerprints)."""
    return hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).hexdigest()


def build_users(params: GenerationParams) -> tuple[User, ...]:
    rng = random.Random(f"{params.seed}:users")
    countries = Sampler(COUNTRIES, [c[3] for c in COUNTRIES])
    devices = Sampler([d for d, _ in DEVICES], [w for _, w in DEVICES])
    users = []
    for i in range(params.users):
        country, currency, offset, _ = countries.draw(rng)
        favourites = tuple(rng.sample(CATEGORIES, 2))
        cards = tuple(f"pfp-{fingerprint(params.seed, 'card', i, k)}" for k in range(rng.choice((1, 1, 2))))
        users.append(User(f"u-{i + 1:06d}", country, currency, offset, devices.draw(rng),
                          rng.paretovariate(1.6), favourites, cards))
    if params.shape == "realistic":
        return realistic_users(params, users)
    return tuple(users)


def realistic_users(params: GenerationParams, users: Sequence[User]) -> tuple[User, ...]:
    """``users`` with a heavier-tailed activity and a span of visits each: some join during the period,
    some leave before its end (drawn from a random stream of their own, so the default shape's draws
    stay as they are)."""
    rng = random.Random(f"{params.seed}:realistic-users")
    start, end = params.start_ms, params.end_ms
    out = []
    for user in users:
        activity = min(rng.paretovariate(REALISTIC_ACTIVITY_ALPHA), REALISTIC_ACTIVITY_CAP)
        joins, leaves = rng.random() < REALISTIC_JOIN_SHARE, rng.random() < REALISTIC_LEAVE_SHARE
        first = rng.randrange(start, end - REALISTIC_MIN_SPAN_MS) if joins else start
        last = rng.randrange(first + REALISTIC_MIN_SPAN_MS, end + 1) if leaves else end
        out.append(replace(user, activity=activity, active_from_ms=first, active_to_ms=last))
    return tuple(out)


def active_span(user: User, params: GenerationParams) -> tuple[int, int]:
    """When ``user`` visits: [from, to) epoch ms."""
    first = params.start_ms if user.active_from_ms is None else user.active_from_ms
    last = params.end_ms if user.active_to_ms is None else user.active_to_ms
    return first, last


def device_fingerprint(seed: int, user: User, device: str) -> str:
    return f"dfp-{fingerprint(seed, 'device', user.user_id, device)}"


def build_content(params: GenerationParams, ref: ReferenceData, users: Sequence[User],
                  count: int) -> tuple[ContentItem, ...]:
    """Content items: 60% created in the 30 days before the stream starts, the rest during it."""
    rng = random.Random(f"{params.seed}:content")
    kinds = Sampler([k for k, _ in CONTENT_KINDS], [w for _, w in CONTENT_KINDS])
    products = product_sampler(ref)
    ranks = list(range(1, count + 1))
    rng.shuffle(ranks)
    items = []
    for i in range(count):
        kind = kinds.draw(rng)
        brand = kind in ("brand_post", "product_card")
        author = f"brand-{rng.randrange(1, 31):02d}" if brand else rng.choice(users).user_id
        n_products = {"product_card": rng.randint(1, 3), "brand_post": rng.randint(0, 2),
                      "video": rng.randint(0, 2), "ugc_post": rng.randint(0, 1)}[kind]
        featured = tuple(dict.fromkeys(products.draw(rng).product_id for _ in range(n_products)))
        categories = {p.category for p in ref.products if p.product_id in featured} or {rng.choice(CATEGORIES)}
        tags = tuple(sorted(categories)) + tuple(rng.sample(TOPIC_TAGS, rng.randint(0, 2)))
        if rng.random() < 0.6:
            created = params.start_ms - rng.randrange(1, 30 * DAY_MS)
        else:
            created = params.start_ms + rng.randrange(0, params.end_ms - params.start_ms)
        sponsored = brand and rng.random() < (0.8 if kind == "brand_post" else 0.3)
        items.append(ContentItem(f"c-{i + 1:05d}", kind, author, tags, featured, sponsored, created, ranks[i]))
    return tuple(items)


def product_sampler(ref: ReferenceData) -> Sampler[Product]:
    by_rank = sorted(ref.products, key=lambda p: p.popularity_rank)
    return Sampler(by_rank, zipf_weights(len(by_rank)))


def category_samplers(ref: ReferenceData) -> dict[str, Sampler[Product]]:
    out = {}
    for category in CATEGORIES:
        products = sorted((p for p in ref.products if p.category == category), key=lambda p: p.popularity_rank)
        if products:
            out[category] = Sampler(products, zipf_weights(len(products)))
    return out


def local_hour(ts_ms: int, utc_offset_min: int) -> int:
    return ((ts_ms // 60_000 + utc_offset_min) // 60) % 24


def session_start(rng: random.Random, user: User, start_ms: int, end_ms: int) -> int:
    """A session start in [start_ms, end_ms), denser in the user's local evening (rejection sampling)."""
    peak = max(DIURNAL)
    t = start_ms
    for _ in range(30):
        t = rng.randrange(start_ms, end_ms)
        if rng.random() * peak < DIURNAL[local_hour(t, user.utc_offset_min)]:
            return t
    return t
