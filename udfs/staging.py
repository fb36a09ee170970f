"""Flink binding of :mod:`shopstream.staging`: one table function per event type, one row per record."""
from __future__ import annotations

from pyflink.table import DataTypes
from pyflink.table.udf import TableFunction, udtf

from shopstream.staging import shape, stage

_FLINK_TYPES = {"string": DataTypes.STRING(), "int32": DataTypes.INT(), "int64": DataTypes.BIGINT(),
                "float64": DataTypes.DOUBLE(), "bool": DataTypes.BOOLEAN()}


class Stage(TableFunction):
    """Validate and type one raw record (exactly one output row); the contract loads in ``open()``."""

    def __init__(self, event: str):
        self.event = event
        self.shape = None

    def open(self, function_context):
        self.shape = shape(self.event)

    def eval(self, payload, kafka_ts_ms):
        yield stage(payload, kafka_ts_ms, self.shape)


def staging_function(event: str):
    columns = shape(event).columns
    return udtf(Stage(event), result_types=[_FLINK_TYPES[t] for _, t in columns])


def register(t_env, event: str) -> str:
    """Register ``stage_<event>`` on ``t_env``; returns the SQL name."""
    name = f"stage_{event}"
    t_env.create_temporary_function(name, staging_function(event))
    return name
