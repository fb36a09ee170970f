"""Input suites against what ClickHouse holds of the input events: raw payloads, in two tables.

- ``late_events``: events the job found valid (and late). Every payload must meet every expectation of
  its event type's suite, evaluated by Great Expectations: one row per event (its top-level fields), one
  row per item of an ``array<struct>`` field (``lines[*].qty``), a failing item failing its event. The
  stateful expectation (unique event_id) is left out: lateness is decided before deduplication, so a
  re-sent late event is kept twice. A value of the wrong type also stops GE from evaluating a bound on
  that field for its batch ("could not be evaluated"); its type expectation names the row.
- ``dead_letters`` of input topics: each payload must fail the expectation its ``reason`` names (the
  one whose ``meta.reason`` it is; ``malformed_json`` and ``not_an_object`` name the payload's JSON).
  This side is judged by the contract's reference validator (``validate``, what the job applies), not by
  GE: GE's pandas type test counts a bool as an int, knows no int32 range and does not type a list's
  items, so it cannot say which expectation a broken payload breaks first. Dead letters of the loader
  (``loader_error:``, output rows) are not input events and are left out.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterator, Sequence

import pandas as pd

from shopstream.contract.checks import MALFORMED_JSON, NOT_AN_OBJECT
from shopstream.contract.validate import parse_payload, validate
from shopstream.dq.ge import GreatExpectations, Tally, add_results
from shopstream.dq.runs import Outcome, from_tally
from shopstream.dq.suites import RUNTIME, InputSuite

POSITION = ("source_topic", "source_partition", "source_offset")
JSON_OBJECT = "expect_payload_to_be_a_json_object"  # shopstream's own: the payload parses to a JSON object
UNKNOWN = "unknown"  # a dead letter's reason that no expectation of its event type has
_ARRIVAL = "kafka_ts_ms"
_LATEST_TS = "latest_allowed_ts"


def check_late_events(client, ge: GreatExpectations, suite: InputSuite, database: str, *, batch_rows: int,
                      examples: int) -> list[Outcome]:
    """Every expectation of ``suite`` (but the stateful one) on the late events of its topic."""
    check = LateEvents(ge, suite, examples)
    for rows in _late_event_batches(client, database, suite.topic, batch_rows):
        check.add(rows)
    return check.outcomes()


def check_dead_letters(client, suites: Sequence[InputSuite], database: str, *, examples: int) -> list[Outcome]:
    """Per input suite and dead-letter reason: do the payloads fail the expectation the reason names."""
    check = DeadLetters(suites, examples)
    sql = ("select source_topic, source_partition, source_offset, job, reason, raw_payload, "
           f"toUnixTimestamp64Milli(kafka_ts) from `{database}`.dead_letters final "
           "where source_topic in {topics:Array(String)} and not startsWith(reason, 'loader_error:') "
           "order by source_topic, source_partition, source_offset, job")
    with client.query_row_block_stream(sql, parameters={"topics": [s.topic for s in suites]}) as blocks:
        for block in blocks:  # a block at a time: memory stays bounded whatever the table holds
            for row in block:
                check.add(*row)
    return check.outcomes()


class LateEvents:
    """The GE results of one input suite over batches of late events (dicts of their position,
    ``raw_payload`` and ``kafka_ts_ms``)."""

    def __init__(self, ge: GreatExpectations, suite: InputSuite, examples: int) -> None:
        self.ge, self.suite, self.examples = ge, suite, examples
        exps = [e for e in suite.expectations if not e["meta"].get("stateful")]
        self.on_events = [e for e in exps if _parent(e) is None]
        self.on_items = {f.name: [e for e in exps if _parent(e) == f.name]
                         for f in suite.schema.fields if f.is_struct_array}
        self._gx_events = ge.suite(suite.name, [_for_ge(suite, e) for e in self.on_events])
        self._gx_items = {p: ge.suite(f"{suite.name}.{p}", item_exps) for p, item_exps in self.on_items.items()}
        self._json = Tally()
        self._events = [Tally() for _ in self.on_events]
        self._items = {p: [Tally() for _ in item_exps] for p, item_exps in self.on_items.items()}

    def add(self, rows: Sequence[dict[str, Any]]) -> None:
        docs, broken = [], []
        for row in rows:
            doc, reason = parse_payload(row["raw_payload"])
            if reason:
                broken.append({**{c: row[c] for c in POSITION}, "reason": reason})
            else:
                docs.append((row, doc))
        self._json.add(len(rows), broken, self.examples)
        if not docs:
            return
        results = self.ge.validate(event_frame(self.suite, docs), self._gx_events, POSITION)
        add_results(self._events, results, len(docs), self.examples)
        for parent, tallies in self._items.items():
            items = item_frame(parent, self.suite, docs)
            if len(items):
                results = self.ge.validate(items, self._gx_items[parent], POSITION)
                add_results(tallies, results, len(docs), self.examples, distinct_by=POSITION)
            else:
                for t in tallies:
                    t.add(len(docs), [], self.examples)

    def outcomes(self) -> list[Outcome]:
        pairs = [(_json_expectation(), self._json), *zip(self.on_events, self._events),
                 *((e, t) for p, exps in self.on_items.items() for e, t in zip(exps, self._items[p]))]
        return [from_tally(RUNTIME, self.suite.name, "late_events", e, t) for e, t in pairs]


class DeadLetters:
    """Per input suite and reason: the dead letters whose payload does not fail the expectation their
    reason names (the contract's validator decides, with the Kafka timestamp as the arrival time)."""

    def __init__(self, suites: Sequence[InputSuite], examples: int) -> None:
        self.by_topic = {s.topic: s for s in suites}
        self.examples = examples
        self._named: dict[tuple[str, str], Tally] = {}

    def add(self, topic: str, partition: int, offset: int, job: str, reason: str, payload: str | None,
            kafka_ts_ms: int | None) -> None:
        suite = self.by_topic[topic]
        breaks = validate(payload, suite.schema, now_ms=kafka_ts_ms, max_future_ms=suite.max_future_ms)
        failing = [] if reason in breaks else [{"source_topic": topic, "source_partition": partition,
                                                 "source_offset": offset, "job": job, "breaks": breaks[:3]}]
        self._named.setdefault((topic, reason), Tally()).add(1, failing, self.examples)

    def outcomes(self) -> list[Outcome]:
        out = []
        for (topic, reason), tally in sorted(self._named.items()):
            suite = self.by_topic[topic]
            expectation = _named(suite, reason)
            outcome = from_tally(RUNTIME, suite.name, "dead_letters", expectation, tally)
            if expectation["expectation_type"] == UNKNOWN:
                outcome = replace(outcome, success=False, failing_rows=tally.rows,
                                  detail=f"no expectation of {suite.schema.name} has this reason")
            elif tally.failing:
                outcome = replace(outcome, detail="these payloads meet the expectation their reason names")
            out.append(outcome)
        return out


def event_frame(suite: InputSuite, docs: Sequence[tuple[dict, dict]]) -> pd.DataFrame:
    """One row per event: its position, every top-level field as sent (object columns: no type is guessed),
    the length of each array field, the arrival time and the latest event time it allows."""
    columns: dict[str, list[Any]] = {c: [row[c] for row, _ in docs] for c in POSITION}
    for f in suite.schema.fields:
        columns[f.name] = [doc.get(f.name) for _, doc in docs]
        if f.is_array:
            columns[_length(f.name)] = [len(v) if isinstance(v, list) else None for v in columns[f.name]]
    columns[_ARRIVAL] = [row[_ARRIVAL] for row, _ in docs]
    columns[_LATEST_TS] = [row[_ARRIVAL] + suite.max_future_ms for row, _ in docs]
    return pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in columns.items()})


