import pytest

from shopstream.products.ad_features import layout
from shopstream.products.ad_features.ctr import Counts, Priors, ctr_counts, shrink_chain, smoothed_ctr
from shopstream.products.ad_features.features import Chain, pacing_fields, smoothed_fields
from shopstream.products.ad_features.pacing import HOUR_MS, share_of_day
from shopstream.products.ad_features.reference import CampaignRef, ads_by_id, load_campaigns
from shopstream.flink.params import interval_day_to_second
from shopstream.products.ad_features.layer import bid_expression, day_to_minute
from shopstream.products.ad_features.serving import decode_features
from shopstream.products.ad_features.settings import AdSettings


def test_chain_of_three_levels_is_smoothed_ctr():
    counts = [Counts(10_000, 250), Counts(2000, 40), Counts(3, 0)]
    chain = shrink_chain(0.02, list(zip((1000, 200, 100), counts)))
    assert chain[-1] == smoothed_ctr(counts[2], counts[1], counts[0], 0.02, Priors(1000, 200, 100))


def test_segment_level_shrinks_toward_its_ad_by_hand():
    # ad posterior mean mu_a (from the hand-checked 3-level case); segment with 10 impressions, 1 click,
    # strength 50: mean (50 * mu_a + 1) / 60
    levels = [(1000, Counts(10_000, 250)), (200, Counts(2000, 40)), (100, Counts(3, 0)), (50, Counts(10, 1))]
    got = shrink_chain(0.02, levels)
    mu_a = 100 * ((5400 / 1100 + 40) / 2200) / 103
    assert got[3].ctr == pytest.approx((50 * mu_a + 1) / 60, rel=1e-12)
    assert got[3].raw == 0.1


def test_window_counts_cap_clicks_at_impressions():
    assert ctr_counts(2, 3) == Counts(2, 2)
    assert ctr_counts(0, 1) == Counts(0, 0)


def test_smoothed_fields_read_stored_strings_and_missing_counts_as_zero():
    chain = Chain(("ads:placement:feed", "ads:campaign:c", "ads:ad:a"), 0.012, (1000, 200, 100))
    stored = [{"impressions_1h": "1000", "clicks_1h": "12"}, {}, {"impressions_1h": "3", "clicks_1h": None}]
    fields = smoothed_fields(stored, chain, "1h", 0.95)
    assert len(fields) == 3
    assert fields[1]["ctr_raw_1h"] == "" and fields[2]["ctr_raw_1h"] == "0"
    assert float(fields[2]["ctr_lo_1h"]) < float(fields[2]["ctr_1h"]) < float(fields[2]["ctr_hi_1h"])


def test_pacing_fields_for_a_known_and_an_unknown_campaign():
    campaign = CampaignRef("c", "brand", "feed", 10_000, ())
    noon = 12 * HOUR_MS
    f = pacing_fields(campaign, 0, noon + 1, int(2 * 10_000 * share_of_day(noon)), 5, AdSettings())
    assert f["over_pace"] == 1 and f["daily_budget_minor"] == 10_000 and float(f["bid_multiplier"]) == 0.5
    assert pacing_fields(None, 0, noon, 100, 1, AdSettings())["pace"] == ""


def test_keys_of_the_serving_layout():
    assert layout.entity_key("ad", "ad-001") == "ads:ad:ad-001"
    assert layout.entity_key("ad_segment", "ad-001|vip") == "ads:ad:ad-001:segment:vip"
    assert layout.pacing_key("cmp-01") == "ads:pacing:cmp-01"
    with pytest.raises(layout.LayoutError):
        layout.entity_key("ad_segment", "ad-001")
    with pytest.raises(layout.LayoutError):
        layout.entity_key("brand", "x")


def test_reference_tree_and_bid_expression():
    campaigns = load_campaigns()
    assert all(c.placement in ("feed", "search", "sidebar") for c in campaigns.values())
    ads = ads_by_id()
    expr = bid_expression()
    assert all(f"when '{a.ad_id}' then cast({a.bid_minor} as bigint)" in expr for a in ads.values())
    assert expr.endswith("else cast(0 as bigint) end")


def test_interval_literals():
    assert interval_day_to_second(30 * 60_000) == "interval '0 00:30:00.000' day to second"
    assert interval_day_to_second(86_400_000 + 1) == "interval '1 00:00:00.001' day to second"
    assert day_to_minute(86_400_000) == "1 00:00"
    with pytest.raises(ValueError):
        day_to_minute(90_000)


def test_decode_features_types():
    assert decode_features({"impressions_5m": "3", "ctr_5m": "0.0123", "pace": "", "x": "abc"}) == {
        "impressions_5m": 3, "ctr_5m": 0.0123, "pace": None, "x": "abc"}
