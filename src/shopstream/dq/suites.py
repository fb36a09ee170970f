"""The suites ``shopstream dq check`` runs: one per output that lands one-to-one in a ClickHouse table,
and one per input event type, all derived (``shopstream.contract.expectations``), none written by hand."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from shopstream.contract.checks import DEFAULT_MAX_FUTURE_MS
from shopstream.contract.expectations import expectations, output_expectations, table_key
from shopstream.contract.model import EventSchema
from shopstream.outputs import OutputSpec

RUNTIME = "runtime"  # the owner of the staging layer's outputs and of the input suites


@dataclass(frozen=True)
class OutputSuite:
    """The expectations of one output, run on the rows of its ClickHouse table."""

    product: str
    spec: OutputSpec

    @property
    def name(self) -> str:
        return f"output:{self.spec.name}"

    @property
    def table(self) -> str:
        assert self.spec.clickhouse_table
        return self.spec.clickhouse_table

    @property
    def key(self) -> tuple[str, ...]:
        return table_key(self.spec)

    @cached_property
    def expectations(self) -> list[dict[str, Any]]:
        return output_expectations(self.spec)


@dataclass(frozen=True)
class InputSuite:
    """The expectations of one input event type; its events are in ClickHouse only as raw payloads."""

    schema: EventSchema
    topic: str
    max_future_ms: int = DEFAULT_MAX_FUTURE_MS

    @property
    def name(self) -> str:
        return f"input:{self.schema.name}"

    @cached_property
    def expectations(self) -> list[dict[str, Any]]:
        return expectations(self.schema, max_future_ms=self.max_future_ms)


def output_suites(product: str | None = None) -> list[OutputSuite]:
    """Suites of the outputs with a ClickHouse table: one product's, or the runtime's and every product's."""
    from shopstream.flink.staging_layer import RUNTIME_OUTPUTS
    from shopstream.registry import product as find_product, products
    owners = [find_product(product)] if product else list(products())
    specs = [] if product else [(RUNTIME, spec) for spec in RUNTIME_OUTPUTS]
    specs += [(p.name, spec) for p in owners for spec in p.outputs]
    return [OutputSuite(owner, spec.table_spec) for owner, spec in specs if spec.table_spec is not None]


def input_suites(settings) -> list[InputSuite]:
    """One suite per event type of the contract, with the topic its events are read from."""
    from shopstream.contract import load_contract
    return [InputSuite(schema, getattr(settings.topics, schema.topic_setting)) for schema in load_contract().values()]
