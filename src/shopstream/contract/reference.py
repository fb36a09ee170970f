"""Reference data shipped with the contract: FX rates (and the generated catalogue YAML files)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from shopstream.contract.loader import SCHEMA_DIR
from shopstream.contract.model import ContractError

REFERENCE_DIR = SCHEMA_DIR / "reference"
FX_RATES_FILE = REFERENCE_DIR / "fx_rates.csv"
FACTOR_SCALE = 12  # decimal places of a currency conversion factor


@dataclass(frozen=True)
class FxRate:
    """One currency: digits after the decimal point and the value of one major unit in USD."""

    currency: str
    minor_units: int
    rate_to_usd: Decimal
    as_of: str


def load_fx_rates(path: str | Path | None = None) -> dict[str, FxRate]:
    """FX rates by ISO-4217 code, from schemas/reference/fx_rates.csv."""
    return dict(_load_fx_rates_cached(str(path or FX_RATES_FILE)))


@lru_cache(maxsize=4)
def _load_fx_rates_cached(path: str) -> tuple[tuple[str, FxRate], ...]:
    rates: list[tuple[str, FxRate]] = []
    with open(path, newline="", encoding="utf-8") as fh:
        for line_no, row in enumerate(csv.DictReader(fh), start=2):
            try:
                rate = FxRate(row["currency"], int(row["minor_units"]), Decimal(row["rate_to_usd"]),
                              row["as_of"])
            except (KeyError, ValueError, ArithmeticError) as exc:
                raise ContractError(f"{path}:{line_no}: bad FX row {row!r}: {exc}") from exc
            if len(rate.currency) != 3 or not rate.currency.isupper() or rate.rate_to_usd <= 0:
                raise ContractError(f"{path}:{line_no}: bad FX row {row!r}")
            rates.append((rate.currency, rate))
    return tuple(rates)


def currency_codes(rates: Mapping[str, FxRate] | None = None) -> frozenset[str]:
    """The currencies a message may use (`unknown_currency` otherwise)."""
    return frozenset(rates if rates is not None else load_fx_rates())


def conversion_factor(currency: str, reporting_currency: str,
                      rates: Mapping[str, FxRate] | None = None) -> Decimal:
    """Multiply an amount in minor units of ``currency`` by this to get minor units of the reporting currency."""
    rates = rates if rates is not None else load_fx_rates()
    src, dst = rates[currency], rates[reporting_currency]
    factor = src.rate_to_usd / dst.rate_to_usd * Decimal(10) ** (dst.minor_units - src.minor_units)
    return factor.quantize(Decimal(1).scaleb(-FACTOR_SCALE), rounding=ROUND_HALF_UP)


def to_reporting_minor(amount_minor: int, currency: str, reporting_currency: str,
                       rates: Mapping[str, FxRate] | None = None) -> int:
    """Convert minor units between currencies, rounding half away from zero (as Flink's ROUND does)."""
    value = Decimal(amount_minor) * conversion_factor(currency, reporting_currency, rates)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def load_reference_yaml(name: str, directory: str | Path | None = None) -> dict[str, Any]:
    """A generated reference document (``products``, ``campaigns`` or ``affiliates``) as parsed YAML."""
    path = Path(directory or REFERENCE_DIR) / f"{name}.yaml"
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContractError(f"{path}: cannot read reference data: {exc}") from exc
    if not isinstance(doc, dict) or "items" not in doc:
        raise ContractError(f"{path}: a reference document needs 'items'")
    return doc
