"""A standalone Flink cluster from the pip-installed PyFlink: start, submit a Python job, cancel, stop.

The cluster runs on free loopback ports with its state in a temporary folder, so it never meets a
developer's cluster. Takes about a minute (two JVMs on a small host).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from shopstream.flink.cluster import daemons, home, rest, submit
from shopstream.flink.cluster.errors import ClusterError
from shopstream.settings import load_settings
from shopstream.stack.process import free_port, port_is_open

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

JOB = Path(__file__).parent / "flink_jobs" / "tiny_udf_job.py"


def _two_free_ports() -> int:
    """A free port whose successor is free too (REST port, JobManager RPC port = REST + 1)."""
    for _ in range(50):
        port = free_port()
        if port < 65535 and not port_is_open("127.0.0.1", port + 1):
            return port
    raise RuntimeError("no two adjacent free loopback ports")


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    state = tmp_path_factory.mktemp("flink-stack")
    env = {
        "SHOPSTREAM_FLINK__REST_ADDRESS": "127.0.0.1",
        "SHOPSTREAM_FLINK__REST_PORT": str(_two_free_ports()),
        "SHOPSTREAM_STACK__STATE_DIR": str(state),
        "SHOPSTREAM_FLINK__CHECKPOINT_DIR": str(state / "checkpoints"),
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        yield load_settings()


@pytest.fixture(scope="module")
def running_cluster(settings):
    assert daemons.start_cluster(settings) == "started"
    try:
        yield settings
    finally:
        daemons.stop_cluster(settings)


def _printed(settings, identifier: str) -> list[str]:
    lines = []
    for out in home.log_dir(settings).glob("flink-*-taskexecutor-*.out"):
        lines += [ln for ln in out.read_text().splitlines() if ln.startswith(f"{identifier}:")]
    return lines


def test_flink_home_holds_python_and_kafka_jars_and_rendered_config(settings):
    flink_home = home.prepare_flink_home(settings)
    lib = {p.name for p in (flink_home / "lib").iterdir()}
    assert any(name.startswith("flink-python-") for name in lib)
    assert any(name.startswith("flink-dist-") for name in lib)
    assert {"flink-connector-kafka.jar", "kafka-clients.jar"} <= lib
    conf = (flink_home / "conf" / "config.yaml").read_text()
    assert f"rest.port: {settings.flink.rest_port}\n" in conf
    assert "${" not in conf
    assert f"env.log.dir: {home.log_dir(settings)}" in conf


def test_start_is_idempotent_and_reports_one_taskmanager(running_cluster):
    assert daemons.start_cluster(running_cluster) == "already running"
    status = rest.cluster_status(running_cluster)
    assert status.running and status.taskmanagers == 1 and status.slots_total == 2
    assert status.flink_version.startswith("2.")


def test_python_job_with_udf_finishes_and_its_rows_pass_the_udf(running_cluster):
    job_id = submit.submit_python_job(running_cluster, JOB, ["40", "bounded"])
    assert re.fullmatch(r"[0-9a-f]{32}", job_id)
    state = rest.wait_for_job(running_cluster, job_id, timeout_s=120)
    assert state == "FINISHED", rest.job_exceptions(running_cluster, job_id)[:3000]
    assert job_id in {j.job_id for j in rest.list_jobs(running_cluster)}
    printed = _printed(running_cluster, "bounded")
    assert len(printed) == 40
    assert any(line.endswith("+I[7, SHOPSTREAM_14]") for line in printed)


def test_unbounded_job_can_be_cancelled(running_cluster):
    job_id = submit.submit_python_job(running_cluster, JOB, ["0", "unbounded"])
    assert rest.wait_for_job(running_cluster, job_id, states={"RUNNING"}, timeout_s=60) == "RUNNING"
    rest.cancel_job(running_cluster, job_id)
    assert rest.wait_for_job(running_cluster, job_id, timeout_s=60) == "CANCELED"


def test_submitting_a_missing_file_says_so(running_cluster, tmp_path):
    with pytest.raises(ClusterError, match="does not exist"):
        submit.submit_python_job(running_cluster, tmp_path / "nope.py")


def test_stop_leaves_nothing_running(settings, running_cluster):
    assert daemons.stop_cluster(settings) == "stopped"
    assert not rest.cluster_status(settings).running
    assert daemons.stop_cluster(settings) == "not running"


def test_a_taken_port_is_reported_before_anything_starts(tmp_path, monkeypatch):
    import socket

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        monkeypatch.setenv("SHOPSTREAM_FLINK__REST_PORT", str(squatter.getsockname()[1]))
        monkeypatch.setenv("SHOPSTREAM_STACK__STATE_DIR", str(tmp_path))
        with pytest.raises(ClusterError, match="is taken by another process"):
            daemons.start_cluster(load_settings())
    assert not (tmp_path / "flink-home").exists()