def item_frame(parent: str, suite: InputSuite, docs: Sequence[tuple[dict, dict]]) -> pd.DataFrame:
    """One row per item of the ``parent`` array of each event; an item that is no object has no fields."""
    names = [f.name for f in suite.schema.field(parent).fields]
    columns: dict[str, list[Any]] = {c: [] for c in (*POSITION, *(f"{parent}[*].{n}" for n in names))}
    for row, doc in docs:
        items = doc.get(parent)
        for item in items if isinstance(items, list) else ():
            for c in POSITION:
                columns[c].append(row[c])
            for n in names:
                columns[f"{parent}[*].{n}"].append(item.get(n) if isinstance(item, dict) else None)
    return pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in columns.items()})


def _late_event_batches(client, database: str, topic: str, batch_rows: int) -> Iterator[list[dict]]:
    sql = ("select source_topic, source_partition, source_offset, raw_payload, "
           f"toUnixTimestamp64Milli(kafka_ts) as {_ARRIVAL} from `{database}`.late_events final "
           "where source_topic = {topic:String} order by source_partition, source_offset, job")
    names = (*POSITION, "raw_payload", _ARRIVAL)
    batch: list[dict] = []
    with client.query_row_block_stream(sql, parameters={"topic": topic}) as blocks:
        for block in blocks:
            for values in block:
                batch.append(dict(zip(names, values)))
                if len(batch) >= batch_rows:
                    yield batch
                    batch = []
    if batch:
        yield batch


