"""Settings of the user-profile product: section ``[profiles]``."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProfileSettings:
    window_slide_ms: int = 60_000
    affinity_half_life_h: float = 72.0
    affinity_epoch_ms: int = 1_767_225_600_000  # 2026-01-01T00:00:00Z: reference point of decayed sums
    ttl_s: int = 35 * 24 * 3600                  # a profile key expires this long after its last update
