import pytest

from shopstream.products.ad_features.ctr import Counts, CtrInputError, Priors, smoothed_ctr
from shopstream.products.ad_features.pacing import DEFAULT_HOURLY_TRAFFIC, HOUR_MS, PacingInputError, pacing, share_of_day


def test_smoothed_ctr_matches_a_hand_computed_case():
    # placement: Beta(1000*0.02 + 250, 1000*0.98 + 9750) -> mean 270/11000
    # campaign:  Beta(200*270/11000 + 40, ...)           -> mean (5400/1100 + 40) / 2200
    # ad (3 impressions, no click): mean 100*mu_c / 103
    mu_c = (5400 / 1100 + 40) / 2200
    got = smoothed_ctr(Counts(3, 0), Counts(2000, 40), Counts(10_000, 250), 0.02, Priors(1000, 200, 100))
    assert got.ctr == pytest.approx(100 * mu_c / 103, rel=1e-12)
    assert got.ctr == pytest.approx(0.0198186633, rel=1e-8)
    assert got.raw == 0.0
    assert got.lower < got.ctr < got.upper


def test_interval_of_a_uniform_posterior_is_exact():
    got = smoothed_ctr(Counts(0, 0), Counts(0, 0), Counts(0, 0), 0.5, Priors(2, 2, 2))
    assert (got.alpha, got.beta) == (1.0, 1.0)
    assert got.lower == pytest.approx(0.025) and got.upper == pytest.approx(0.975)
    assert got.raw is None


def test_large_counts_approach_the_raw_ctr():
    got = smoothed_ctr(Counts(5_000_000, 150_000), Counts(6_000_000, 120_000), Counts(10**7, 200_000), 0.01)
    assert got.ctr == pytest.approx(0.03, rel=1e-3)
    assert got.upper - got.lower < 0.001


def test_invalid_counts_are_refused():
    with pytest.raises(CtrInputError, match="more clicks"):
        Counts(1, 2)
    with pytest.raises(CtrInputError, match="negative"):
        Counts(-1, 0)


def test_share_of_day_follows_the_hourly_curve():
    assert share_of_day(0) == 0.0
    assert share_of_day(12 * HOUR_MS) == pytest.approx(sum(DEFAULT_HOURLY_TRAFFIC[:12]))
    assert share_of_day(12 * HOUR_MS + HOUR_MS // 2) == pytest.approx(
        sum(DEFAULT_HOURLY_TRAFFIC[:12]) + DEFAULT_HOURLY_TRAFFIC[12] / 2)


def test_pacing_flags_overspend_and_suggests_a_lower_bid():
    noon = 12 * HOUR_MS
    expected = 10_000 * share_of_day(noon)
    fast = pacing(int(2 * expected), 10_000, noon)
    assert fast.over_pace and fast.pace == pytest.approx(2.0, rel=1e-3) and fast.bid_multiplier == pytest.approx(0.5, rel=1e-3)
    slow = pacing(int(expected / 2), 10_000, noon)
    assert not slow.over_pace and slow.bid_multiplier == pytest.approx(1.5)
    on_pace = pacing(int(expected), 10_000, noon)
    assert not on_pace.over_pace and on_pace.bid_multiplier == pytest.approx(1.0, rel=1e-3)
    spent = pacing(10_000, 10_000, noon)
    assert spent.over_pace and spent.bid_multiplier == 0.0


def test_pacing_refuses_a_missing_budget():
    with pytest.raises(PacingInputError):
        pacing(0, 0, 0)
