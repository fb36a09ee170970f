"""Smoothed click-through rate: hierarchical Beta-binomial shrinkage, placement → campaign → ad.

Each level's posterior mean becomes the prior mean of the level below, with a fixed prior strength
(pseudo-impressions) per level:

    placement:  Beta(k_p * m_p + clicks_p,  k_p * (1 - m_p) + imps_p - clicks_p)
    campaign:   Beta(k_c * μ_p + clicks_c,  k_c * (1 - μ_p) + imps_c - clicks_c)
    ad:         Beta(k_a * μ_c + clicks_a,  k_a * (1 - μ_c) + imps_a - clicks_a)

where ``m_p`` is the placement's base CTR (reference data) and ``μ`` the posterior mean of the level
above. An ad with 3 impressions and no click therefore gets nearly its campaign's CTR, not 0; an ad
with millions of impressions gets nearly its raw CTR. The credible interval is the central
``level`` mass of the ad's posterior Beta (exact quantiles).
"""
from __future__ import annotations

from dataclasses import dataclass

from scipy.special import betaincinv


class CtrInputError(ValueError):
    pass


@dataclass(frozen=True)
class Counts:
    impressions: int
    clicks: int

    def __post_init__(self) -> None:
        if self.impressions < 0 or self.clicks < 0:
            raise CtrInputError(f"counts must not be negative: {self}")
        if self.clicks > self.impressions:
            raise CtrInputError(f"more clicks than impressions (orphan clicks are counted apart): {self}")


@dataclass(frozen=True)
class Priors:
    """Prior strengths in pseudo-impressions; defaults documented in the README."""

    placement_strength: float = 1000.0
    campaign_strength: float = 200.0
    ad_strength: float = 100.0


@dataclass(frozen=True)
class SmoothedCtr:
    ctr: float           # posterior mean of the ad
    lower: float         # credible interval bounds
    upper: float
    raw: float | None    # clicks / impressions, None without impressions
    alpha: float
    beta: float


def posterior(prior_mean: float, strength: float, counts: Counts) -> tuple[float, float]:
    if not 0.0 < prior_mean < 1.0:
        raise CtrInputError(f"prior mean must lie strictly between 0 and 1, got {prior_mean}")
    return (strength * prior_mean + counts.clicks,
            strength * (1.0 - prior_mean) + counts.impressions - counts.clicks)


def mean(alpha: float, beta: float) -> float:
    return alpha / (alpha + beta)


def smoothed_ctr(ad: Counts, campaign: Counts, placement: Counts, placement_base_ctr: float,
                 priors: Priors = Priors(), level: float = 0.95) -> SmoothedCtr:
    mu_p = mean(*posterior(placement_base_ctr, priors.placement_strength, placement))
    mu_c = mean(*posterior(mu_p, priors.campaign_strength, campaign))
    a, b = posterior(mu_c, priors.ad_strength, ad)
    tail = (1.0 - level) / 2.0
    return SmoothedCtr(ctr=mean(a, b), lower=float(betaincinv(a, b, tail)), upper=float(betaincinv(a, b, 1.0 - tail)),
                       raw=(ad.clicks / ad.impressions) if ad.impressions else None, alpha=a, beta=b)


def shrink_chain(base_ctr: float, levels: list[tuple[float, Counts]], level: float = 0.95) -> list[SmoothedCtr]:
    """Smoothed CTR at every level of a chain, top first: ``levels`` = [(strength, counts), ...], e.g.
    placement, campaign, ad, ad x segment. Level i's prior mean is level i-1's posterior mean (the
    first level's is ``base_ctr``). ``smoothed_ctr`` is the same for the first three levels."""
    out = []
    prior = base_ctr
    tail = (1.0 - level) / 2.0
    for strength, counts in levels:
        a, b = posterior(prior, strength, counts)
        out.append(SmoothedCtr(ctr=mean(a, b), lower=float(betaincinv(a, b, tail)),
                               upper=float(betaincinv(a, b, 1.0 - tail)),
                               raw=(counts.clicks / counts.impressions) if counts.impressions else None,
                               alpha=a, beta=b))
        prior = out[-1].ctr
    return out


def ctr_counts(impressions: int, clicks: int) -> Counts:
    """Counts for the estimate from a window's totals: a window can hold a click whose impression fell
    just before it, so clicks are capped at impressions (orphan clicks are never in ``clicks``)."""
    return Counts(max(0, impressions), max(0, min(clicks, impressions)))
