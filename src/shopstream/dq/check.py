"""``shopstream dq check [PRODUCT]``: run the derived suites against what ClickHouse holds.

Output suites run on each output's ClickHouse table (``OutputSpec.clickhouse_table``; ``dq.tables``);
with a product, only that product's outputs. Without one: every product's, the runtime's (dead_letters,
late_events) and the input suites (``dq.inputs``: late events must meet every input expectation, dead
letters must fail the one their reason names).
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from shopstream.dq.ge import GreatExpectations
from shopstream.dq.inputs import check_dead_letters, check_late_events
from shopstream.dq.runs import Run
from shopstream.dq.suites import input_suites, output_suites
from shopstream.dq.tables import check_output
from shopstream.settings import Settings


def run_check(client, settings: Settings, product: str | None = None, *, batch_rows: int | None = None,
              examples: int | None = None) -> Run:
    """Evaluate the suites in scope with ``client`` (the analyst's is enough: it only reads)."""
    batch_rows = batch_rows or settings.dq.batch_rows
    examples = settings.dq.examples if examples is None else examples
    if batch_rows < 1:
        raise ValueError(f"batch rows must be at least 1, got {batch_rows}")
    run = Run(str(uuid.uuid4()), datetime.now(timezone.utc), product or "all")
    database = settings.clickhouse.database
    ge = GreatExpectations()
    for suite in output_suites(product):
        run.outcomes += check_output(client, ge, suite, database, batch_rows=batch_rows, examples=examples)
    if product is None:
        inputs = input_suites(settings)
        for suite in inputs:
            run.outcomes += check_late_events(client, ge, suite, database, batch_rows=batch_rows, examples=examples)
        run.outcomes += check_dead_letters(client, inputs, database, examples=examples)
    return run
