"""``generate()``: the whole synthetic stream, pure and deterministic from the parameters."""
from __future__ import annotations

import math
from typing import Iterator

from shopstream.contract.loader import load_contract
from shopstream.generator.content import publish_content
from shopstream.generator.delivery import deliver
from shopstream.generator.fraud import fraud_ring, rapid_fire
from shopstream.generator.model import GeneratedRecord, GenerationParams
from shopstream.generator.orders import store_order
from shopstream.generator.sessions import run_session
from shopstream.generator.world import World

# measured on the default mix: share of valid events that are order_placed
ORDER_PLACED_SHARE = 0.019
STORE_ORDER_SHARE = 0.03
ORDERS_PER_RING, ORDERS_PER_RAPID_FIRE = 11.5, 7.5


def generate(params: GenerationParams) -> Iterator[GeneratedRecord]:
    """All records, in the order they should be sent (see GeneratedRecord for the timestamps)."""
    contract = load_contract()
    schemas = {s.topic_setting: s for s in contract.values()}
    n_bad = round(params.events * params.bad_share)
    n_duplicates = round(params.events * params.duplicate_share)
    target_valid = max(1, params.events - n_bad - n_duplicates)
    world = World(params, content_items=max(20, target_valid // 400))
    publish_content(world)
    expected_orders = target_valid * ORDER_PLACED_SHARE
    for _ in range(math.ceil(expected_orders * STORE_ORDER_SHARE)):
        store_order(world)
    fraud_orders = expected_orders * params.fraud_share
    for _ in range(math.ceil(fraud_orders / (ORDERS_PER_RING + ORDERS_PER_RAPID_FIRE))):
        fraud_ring(world)
        rapid_fire(world)
    while len(world.events) < target_valid:
        run_session(world)
    events = world.events[:target_valid] if len(world.events) > target_valid else world.events
    return deliver(params, events, schemas, n_bad, n_duplicates)

