"""Each output is described once (outputs.yaml); what derives from it agrees with it."""
from __future__ import annotations

import pytest

from shopstream.flink.environment import RunOptions
from shopstream.flink.runner import load_job
from shopstream.flink.staging_layer import RUNTIME_OUTPUTS
from shopstream.outputs import OutputSpecError, RecordError, load_outputs
from shopstream.registry import products
from shopstream.settings import load_settings

ALL_SPECS = [*RUNTIME_OUTPUTS, *(o for p in products() for o in p.outputs)]


def test_every_output_topic_is_in_the_topic_list_once():
    s = load_settings(env={})
    topics = s.topics.outputs()
    assert len(topics) == len(set(topics))
    assert {getattr(s.topics, o.name) for o in ALL_SPECS} == set(topics)
    # the lists that drifted before (issue 9): the ad outputs are created too
    assert {"shopstream.ad_windows", "shopstream.ad_performance_minute", "shopstream.campaign_spend"} <= set(topics)


def test_settings_rename_an_output_topic():
    s = load_settings(env={"SHOPSTREAM_TOPICS__AD_WINDOWS": "x.ad_windows"})
    assert s.topics.ad_windows == "x.ad_windows" and "x.ad_windows" in s.topics.outputs()


def test_the_sink_tables_of_a_job_are_its_output_specs():
    s = load_settings(env={})
    job = load_job("engagement")
    statements = dict(job.render(s, RunOptions(job="engagement")))
    for spec in ALL_SPECS:
        ddl = statements[next(n for n in statements if n.endswith(f"outputs.yaml#{spec.name}"))]
        for c in spec.columns:
            assert f"`{c.name}` {c.flink_type}" in ddl
        assert f"'topic' = '{getattr(s.topics, spec.name)}'" in ddl
        inserts = [sql for sql in statements.values() if sql.lower().startswith(f"insert into sink_{spec.name}")]
        assert inserts, f"no INSERT writes {spec.name}"


def test_decode_checks_a_row_against_its_spec():
    spec = next(o for p in products() for o in p.outputs if o.name == "profile_lifetime")
    good = ('{"user_id": "u1", "as_of_ms": 60000, "events": 1, "views": 0, "clicks": 0, "carts": 0, "orders": 0, '
            '"spend_minor": 0, "priced_views": 0, "viewed_price_minor": 0, "first_seen_ms": 1, "last_seen_ms": 2, '
            '"last_order_ms": null, "device": "ios", "country": "DE", "last_event_ms": 2}')
    assert spec.decode(good)["events"] == 1
    with pytest.raises(RecordError, match="missing column"):
        spec.decode('{"user_id": "u1"}')
    with pytest.raises(RecordError, match="should be int64"):
        spec.decode(good.replace('"events": 1', '"events": "1"'))
    with pytest.raises(RecordError, match="not JSON"):
        spec.decode(b"{nope")
    with pytest.raises(RecordError, match="is null"):
        spec.decode(good.replace('"user_id": "u1"', '"user_id": null'))


def test_a_bad_outputs_file_names_file_and_output(tmp_path):
    path = tmp_path / "outputs.yaml"
    path.write_text("o:\n  description: d\n  topic: t\n  key: [k]\n  columns:\n    - {name: a, type: integer}\n")
    with pytest.raises(OutputSpecError, match=r"outputs.yaml: output o: column a: type 'integer'"):
        load_outputs(path)
    path.write_text("o:\n  description: d\n  topic: t\n  key: [k]\n  columns:\n    - {name: a, type: int64}\n")
    with pytest.raises(OutputSpecError, match="key or version column 'k' is not a column"):
        load_outputs(path)


def test_staging_renders_every_event_type_a_job_reads():
    """Staging is not wired to two topics: a product that reads `content` gets `content_events` (the
    contract's scalar fields), its dead letters and late events, and no order lines unless orders are read."""
    from shopstream.flink.jobspec import staging
    from shopstream.flink.sqlfiles import render_dir
    s, options = load_settings(env={}), RunOptions(job="j")
    layer = staging(("clickstream", "content"))
    params = {"job": "j", **layer.params(s, options)}
    statements = [sql for _, sql in render_dir(layer.directory, params, layer.variants(s, options))]
    text = "\n".join(statements)
    assert "create temporary view content_events as" in text and "`content_id`" in text
    assert "create temporary view clickstream_events as" in text and "orders_events" not in text
    assert "order_lines" not in text
    assert sum(sql.startswith("insert into sink_dead_letters") for sql in statements) == 2
    late = [sql for sql in statements if sql.startswith("insert into sink_late_events") and "stg_content" in sql]
    assert late and "cast(null as string)" in late[0]  # content events have no user
    assert "${" not in text
