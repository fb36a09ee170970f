"""Orders and their lifecycle (cancellations, returns), and store orders."""
from __future__ import annotations

from typing import Any, Sequence

from shopstream.generator.model import DAY_MS, HOUR_MS
from shopstream.generator.population import User, active_span, session_start
from shopstream.generator.reference import Product
from shopstream.generator.world import ORDERS, World

CANCEL_SHARE = 0.05
RETURN_SHARE = 0.08


def place_order(world: World, user: User, ts: int, products: Sequence[Product], *, channel: str,
                device_fingerprint: str, payment_fingerprint: str) -> dict[str, Any] | None:
    """Emit order_placed for ``products`` and, sometimes, its later cancellation or return."""
    if not products:
        return None
    rng = world.rng
    order_id = world.next_id("o")
    lines = [{"line_id": f"{order_id}-{k + 1}", "product_id": p.product_id, "category": p.category,
              "unit_price_minor": world.price(p, user.currency), "qty": rng.choices((1, 2, 3), (80, 15, 5))[0]}
             for k, p in enumerate(dict.fromkeys(products))]
    base = {"order_id": order_id, "user_id": user.user_id, "currency": user.currency, "channel": channel,
            "device_fingerprint": device_fingerprint, "payment_fingerprint": payment_fingerprint,
            "country": user.country}
    placed = _order_event(world, "order_placed", ts, base, lines)
    if not world.emit(ORDERS, ts, placed):
        return None
    u = rng.random()
    if u < CANCEL_SHARE:
        cancel_ts = ts + rng.randrange(5 * 60_000, 6 * HOUR_MS)
        cancelled = [] if rng.random() < 0.7 else rng.sample(lines, rng.randint(1, len(lines)))
        world.emit(ORDERS, cancel_ts, _order_event(world, "order_cancelled", cancel_ts, base, cancelled))
    elif u < CANCEL_SHARE + RETURN_SHARE:
        return_ts = ts + rng.randrange(DAY_MS // 2, 5 * DAY_MS)
        returned = [{**line, "qty": rng.randint(1, line["qty"])}
                    for line in rng.sample(lines, rng.randint(1, len(lines)))]
        world.emit(ORDERS, return_ts, _order_event(world, "order_returned", return_ts, base, returned))
    return placed


def _order_event(world: World, event_type: str, ts: int, base: dict[str, Any],
                 lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {"event_id": world.event_id(), "event_type": event_type, "order_id": base["order_id"],
            "user_id": base["user_id"], "ts": ts, "currency": base["currency"], "channel": base["channel"],
            "device_fingerprint": base["device_fingerprint"],
            "payment_fingerprint": base["payment_fingerprint"], "country": base["country"],
            "lines": [dict(line) for line in lines]}


def store_order(world: World) -> None:
    """An in-store purchase: no clickstream before it, a till as device."""
    rng = world.rng
    user = world.user_sampler.draw(rng)
    ts = session_start(rng, user, *active_span(user, world.params))
    products = [world.pick_product(user) for _ in range(rng.randint(1, 3))]
    till = f"till-{user.country.lower()}-{rng.randint(1, 20):02d}"
    place_order(world, user, ts, products, channel="store", device_fingerprint=till,
                payment_fingerprint=rng.choice(user.cards))
