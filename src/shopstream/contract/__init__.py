"""The event contract: schemas in ``schemas/*.yaml`` and everything derived from them.

``load_contract()`` gives the schemas; ``validate()`` checks one message; ``pyarrow_schema``,
``clickhouse_columns`` and ``flink_columns``/``flink_row_type`` give the types of each store;
``shopstream.contract.flink_sql`` renders Flink SQL (typed extraction and ``dq_reason``);
``expectations`` lists the data-quality checks as data (``output_expectations``: those of an output's table).
"""
from shopstream.contract.arrow import pyarrow_schema
from shopstream.contract.checks import DEFAULT_MAX_FUTURE_MS, all_reason_codes, check_plan
from shopstream.contract.clickhouse import clickhouse_columns
from shopstream.contract.derived import derived_values
from shopstream.contract.expectations import expectations, output_expectations
from shopstream.contract.flink_types import flink_columns, flink_row_type
from shopstream.contract.loader import load_contract, load_schema
from shopstream.contract.model import ContractError, DerivedField, EventSchema, Field
from shopstream.contract.reference import load_fx_rates, to_reporting_minor
from shopstream.contract.validate import Reason, validate

__all__ = [
    "ContractError", "DEFAULT_MAX_FUTURE_MS", "DerivedField", "EventSchema", "Field", "Reason",
    "all_reason_codes", "check_plan", "clickhouse_columns", "derived_values", "expectations",
    "flink_columns", "flink_row_type", "load_contract", "load_fx_rates", "load_schema", "output_expectations",
    "pyarrow_schema", "to_reporting_minor", "validate",
]
