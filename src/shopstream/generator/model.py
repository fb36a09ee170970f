"""Parameters and output records of the event generator."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

RecordKind = Literal["valid", "bad", "duplicate", "late"]
DAY_MS = 24 * 3600 * 1000
HOUR_MS = 3600 * 1000

# Traffic shapes: what a shape changes, and the users and days it generates unless told otherwise.
#   default    every shopper active over the whole period, Pareto(1.6) activity (the tests' fixed data)
#   realistic  a large population over five weeks: Pareto(1.4) activity capped at 500x (a heavier tail), 30 % of the
#              shoppers join during the period and 30 % stop before its end, so a shopper's activity
#              starts and ends and 7d/30d windows slide past it (population.realistic_users)
SHAPES: dict[str, dict[str, Any]] = {
    "default": {},
    "realistic": {"users": 50_000, "days": 35.0},
}


class GeneratorSettingsLike(Protocol):
    seed: int
    users: int
    products: int
    start_ms: int
    days: float


@dataclass(frozen=True)
class GenerationParams:
    """What to generate. Everything is deterministic given these values.

    ``events`` is the target number of records emitted (valid + late + bad + duplicates).
    ``bad_share``/``duplicate_share`` are shares of all records; ``late_share`` and ``jitter_share``
    are shares of the valid events that arrive ``late_delay_ms`` late (far beyond a watermark) or up
    to ``jitter_max_ms`` late (mildly out of order). ``fraud_share`` is the share of orders placed
    by fraud-like patterns. ``orphan_click_share`` is the share of ad clicks whose impression is
    lost before the pipeline (they arrive as orphan clicks).
    """

    seed: int = 42
    users: int = 2000
    products: int = 500
    start_ms: int = 1_790_000_000_000
    days: float = 2.0
    events: int = 200_000
    bad_share: float = 0.0
    late_share: float = 0.0
    duplicate_share: float = 0.0
    jitter_share: float = 0.05
    jitter_max_ms: int = 2000
    late_delay_ms: tuple[int, int] = (HOUR_MS, 3 * HOUR_MS)
    fraud_share: float = 0.02
    orphan_click_share: float = 0.03
    shape: str = "default"

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise ValueError(f"shape must be one of {', '.join(SHAPES)}, got {self.shape!r}")
        for name in ("bad_share", "late_share", "duplicate_share", "jitter_share", "fraud_share",
                     "orphan_click_share"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {value}")
        if self.bad_share + self.duplicate_share >= 0.5:
            raise ValueError("bad_share + duplicate_share must stay below 0.5")
        if self.late_share + self.jitter_share >= 1.0:
            raise ValueError("late_share + jitter_share must stay below 1")
        if self.users < 20 or self.products < 20 or self.events < 1 or self.days <= 0:
            raise ValueError("need users >= 20, products >= 20, events >= 1 and days > 0")
        low, high = self.late_delay_ms
        if not 0 < low <= high:
            raise ValueError(f"late_delay_ms must be 0 < low <= high, got {self.late_delay_ms}")

    @property
    def end_ms(self) -> int:
        return self.start_ms + int(self.days * DAY_MS)

    @classmethod
    def from_settings(cls, generator: GeneratorSettingsLike, **overrides: Any) -> "GenerationParams":
        """Params from ``settings.generator`` (seed, users, products, start_ms, days) plus overrides."""
        base = cls(seed=generator.seed, users=generator.users, products=generator.products,
                   start_ms=generator.start_ms, days=generator.days)
        return replace(base, **overrides)

    @classmethod
    def for_shape(cls, shape: str, generator: GeneratorSettingsLike, *, users: int | None = None,
                  days: float | None = None, **overrides: Any) -> "GenerationParams":
        """Params of ``shape``: ``users`` and ``days`` if given, else the shape's own, else the settings'."""
        if shape not in SHAPES:
            raise ValueError(f"shape must be one of {', '.join(SHAPES)}, got {shape!r}")
        own = SHAPES[shape]
        return cls.from_settings(generator, shape=shape, users=users or own.get("users", generator.users),
                                 days=days or own.get("days", generator.days), **overrides)


@dataclass(frozen=True)
class GeneratedRecord:
    """One Kafka record to send, in emission order.

    ``ts_ms`` is the arrival (emission) time and becomes the Kafka record timestamp: it never
    decreases along the stream, while the event time inside ``value`` may lag it (late and
    out-of-order events). ``expected_reason`` is the first ``validate()`` reason of a bad record.
    """

    topic_setting: str
    key: bytes
    value: bytes
    ts_ms: int
    kind: RecordKind
    expected_reason: str | None = None


@dataclass(frozen=True)
class Event:
    """A generated, valid event before delivery: its topic (settings name) and JSON document."""

    topic_setting: str
    ts: int
    doc: dict[str, Any]
