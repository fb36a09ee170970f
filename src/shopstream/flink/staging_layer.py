"""The staging layer, which every job starts with: each input topic a job needs read once, validated
against the contract, its lateness decided, deduplicated; dead letters and late events as outputs.
It reads the event types that the job's products declare (``Product.inputs``). SQL: sql/flink/staging/."""
from __future__ import annotations

from shopstream.contract import load_contract
from shopstream.contract.flink_sql import reporting_amount_expression
from shopstream.flink.environment import RunOptions
from shopstream.flink.params import KAFKA_TS_MS, interval_day_to_second, sink_params, source_variant, topic_of
from shopstream.outputs import load_outputs
from shopstream.resources import data_dir
from shopstream.settings import Settings
from shopstream.staging import shape

STAGING_DIR = data_dir("sql") / "flink" / "staging"
RUNTIME_OUTPUTS = load_outputs(STAGING_DIR / "outputs.yaml")


def params(settings: Settings, options: RunOptions) -> dict[str, str]:
    e = settings.events
    out = {"watermark_delay": f"interval '{e.watermark_delay_ms / 1000:.3f}' second",
           "kafka_ts_ms": KAFKA_TS_MS,
           "line_amount_reporting": reporting_amount_expression(
               "cast(json_value(line, '$.unit_price_minor') as bigint) * cast(json_value(line, '$.qty') as bigint)",
               "o.currency", e.reporting_currency),
           "order_lookback": interval_day_to_second(e.order_lookback_ms)}
    out.update(sink_params(settings, [o.name for o in RUNTIME_OUTPUTS]))
    return out


def variants(settings: Settings, options: RunOptions, events: tuple[str, ...]):
    """Files rendered once per event type read; ``order_lines`` only when orders are read."""
    per_event = []
    for event in events:
        fields = {f.name for f in load_contract()[event].fields}
        scalars = [name for name, _ in shape(event).columns if name != "dq_reason"]
        per_event.append({**source_variant(settings, options, event), "topic": topic_of(settings, event),
                          "event_columns": ", ".join(f"`{c}`" for c in scalars),
                          "user_id": "user_id" if "user_id" in fields else "cast(null as string)"})
    return {"010_src_event": per_event, "020_stg_event": per_event, "030_events": per_event,
            "032_order_lines": [{}] if "orders" in events else [],
            "090_insert_dead_letters": per_event, "091_insert_late_events": per_event}


def functions(t_env, events: tuple[str, ...]) -> None:
    from shopstream.udfs import staging
    for event in events:
        staging.register(t_env, event)


def loaders(settings: Settings, redis_client, ch_client) -> list:
    from shopstream.loader.dead_letters import DeadLetterApplier
    return [DeadLetterApplier(settings, ch_client)]
