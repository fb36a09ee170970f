"""Order statistics of measured samples (latencies, freshness)."""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100) of ``values``, linearly interpolated between closest ranks
    (numpy's default); None for no values."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    if lo == hi:
        return float(ordered[lo])
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarize(values: Iterable[float], scale: float = 1.0, digits: int = 3) -> dict:
    """``{n, p50, p90, p99, max, mean}`` of ``values`` times ``scale`` (e.g. 1000 for s -> ms)."""
    scaled = sorted(v * scale for v in values)
    if not scaled:
        return {"n": 0, "p50": None, "p90": None, "p99": None, "max": None, "mean": None}

    def r(x: float | None) -> float | None:
        return None if x is None else round(x, digits)

    return {"n": len(scaled), "p50": r(percentile(scaled, 50)), "p90": r(percentile(scaled, 90)),
            "p99": r(percentile(scaled, 99)), "max": r(scaled[-1]), "mean": r(sum(scaled) / len(scaled))}
