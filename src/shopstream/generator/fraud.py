"""Fraud-like order patterns: a card shared across accounts, and rapid-fire orders."""
from __future__ import annotations

from shopstream.generator.model import HOUR_MS
from shopstream.generator.population import fingerprint
from shopstream.generator.sessions import compressed_funnel
from shopstream.generator.world import World

HIGH_VALUE_CATEGORIES = ("electronics", "jewelry")


def fraud_ring(world: World) -> None:
    """One payment fingerprint used by 8-15 different accounts within two hours."""
    rng = world.rng
    card = f"pfp-{fingerprint(world.params.seed, 'ring', world.next_id('ring'))}"
    t0 = rng.randrange(world.params.start_ms, world.params.end_ms)
    for member in rng.sample(world.users, rng.randint(8, 15)):
        category = rng.choice([c for c in HIGH_VALUE_CATEGORIES if c in world.by_category])
        products = [world.by_category[category].draw(rng)]
        compressed_funnel(world, member, t0 + rng.randrange(0, 2 * HOUR_MS), products, payment_fingerprint=card)


def rapid_fire(world: World) -> None:
    """One account placing 5-10 orders within a few minutes."""
    rng = world.rng
    user = world.user_sampler.draw(rng)
    t = rng.randrange(world.params.start_ms, world.params.end_ms)
    card = rng.choice(user.cards)
    for _ in range(rng.randint(5, 10)):
        products = [world.pick_product(user) for _ in range(rng.randint(1, 2))]
        t = compressed_funnel(world, user, t, products, payment_fingerprint=card, gap_s=2.0)
        t += rng.randrange(5_000, 30_000)
