"""The ClickHouse HTTP endpoint (shopstream.clickhouse_server) as a real process, driven by
clickhouse-connect and plain HTTP the way jobs, analysts and curl use it."""
from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import clickhouse_connect
import lz4.frame
import pyarrow as pa
import pytest
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import DatabaseError

from shopstream.settings import load_settings

pytestmark = pytest.mark.integration

DB = "endpoint_it"
START_TIMEOUT_S = 60


@dataclass
class Endpoint:
    """A running endpoint process on a tmp data folder, restartable on the same folder."""

    data_dir: Path
    log_path: Path
    proc: subprocess.Popen[str] | None = None
    url: str = ""
    logs: list[Path] = field(default_factory=list)

    def start(self) -> None:
        self.proc, self.url = launch(self.data_dir, self.log_path.with_suffix(f".{len(self.logs)}.log"))
        self.logs.append(self.log_path.with_suffix(f".{len(self.logs)}.log"))

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


def launch(data_dir: Path, log_path: Path) -> tuple[subprocess.Popen[str], str]:
    """Start ``python -m shopstream.clickhouse_server`` on a free port; wait for its listening line and /ping."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "shopstream.clickhouse_server", "--data-dir", str(data_dir),
         "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE, stderr=log_path.open("w"), text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT_S
    line = ""
    while time.monotonic() < deadline and not line:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if not line:
                break
    if not line.startswith("listening on "):
        proc.kill()
        raise RuntimeError(f"endpoint did not start (exit {proc.poll()}): {log_path.read_text()[-2000:]}")
    url = line.split()[-1]
    with urllib.request.urlopen(url + "/ping", timeout=10) as response:
        assert response.read() == b"Ok.\n"
    return proc, url


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def http(url: str, params: dict[str, str] | None = None, body: bytes | None = None,
         headers: dict[str, str] | None = None, auth: tuple[str, str] | None = None) -> Reply:
    """One plain HTTP request (GET without body, POST with), never raising on an error status."""
    full = url + "/?" + urllib.parse.urlencode(params or {})
    request = urllib.request.Request(full, data=body, headers=dict(headers or {}))
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Reply(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers.items()), error.read())


@pytest.fixture(scope="module")
def ch_settings():  # the endpoint's users and passwords come from the same settings
    return load_settings().clickhouse


@pytest.fixture(scope="module")
def writer_auth(ch_settings) -> tuple[str, str]:
    return ch_settings.user, ch_settings.password.reveal()


@pytest.fixture(scope="module")
def analyst_auth(ch_settings) -> tuple[str, str]:
    return ch_settings.analyst_user, ch_settings.analyst_password.reveal()


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory, writer_auth) -> Iterator[Endpoint]:
    root = tmp_path_factory.mktemp("clickhouse_endpoint")
    server = Endpoint(data_dir=root / "chdb", log_path=root / "endpoint")
    server.start()
    reply = http(server.url, {"query": f"CREATE DATABASE IF NOT EXISTS {DB}"}, body=b"", auth=writer_auth)
    assert reply.status == 200, reply.body
    yield server
    if server.proc is not None and server.proc.poll() is None:
        assert server.stop() == 0


def client(endpoint: Endpoint, auth: tuple[str, str], **kwargs) -> Client:
    return clickhouse_connect.get_client(host="127.0.0.1", port=endpoint.port, username=auth[0], password=auth[1],
                                         database=kwargs.pop("database", DB), **kwargs)


def test_ping_and_plain_get_query(endpoint, writer_auth):
    reply = http(endpoint.url, {"query": "SELECT 1"}, auth=writer_auth)
    assert (reply.status, reply.body) == (200, b"1\n")
    assert reply.headers["X-ClickHouse-Format"] == "TabSeparated"
    assert reply.headers["X-ClickHouse-Timezone"]
    assert json.loads(reply.headers["X-ClickHouse-Summary"])["result_rows"] == "1"
    by_params = http(endpoint.url, {"query": "SELECT 2", "user": writer_auth[0], "password": writer_auth[1]})
    by_headers = http(endpoint.url, {"query": "SELECT 3"},
                      headers={"X-ClickHouse-User": writer_auth[0], "X-ClickHouse-Key": writer_auth[1]})
    assert (by_params.body, by_headers.body) == (b"2\n", b"3\n")


def test_native_insert_of_50k_rows_and_count(endpoint, writer_auth):
    ch = client(endpoint, writer_auth)
    ch.command("CREATE TABLE clicks (id UInt64, ts DateTime64(3), user_id UInt32, sku String, price Float64, "
               "country LowCardinality(String), note Nullable(String)) ENGINE = MergeTree ORDER BY id")
    n = 50_000
    start = dt.datetime(2026, 1, 1)
    rows = [[i, start + dt.timedelta(seconds=i), i % 997, f"sku-{i % 500}", i * 0.25, ("DE", "FR", "US")[i % 3],
             None if i % 10 == 0 else "n"] for i in range(n)]
    summary = ch.insert("clicks", rows, column_names=["id", "ts", "user_id", "sku", "price", "country", "note"])
    assert summary.written_rows == n
    result = ch.query("SELECT count(), sum(id), sum(user_id), countIf(note IS NULL), uniqExact(sku), "
                      "max(ts), sum(price) FROM clicks").result_rows[0]
    assert result == (n, n * (n - 1) // 2, sum(i % 997 for i in range(n)), n // 10, 500,
                      start + dt.timedelta(seconds=n - 1), sum(i * 0.25 for i in range(n)))


def test_insert_arrow_then_query_arrow_and_df(endpoint, writer_auth):
    ch = client(endpoint, writer_auth)
    ch.command("CREATE TABLE orders_arrow (order_id UInt64, amount Float64, currency String) "
               "ENGINE = MergeTree ORDER BY order_id")
    table = pa.table({"order_id": pa.array(range(1000), pa.uint64()),
                      "amount": pa.array([i / 4 for i in range(1000)], pa.float64()),
                      "currency": pa.array(["EUR" if i % 2 else "USD" for i in range(1000)], pa.string())})
    assert ch.insert_arrow("orders_arrow", table).written_rows == 1000
    back = ch.query_arrow("SELECT order_id, amount, currency FROM orders_arrow ORDER BY order_id")
    assert back.column("order_id").to_pylist() == list(range(1000))
    assert back.column("currency").to_pylist()[:3] == ["USD", "EUR", "USD"]
    frame = ch.query_df("SELECT currency, sum(amount) AS total FROM orders_arrow GROUP BY currency ORDER BY currency")
    assert frame["currency"].tolist() == ["EUR", "USD"]
    assert frame["total"].tolist() == [sum(i / 4 for i in range(1, 1000, 2)), sum(i / 4 for i in range(0, 1000, 2))]


def test_format_clause_json_each_row_over_get(endpoint, writer_auth):
    reply = http(endpoint.url, {"query": "SELECT number AS n, toString(number * 2) AS s FROM numbers(3) "
                                         "FORMAT JSONEachRow"}, auth=writer_auth)
    assert reply.status == 200
    assert reply.headers["X-ClickHouse-Format"] == "JSONEachRow"
    assert reply.headers["Content-Type"].startswith("application/json")
    assert [json.loads(line) for line in reply.body.splitlines()] == [
        {"n": 0, "s": "0"}, {"n": 1, "s": "2"}, {"n": 2, "s": "4"}]
    csv = http(endpoint.url, {"query": "SELECT 1, 'a'", "default_format": "CSV"}, auth=writer_auth)
    assert csv.body == b'1,"a"\n'


def test_query_parameters_over_http_and_client(endpoint, writer_auth):
    reply = http(endpoint.url, {"query": "SELECT {a:UInt32} + 1, {s:String}, {xs:Array(UInt8)}",
                                "param_a": "41", "param_s": "it's", "param_xs": "[1,2]"}, auth=writer_auth)
    assert reply.body == b"42\tit\\'s\t[1,2]\n"
    ch = client(endpoint, writer_auth)
    assert ch.query("SELECT {a:UInt32} * 2, {s:String}", parameters={"a": 21, "s": "x'y"}).result_rows == [(42, "x'y")]
    long_value = "p" * 6000  # past clickhouse-connect's URL budget: sent as a multipart form
    assert ch.query("SELECT length({v:String})", parameters={"v": long_value}).result_rows == [(6000,)]


def test_insert_formats_from_plain_http(endpoint, writer_auth):
    ch = client(endpoint, writer_auth)
    ch.command("CREATE TABLE formats (k UInt32, v String) ENGINE = MergeTree ORDER BY k")
    # The first data byte is 0x0a (k=10): only the one newline after the query may be skipped.
    row_binary = b"".join(k.to_bytes(4, "little") + bytes([len(v)]) + v.encode()
                          for k, v in [(10, "rb"), (2, "\n")])
    sends = [({"query": f"INSERT INTO {DB}.formats FORMAT RowBinary"}, row_binary),
             ({}, f'INSERT INTO {DB}.formats FORMAT JSONEachRow\n{{"k": 3, "v": "json"}}\n'.encode()),
             ({"query": f"INSERT INTO {DB}.formats (k, v) FORMAT TabSeparated"}, b"4\ttsv\n"),
             ({"query": f"INSERT INTO {DB}.formats VALUES"}, b"(5, 'values')")]
    for params, body in sends:
        reply = http(endpoint.url, params, body=body, auth=writer_auth)
        assert reply.status == 200, reply.body
    assert ch.query("SELECT k, v FROM formats ORDER BY k").result_rows == [
        (2, "\n"), (3, "json"), (4, "tsv"), (5, "values"), (10, "rb")]
    bad = http(endpoint.url, {"query": f"INSERT INTO {DB}.formats FORMAT TabSeparated"}, body=b"x\ty\n",
               auth=writer_auth)
    assert (bad.status, bad.headers["X-ClickHouse-Exception-Code"]) == (400, "27")
    assert ch.command("SELECT count() FROM formats") == 5


def test_settings_apply_to_their_request_only(endpoint, writer_auth):
    query = {"query": "SELECT getSetting('max_threads'), getSetting('max_block_size')"}
    baseline = http(endpoint.url, query, auth=writer_auth).body
    assert not baseline.startswith(b"1\t")
    assert http(endpoint.url, {**query, "max_threads": "1", "max_block_size": "4321"},
                auth=writer_auth).body == b"1\t4321\n"
    assert http(endpoint.url, query, auth=writer_auth).body == baseline
    bad = http(endpoint.url, {**query, "no_such_setting_xyz": "1"}, auth=writer_auth)
    assert (bad.status, bad.headers["X-ClickHouse-Exception-Code"]) == (404, "115")
    assert http(endpoint.url, query, auth=writer_auth).body == baseline
    # A SET in a clickhouse-connect session sticks to that session only, like sessions of a real server.
    one, other = client(endpoint, writer_auth), client(endpoint, writer_auth)
    one.command("SET max_threads = 1")
    assert one.command("SELECT getSetting('max_threads')") == 1
    assert other.command("SELECT getSetting('max_threads')") != 1
    assert one.query("SELECT getSetting('max_block_size')", settings={"max_block_size": 777}).result_rows == [(777,)]
    assert http(endpoint.url, query, auth=writer_auth).body == baseline


def test_database_param_and_header(endpoint, writer_auth):
    http(endpoint.url, {"query": "CREATE TABLE IF NOT EXISTS dbsel (x UInt8) ENGINE = Memory", "database": DB},
         body=b"", auth=writer_auth)
    http(endpoint.url, {"query": "INSERT INTO dbsel VALUES (7)", "database": DB}, body=b"", auth=writer_auth)
    query = "SELECT currentDatabase(), sum(x) FROM dbsel"
    assert http(endpoint.url, {"query": query, "database": DB}, auth=writer_auth).body == f"{DB}\t7\n".encode()
    assert http(endpoint.url, {"query": query}, headers={"X-ClickHouse-Database": DB},
                auth=writer_auth).body == f"{DB}\t7\n".encode()
    assert http(endpoint.url, {"query": "SELECT currentDatabase()"}, auth=writer_auth).body == b"default\n"
    missing = http(endpoint.url, {"query": "SELECT 1", "database": "no_such_db"}, auth=writer_auth)
    assert (missing.status, missing.headers["X-ClickHouse-Exception-Code"]) == (404, "81")


def test_gzip_and_lz4_both_ways(endpoint, writer_auth):
    client(endpoint, writer_auth).command("CREATE TABLE packed (k UInt32, v String) ENGINE = MergeTree ORDER BY k")
    rows = "".join(f"{i}\tv{i}\n" for i in range(2000)).encode()
    encoders = {"gzip": (gzip.compress, gzip.decompress),
                "lz4": (lz4.frame.compress, lz4.frame.decompress)}
    for offset, (name, (encode, decode)) in enumerate(encoders.items()):
        shifted = "".join(f"{i + offset * 10_000}\tv{i}\n" for i in range(2000)).encode()
        sent = http(endpoint.url, {"query": f"INSERT INTO {DB}.packed FORMAT TabSeparated"},
                    body=encode(shifted), headers={"Content-Encoding": name}, auth=writer_auth)
        assert sent.status == 200, sent.body
        got = http(endpoint.url, {"query": f"SELECT k, v FROM {DB}.packed WHERE k < 10000 ORDER BY k",
                                  "enable_http_compression": "1"},
                   headers={"Accept-Encoding": name}, auth=writer_auth)
        assert got.headers["Content-Encoding"] == name
        assert decode(got.body) == rows
    for compress in ("gzip", "lz4"):
        ch = client(endpoint, writer_auth, compress=compress)
        ch.insert("packed", [[50_000 + i, compress] for i in range(500)], column_names=["k", "v"])
        assert ch.query("SELECT count() FROM packed WHERE v = {c:String}",
                        parameters={"c": compress}).result_rows == [(500,)]
    assert client(endpoint, writer_auth).command("SELECT count() FROM packed") == 5000


def test_analyst_reads_but_cannot_write(endpoint, writer_auth, analyst_auth):
    writer = client(endpoint, writer_auth)
    writer.command("CREATE TABLE guarded (x UInt8) ENGINE = MergeTree ORDER BY x")
    writer.command("INSERT INTO guarded VALUES (1), (2)")
    analyst = client(endpoint, analyst_auth)
    assert analyst.query("SELECT sum(x) FROM guarded").result_rows == [(3,)]
    assert analyst.command("EXISTS TABLE guarded") == 1
    attempts = [lambda: analyst.insert("guarded", [[3]], column_names=["x"]),
                lambda: analyst.command("INSERT INTO guarded VALUES (4)"),
                lambda: analyst.command("CREATE TABLE sneaky (x UInt8) ENGINE = Memory"),
                lambda: analyst.command("DROP TABLE guarded"),
                lambda: analyst.query("SELECT count() FROM file('/etc/hostname', 'LineAsString')")]
    for attempt in attempts:
        with pytest.raises(DatabaseError) as raised:
            attempt()
        assert raised.value.code == 164
        assert "(READONLY)" in str(raised.value)
    assert writer.query("SELECT groupArray(x) FROM guarded").result_rows == [([1, 2],)]
    assert writer.command("EXISTS TABLE sneaky") == 0


def test_wrong_password_is_authentication_failed(endpoint, analyst_auth):
    reply = http(endpoint.url, {"query": "SELECT 1"}, auth=(analyst_auth[0], "not-the-password"))
    assert reply.status == 403
    assert reply.headers["X-ClickHouse-Exception-Code"] == "516"
    assert reply.body.decode().startswith(
        f"Code: 516. DB::Exception: {analyst_auth[0]}: Authentication failed: password is incorrect, "
        "or there is no user with such name. (AUTHENTICATION_FAILED)")
    with pytest.raises(DatabaseError) as raised:
        client(endpoint, (analyst_auth[0], "not-the-password"))
    assert raised.value.code == 516


def test_unknown_table_error_reaches_the_client(endpoint, writer_auth):
    reply = http(endpoint.url, {"query": "SELECT * FROM no_such_table"}, auth=writer_auth)
    assert (reply.status, reply.headers["X-ClickHouse-Exception-Code"]) == (404, "60")
    assert reply.body.decode().startswith("Code: 60. DB::Exception: Unknown table expression identifier "
                                          "'no_such_table'")
    with pytest.raises(DatabaseError) as raised:
        client(endpoint, writer_auth).query("SELECT * FROM no_such_table")
    assert raised.value.code == 60
    assert "(UNKNOWN_TABLE)" in str(raised.value)


def test_concurrent_writers_and_readers_see_exact_totals(endpoint, writer_auth, analyst_auth):
    client(endpoint, writer_auth).command("CREATE TABLE ledger (writer UInt8, seq UInt32, amount UInt64) "
                                          "ENGINE = MergeTree ORDER BY (writer, seq)")
    writers, batches, batch_rows = 4, 8, 500
    errors: list[BaseException] = []
    seen_counts: list[int] = []
    done = threading.Event()

    def write(w: int) -> None:
        ch = client(endpoint, writer_auth)
        for b in range(batches):
            rows = [[w, b * batch_rows + i, w * 1000 + i] for i in range(batch_rows)]
            ch.insert("ledger", rows, column_names=["writer", "seq", "amount"])

    def read() -> None:
        ch = client(endpoint, analyst_auth)
        while not done.is_set():
            seen_counts.append(ch.command("SELECT count() FROM ledger"))

    def guarded(target, *args) -> None:
        try:
            target(*args)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    readers = [threading.Thread(target=guarded, args=(read,)) for _ in range(4)]
    writer_threads = [threading.Thread(target=guarded, args=(write, w)) for w in range(writers)]
    for thread in readers + writer_threads:
        thread.start()
    for thread in writer_threads:
        thread.join(timeout=60)
    done.set()
    for thread in readers:
        thread.join(timeout=30)
    assert errors == []
    total = writers * batches * batch_rows
    assert seen_counts and all(count % batch_rows == 0 and 0 <= count <= total for count in seen_counts)
    expected_amount = sum(batches * sum(w * 1000 + i for i in range(batch_rows)) for w in range(writers))
    assert client(endpoint, writer_auth).query(
        "SELECT count(), sum(amount), uniqExact(writer, seq) FROM ledger").result_rows == [
        (total, expected_amount, total)]


def test_passwords_never_logged(endpoint, writer_auth, analyst_auth):
    http(endpoint.url, {"query": "SELECT 1", "user": writer_auth[0], "password": writer_auth[1]})
    http(endpoint.url, {"query": "SELECT 1"}, auth=(analyst_auth[0], "wrong-" + analyst_auth[1]))
    time.sleep(0.2)
    log = endpoint.logs[-1].read_text()
    assert "user=writer" in log and "code=516" in log
    assert writer_auth[1] not in log and analyst_auth[1] not in log


def test_data_persists_across_restart_and_folder_is_exclusive(endpoint, writer_auth, tmp_path):
    ch = client(endpoint, writer_auth)
    ch.command("CREATE TABLE durable (k UInt32, v String) ENGINE = MergeTree ORDER BY k")
    ch.insert("durable", [[i, f"v{i}"] for i in range(1234)], column_names=["k", "v"])
    second = subprocess.run(
        [sys.executable, "-m", "shopstream.clickhouse_server", "--data-dir", str(endpoint.data_dir), "--port", "0"],
        capture_output=True, text=True, timeout=60, env={**os.environ})
    assert second.returncode == 2
    assert "already open in another process" in second.stderr
    assert endpoint.stop() == 0
    assert "stopped; engine closed" in endpoint.logs[-1].read_text()
    endpoint.start()
    again = client(endpoint, writer_auth)
    assert again.query("SELECT count(), sum(k), max(v) FROM durable").result_rows == [(1234, 1234 * 1233 // 2, "v999")]
    assert again.command("SELECT count() FROM clicks") == 50_000
