"""Budget pacing: spend so far today against the spend expected by this time of day.

``expected = budget * share_of_day_traffic(now)``, where the share is the cumulative hourly traffic
curve (linear within the hour). ``pace = spend / expected``. A campaign is over pace when
``pace > 1 + tolerance``; the suggested bid multiplier is ``clamp(1 / pace, low, high)``, and 0 once the
budget is spent.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from typing import Sequence

DAY_MS = 86_400_000
HOUR_MS = 3_600_000

# Share of a day's ad traffic in each UTC hour (sums to 1): a retail diurnal shape.
DEFAULT_HOURLY_TRAFFIC = (
    0.015, 0.010, 0.008, 0.007, 0.008, 0.012, 0.020, 0.032, 0.043, 0.050, 0.054, 0.057,
    0.058, 0.057, 0.055, 0.054, 0.055, 0.058, 0.062, 0.066, 0.066, 0.060, 0.045, 0.048,
)


class PacingInputError(ValueError):
    pass


@dataclass(frozen=True)
class Pacing:
    spend_today_minor: int
    daily_budget_minor: int
    expected_spend_minor: float
    pace: float | None          # None before any spend is expected
    over_pace: bool
    bid_multiplier: float


def share_of_day(now_ms: int, hourly: Sequence[float] = DEFAULT_HOURLY_TRAFFIC) -> float:
    """Cumulative share of the day's traffic that has passed at ``now_ms`` (UTC day)."""
    if len(hourly) != 24 or abs(sum(hourly) - 1.0) > 1e-9:
        raise PacingInputError("the hourly traffic curve needs 24 shares that sum to 1")
    into_day = now_ms % DAY_MS
    hour, within = divmod(into_day, HOUR_MS)
    before = list(accumulate(hourly, initial=0.0))[hour]
    return before + hourly[hour] * within / HOUR_MS


def pacing(spend_today_minor: int, daily_budget_minor: int, now_ms: int, *, tolerance: float = 0.1,
           low: float = 0.5, high: float = 1.5, hourly: Sequence[float] = DEFAULT_HOURLY_TRAFFIC) -> Pacing:
    if daily_budget_minor <= 0:
        raise PacingInputError(f"daily budget must be positive, got {daily_budget_minor}")
    expected = daily_budget_minor * share_of_day(now_ms, hourly)
    if spend_today_minor >= daily_budget_minor:
        return Pacing(spend_today_minor, daily_budget_minor, expected, None if expected <= 0 else spend_today_minor / expected,
                      True, 0.0)
    if expected <= 0:
        return Pacing(spend_today_minor, daily_budget_minor, expected, None, spend_today_minor > 0, high if spend_today_minor == 0 else low)
    pace = spend_today_minor / expected
    multiplier = high if pace == 0 else min(high, max(low, 1.0 / pace))
    return Pacing(spend_today_minor, daily_budget_minor, expected, pace, pace > 1.0 + tolerance, multiplier)
