"""User profiles: rolling-window behaviour, lifetime totals, context, category affinity, segment and tags
per user, served from Redis ``profile:{user_id}`` and kept in ClickHouse ``user_profiles`` and
``user_profile_windows``. Documentation: products/user_profiles/README.md."""
from __future__ import annotations

from shopstream.product import Product
from shopstream.products.user_profiles import layer
from shopstream.products.user_profiles.guide import guide
from shopstream.products.user_profiles.probe import PROBE
from shopstream.products.user_profiles.settings import ProfileSettings


def _loaders(settings, redis_client, ch_client) -> list:
    from shopstream.products.user_profiles.loader import ProfileApplier
    return [ProfileApplier(settings, redis_client, ch_client)]


def _decode(raw: dict) -> dict:
    from shopstream.products.user_profiles.serving import decode_profile
    return decode_profile(raw)


PRODUCT = Product(
    name="user_profiles",
    package=__name__,
    description="rolling windows, lifetime totals, affinity, segment and tags per user",
    inputs=("clickstream", "orders"),
    settings=ProfileSettings,
    section="profiles",
    params=layer.params,
    loaders=_loaders,
    serving={"profile:": _decode},
    guide=guide,
    probe=PROBE,
    latency="low",
)
