"""The scalar types of the contract and how each store spells them: the one table the type derivations
(Flink DDL and SQL casts, ClickHouse columns, pyarrow schemas, data-quality expectations) read.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class ScalarType:
    """One scalar contract type as each store names it."""

    flink: str  # Flink SQL type of a column
    clickhouse: str  # ClickHouse type, before Nullable/LowCardinality wrapping
    arrow: str  # pyarrow type alias (``pyarrow.type_for_alias``)
    python: str  # Python type of the JSON value (Great Expectations ``type_``)

    @property
    def sql_cast(self) -> str:
        """The target type of ``try_cast(... as <type>)`` in Flink SQL (the Flink type, lowercase)."""
        return self.flink.lower()


SCALARS: Mapping[str, ScalarType] = {
    "string": ScalarType(flink="STRING", clickhouse="String", arrow="string", python="str"),
    "int32": ScalarType(flink="INT", clickhouse="Int32", arrow="int32", python="int"),
    "int64": ScalarType(flink="BIGINT", clickhouse="Int64", arrow="int64", python="int"),
    "float64": ScalarType(flink="DOUBLE", clickhouse="Float64", arrow="float64", python="float"),
    "bool": ScalarType(flink="BOOLEAN", clickhouse="Bool", arrow="bool", python="bool"),
}
