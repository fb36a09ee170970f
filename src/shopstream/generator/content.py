"""Content topic messages: a snapshot of older items at the start, then publications and edits."""
from __future__ import annotations

from typing import Any

from shopstream.generator.model import HOUR_MS
from shopstream.generator.population import TOPIC_TAGS, ContentItem
from shopstream.generator.world import CONTENT, World

EDIT_SHARE = 0.1


def content_doc(world: World, item: ContentItem, ts: int, tags: tuple[str, ...]) -> dict[str, Any]:
    return {"event_id": world.event_id(), "content_id": item.content_id, "kind": item.kind,
            "author_id": item.author_id, "tags": list(tags), "product_ids": list(item.product_ids),
            "sponsored": item.sponsored, "created_ts": item.created_ts, "ts": ts}


def publish_content(world: World) -> None:
    """One message per item (at the stream start for older items), and an edit for some."""
    rng = world.rng
    for item in world.content:
        ts = max(item.created_ts, world.params.start_ms)
        world.emit(CONTENT, ts, content_doc(world, item, ts, item.tags))
        if rng.random() < EDIT_SHARE:
            edit_ts = ts + rng.randrange(HOUR_MS, 24 * HOUR_MS)
            extra = rng.choice([t for t in TOPIC_TAGS if t not in item.tags] or ["updated"])
            world.emit(CONTENT, edit_ts, content_doc(world, item, edit_ts, item.tags + (extra,)))
