import pytest

from shopstream.products.user_profiles import derive


@pytest.mark.parametrize("avg,band", [(None, "unknown"), (0, "budget"), (1999, "budget"), (2000, "mid"),
                                      (49_999, "premium"), (50_000, "luxury")])
def test_price_band_boundaries(avg, band):
    assert derive.price_band(avg) == band


def test_average_rounds_half_up():
    assert derive.avg_viewed_price(2, 3) == 2
    assert derive.avg_viewed_price(0, 10) is None


@pytest.mark.parametrize("profile,segment", [
    ({"orders_total": 5, "spend_minor_30d": 50_000}, "vip"),
    ({"orders_total": 5, "spend_minor_30d": 49_999}, "loyal"),
    ({"orders_total": 1, "orders_30d": 1}, "active_buyer"),
    ({"orders_total": 0, "first_seen_ms": 0, "last_seen_ms": 1000}, "new"),
    ({"orders_total": 0, "first_seen_ms": 0, "last_seen_ms": 2 * 86_400_000, "carts_30d": 2}, "window_shopper"),
    ({"orders_total": 1, "first_seen_ms": 0, "last_seen_ms": 90 * 86_400_000}, "lapsed_buyer"),
    ({"orders_total": 0, "first_seen_ms": 0, "last_seen_ms": 2 * 86_400_000}, "browser"),
])
def test_segments(profile, segment):
    assert derive.segment(profile) == segment


def test_tags():
    p = {"device": "ios", "carts_7d": 1, "orders_7d": 0, "spend_minor_30d": 100_000, "engagements_7d": 5,
         "clicks_30d": 3}
    assert derive.tags(p) == ["mobile", "cart_abandoner", "big_spender", "engaged", "ad_responsive"]
    assert derive.tags({"device": "web"}) == []


def test_affinity_shares_sum_to_one_and_ignore_non_positive():
    shares = derive.affinity_shares({"shoes": 3.0, "toys": 1.0, "bad": 0.0})
    assert shares == {"shoes": 0.75, "toys": 0.25}
    assert derive.affinity_shares({}) == {}


def test_top_categories_break_ties_by_name():
    assert derive.top_categories({"b": 1.0, "a": 1.0, "c": 5.0, "d": 0.5}) == ["c", "a", "b"]
