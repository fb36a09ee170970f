"""Currency conversion to the reporting currency, in minor units, exactly as the jobs do it.

Rates come from the versioned reference file ``schemas/reference/fx_rates.csv``.  A factor converts an
amount in a currency's minor units into reporting-currency minor units; results are rounded half-up to
a whole minor unit, identically in Flink SQL (DECIMAL arithmetic) and in Python (``decimal``).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

from shopstream.settings import REPO_ROOT

FX_RATES_FILE = REPO_ROOT / "schemas" / "reference" / "fx_rates.csv"
FACTOR_SCALE = Decimal("0.0000000001")  # 10 decimal places, as in the SQL DECIMAL(20, 10)


@dataclass(frozen=True)
class Currency:
    code: str
    minor_units: int
    rate_to_usd: Decimal


@lru_cache(maxsize=4)
def load_currencies(path: Path = FX_RATES_FILE) -> dict[str, Currency]:
    with path.open(newline="") as fh:
        return {row["currency"]: Currency(row["currency"], int(row["minor_units"]), Decimal(row["rate_to_usd"]))
                for row in csv.DictReader(fh)}


def factor(currency: str, reporting: str, currencies: dict[str, Currency] | None = None) -> Decimal:
    """Multiplier from ``currency`` minor units to ``reporting`` minor units (10 decimal places)."""
    cur = currencies or load_currencies()
    src, dst = cur[currency], cur[reporting]
    raw = src.rate_to_usd / dst.rate_to_usd * (Decimal(10) ** (dst.minor_units - src.minor_units))
    return raw.quantize(FACTOR_SCALE, rounding=ROUND_HALF_UP)


def to_reporting_minor(amount_minor: int, currency: str, reporting: str) -> int:
    value = Decimal(amount_minor) * factor(currency, reporting)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def sql_factor_case(column: str, reporting: str) -> str:
    """A Flink SQL CASE giving the conversion factor of ``column`` as DECIMAL(20, 10)."""
    whens = " ".join(f"when '{c}' then cast({factor(c, reporting)} as decimal(20, 10))"
                     for c in sorted(load_currencies()))
    return f"(case {column} {whens} end)"
