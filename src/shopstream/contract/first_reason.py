"""The first data-quality reason of a parsed message, fast: the check plan compiled into one function.

:func:`shopstream.contract.validate.validate` is the readable reference and reports every reason; the
streaming path needs only the first one, once per record. :func:`first_reason_checker` walks the same
:func:`~shopstream.contract.checks.check_plan`, in the same order, but binds each check to a small
condition specialised for its field (its name, type, bounds and enum bound once) and stops at the
first failure. ``tests/unit/test_first_reason.py`` holds it equal to ``validate()[0]``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shopstream.contract.checks import (
    ABOVE_MAX,
    BELOW_MIN,
    DEFAULT_MAX_FUTURE_MS,
    FAR_FUTURE_TS,
    MISSING_FIELD,
    NOT_IN_ENUM,
    UNKNOWN_CURRENCY,
    WRONG_TYPE,
    Check,
    check_plan,
)
from shopstream.contract.model import EventSchema
from shopstream.contract.validate import _FAILS, _Context, type_test

Doc = dict[str, Any]


def first_reason_checker(schema: EventSchema, currencies: frozenset[str], *,
                         max_future_ms: int = DEFAULT_MAX_FUTURE_MS) -> Callable[[Doc, int | None], str | None]:
    """A function ``(doc, now_ms) -> reason | None`` giving ``validate(doc, schema, now_ms=...)[0]``
    for a parsed JSON object (JSON-level reasons are the caller's: it parsed the payload).

    The plan becomes the source of one function, an ``if`` per check in plan order, with the checks'
    constants bound by name: about 3x faster than validate() (30 -> 10 µs a record), once per record.
    """
    namespace: dict[str, Any] = {"_currencies": currencies}
    lines = ["def first_reason(d, now):", "    get = d.get"]
    for i, check in enumerate(check_plan(schema)):
        lines.append(f"    if {_condition(i, check, namespace, max_future_ms)}: return {check.reason!r}")
    lines.append("    return None")
    # the source holds only repr()s of the contract's names and constants
    exec(compile("\n".join(lines), f"<first_reason {schema.name}>", "exec"), namespace)  # noqa: S102
    return namespace["first_reason"]


def _condition(i: int, check: Check, ns: dict[str, Any], max_future_ms: int) -> str:
    """A Python expression, true when ``check`` fails on ``d`` (``now``: the reference time)."""
    f = check.field
    get = f"get({f.name!r})"
    # As in the reference, enum and currency checks look the field's name up at the top level.
    if check.kind == NOT_IN_ENUM:
        ns[f"_enum{i}"] = frozenset(f.enum or ())
        return f"isinstance(v := {get}, str) and v not in _enum{i}"
    if check.kind == UNKNOWN_CURRENCY:
        return f"isinstance(v := {get}, str) and v not in _currencies"
    if check.parent is not None:  # item fields of an array<struct> (order lines): the reference's own check
        ns[f"_item{i}"] = _reference_check(check, ns["_currencies"], max_future_ms)
        return f"_item{i}(d, now)"
    ns[f"_ok{i}"] = type_test(f)
    if check.kind == MISSING_FIELD:
        if f.required:
            return f"{get} is None"
        terms = []
        for j, (key, allowed) in enumerate((f.required_when or {}).items()):
            ns[f"_when{i}_{j}"] = frozenset(allowed)
            terms.append(f"isinstance(w := get({key!r}), str) and w in _when{i}_{j}")
        return f"{get} is None and " + " and ".join(f"({t})" for t in terms)
    if check.kind == WRONG_TYPE:
        return f"(v := {get}) is not None and not _ok{i}(v)"
    if check.kind == BELOW_MIN:
        return f"(v := {get}) is not None and _ok{i}(v) and {'len(v)' if f.is_array else 'v'} < {f.min!r}"
    if check.kind == ABOVE_MAX:
        return f"(v := {get}) is not None and _ok{i}(v) and {'len(v)' if f.is_array else 'v'} > {f.max!r}"
    if check.kind == FAR_FUTURE_TS:
        return f"now is not None and (v := {get}) is not None and _ok{i}(v) and v > now + {max_future_ms!r}"
    raise AssertionError(check.kind)


def _reference_check(check: Check, currencies: frozenset[str], max_future_ms: int) -> Callable[[Doc, int | None], bool]:
    fails = _FAILS[check.kind]
    return lambda d, now: fails(check, _Context(d, currencies, now, max_future_ms))
