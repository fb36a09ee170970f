"""Reference tables for analysts: campaigns and ads from ``schemas/reference/campaigns.yaml``.

Loaded by ``shopstream migrate`` after the SQL migrations. Loading is idempotent: a row is written only
when the table's current row for that key (``FINAL``) differs, so running it again writes nothing, and
an edited file writes just the edited rows. The tables are ReplacingMergeTree(reference_version): the
newest version wins, and among rows of one version the last written. Ids dropped from the file stay
(their history in ad_performance_* still needs a name).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from clickhouse_connect.driver.client import Client

from shopstream.contract.model import ContractError
from shopstream.contract.reference import load_reference_yaml
from shopstream.settings import Settings

CAMPAIGN_COLUMNS = ("campaign_id", "advertiser", "placement", "daily_budget_minor", "reference_version")
AD_COLUMNS = ("ad_id", "campaign_id", "product_id", "bid_minor", "reference_version")


@dataclass(frozen=True)
class ReferenceTable:
    name: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]  # first column is the key


def reference_tables(doc: Mapping[str, Any]) -> list[ReferenceTable]:
    """Rows of ``ad_campaigns`` and ``ad_ads`` from the parsed campaigns document.

    A campaign without ``placement`` gets '' (older files have none).
    """
    try:
        version = int(doc.get("version", 0))
        campaigns, ads = [], []
        for item in doc["items"]:
            campaigns.append((str(item["campaign_id"]), str(item["advertiser"]), str(item.get("placement") or ""),
                              int(item["daily_budget_usd_minor"]), version))
            for ad in item.get("ads") or []:
                ads.append((str(ad["ad_id"]), str(ad.get("campaign_id", item["campaign_id"])),
                            str(ad["product_id"]), int(ad["bid_usd_minor"]), version))
    except (KeyError, TypeError, ValueError) as exc:
        raise ContractError(f"campaigns reference data: bad item ({type(exc).__name__}: {exc})") from exc
    return [ReferenceTable("ad_campaigns", CAMPAIGN_COLUMNS, campaigns),
            ReferenceTable("ad_ads", AD_COLUMNS, ads)]


def changed_rows(wanted: Sequence[tuple[Any, ...]], current: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """The wanted rows that differ from the current row of their key (first column), or have none."""
    held = {row[0]: tuple(row) for row in current}
    return [row for row in wanted if held.get(row[0]) != row]


def load_reference_tables(client: Client, settings: Settings, doc: Mapping[str, Any] | None = None) -> dict[str, int]:
    """Write the campaigns reference into ClickHouse; returns the rows written per table."""
    db = settings.clickhouse.database
    doc = doc if doc is not None else load_reference_yaml("campaigns")
    written = {}
    for table in reference_tables(doc):
        current = client.query(f"select {', '.join(table.columns)} from {db}.{table.name} final").result_rows
        rows = changed_rows(table.rows, current)
        if rows:
            client.insert(f"{db}.{table.name}", [list(r) for r in rows], column_names=list(table.columns))
        written[table.name] = len(rows)
    return written
