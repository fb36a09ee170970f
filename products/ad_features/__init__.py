"""Ad CTR features: impressions, clicks (orphans apart), conversions, revenue and spend per ad, campaign,
placement and ad x user segment over sliding windows, hierarchically smoothed CTR, pacing; served from
Redis ``ads:*`` and kept in ClickHouse ``ad_performance_*``. Documentation: products/ad_features/README.md."""
from __future__ import annotations

from shopstream.product import Product
from shopstream.products.ad_features import layer
from shopstream.products.ad_features.guide import guide
from shopstream.products.ad_features.probe import PROBE
from shopstream.products.ad_features.report_command import CAMPAIGN_REPORT
from shopstream.products.ad_features.settings import AdSettings


def _loaders(settings, redis_client, ch_client) -> list:
    from shopstream.products.ad_features.loader import AdApplier
    return [AdApplier(settings, redis_client, ch_client)]


def _query_params(settings) -> dict[str, str]:
    """Settings values the ad queries take when not given: base CTRs, prior strengths, pacing tolerance."""
    a = settings.ads
    values = {f"base_ctr_{placement}": ctr for placement, ctr in a.base_ctrs.items()}
    values.update(placement_strength=a.placement_strength, campaign_strength=a.campaign_strength,
                  ad_strength=a.ad_strength, tolerance=a.pace_tolerance)
    return {name: repr(float(value)) for name, value in values.items()}


def _load_reference(client, settings) -> str:
    from shopstream.products.ad_features.reference_tables import load_reference_tables
    written = load_reference_tables(client, settings)
    return ", ".join(f"{table} {n} rows written" for table, n in written.items())


PRODUCT = Product(
    name="ad_features",
    package=__name__,
    description="windows per ad, campaign, placement and segment; smoothed CTR; pacing",
    inputs=("clickstream", "orders"),
    requires=("user_profiles",),
    settings=AdSettings,
    section="ads",
    params=layer.params,
    variants=layer.variants,
    loaders=_loaders,
    serving={"ads:": dict},
    query_params=_query_params,
    reports={"campaign": CAMPAIGN_REPORT},
    guide=guide,
    probe=PROBE,
    load_reference=_load_reference,
)