def _for_ge(suite: InputSuite, e: dict[str, Any]) -> dict[str, Any]:
    """The expectation as GE evaluates it on an event frame: the event-time bound as a column pair, an
    array's length bound on its length column (GE measures the text of a list), a ``required_when`` rule
    as a GE row condition object (GE deprecates the string form the plain data holds)."""
    kwargs = e["kwargs"]
    if "row_condition" in kwargs:
        from great_expectations.expectations.row_conditions import Column
        rule = suite.schema.field(kwargs["column"]).required_when or {}
        terms = [Column(name).is_in(list(values)) for name, values in rule.items()]
        condition = terms[0]
        for term in terms[1:]:
            condition = condition & term
        kwargs = {k: v for k, v in kwargs.items() if k not in ("row_condition", "condition_parser")}
        return {**e, "kwargs": {**kwargs, "row_condition": condition}}
    if e["expectation_type"] == "expect_event_time_not_far_in_future":
        return {"expectation_type": "expect_column_pair_values_a_to_be_greater_than_b",
                "kwargs": {"column_A": _LATEST_TS, "column_B": kwargs["column"], "or_equal": True}, "meta": e["meta"]}
    if e["expectation_type"] == "expect_column_value_lengths_to_be_between":
        bounds = {k: v for k, v in kwargs.items() if k != "column"}
        return {"expectation_type": "expect_column_values_to_be_between",
                "kwargs": {"column": _length(kwargs["column"]), **bounds}, "meta": e["meta"]}
    return e


def _parent(e: dict[str, Any]) -> str | None:
    column = e["kwargs"]["column"]
    return column.split("[*].", 1)[0] if "[*]." in column else None


def _length(name: str) -> str:
    return f"len({name})"


def _named(suite: InputSuite, reason: str) -> dict[str, Any]:
    if reason in (MALFORMED_JSON, NOT_AN_OBJECT):
        return _json_expectation(reason)
    for e in suite.expectations:
        if e["meta"].get("reason") == reason:
            return e
    return {"expectation_type": UNKNOWN, "kwargs": {}, "meta": {"reason": reason}}


def _json_expectation(reason: str = "") -> dict[str, Any]:
    return {"expectation_type": JSON_OBJECT, "kwargs": {"column": "raw_payload"},
            "meta": {"reason": reason or f"{MALFORMED_JSON} | {NOT_AN_OBJECT}"}}
