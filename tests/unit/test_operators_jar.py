"""shopstream's Java operators jar: built by the bootstrap, up to date with java/, shipped with every job,
and a clear error when it is missing. No JVM runs here (the jar is read as a zip)."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from shopstream.flink import operators
from shopstream.flink.environment import RunOptions, flink_config
from shopstream.flink.installation import FlinkSetupError, operators_jar
from shopstream.settings import load_settings
from tests.paths import PROJECT_ROOT as REPO_ROOT

BOOTSTRAP = REPO_ROOT / "scripts" / "bootstrap.sh"


def test_a_missing_jar_is_a_clear_error_saying_what_to_run(tmp_path):
    settings = load_settings(env={}).replace(stack={"operators_jar": tmp_path / "nope.jar"})
    with pytest.raises(FlinkSetupError, match=r"operators jar is missing: .*nope\.jar.*make install"):
        operators_jar(settings)
    with pytest.raises(FlinkSetupError, match="operators jar is missing"):
        flink_config(settings, RunOptions(job="any"))


def test_the_bootstrap_built_jar_holds_the_operators_and_matches_the_sources():
    settings = load_settings(env={})
    jar = operators_jar(settings)
    with zipfile.ZipFile(jar) as z:
        names = set(z.namelist())
    assert "io/shopstream/operators/RollingTiles.class" in names
    sources = operators.java_sources()
    stamp = operators.sources_hash(sources, operators.JAVA_SOURCES, operators.classpath(settings))
    assert operators.jar_stamp(jar) == stamp, "the jar is older than java/: run `make install`"


def test_every_job_ships_the_operators_jar_with_the_connector():
    settings = load_settings(env={})
    jars = flink_config(settings, RunOptions(job="any"))["pipeline.jars"].split(";")
    assert operators_jar(settings).resolve().as_uri() in jars
    assert any(j.endswith("/flink-connector-kafka.jar") for j in jars)


def test_the_sources_hash_follows_the_sources_and_the_flink_jars(tmp_path):
    root = tmp_path / "java"
    (root / "io").mkdir(parents=True)
    src = root / "io" / "A.java"
    src.write_text("class A {}\n")
    cp = [Path("flink-dist-2.3.0.jar")]
    first = operators.sources_hash([src], root, cp)
    assert operators.sources_hash([src], root, cp) == first
    assert operators.sources_hash([src], root, [Path("flink-dist-2.4.0.jar")]) != first
    src.write_text("class A { int x; }\n")
    assert operators.sources_hash([src], root, cp) != first


def test_a_jar_without_a_stamp_is_rebuilt(tmp_path):
    plain = tmp_path / "plain.jar"
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("a.txt", "x")
    assert operators.jar_stamp(plain) is None
    assert operators.jar_stamp(tmp_path / "absent.jar") is None


def test_the_bootstrap_compiles_the_operators_with_a_jdk():
    text = BOOTSTRAP.read_text()
    assert "-m shopstream.flink.operators build" in text
    assert "openjdk-17-jdk-headless" in text and "javac" in text


def test_the_flink_image_gets_the_operators_jar_in_lib():
    jar = load_settings(env={}).stack.operators_jar.as_posix()
    dockerfile = (REPO_ROOT / "docker" / "flink.Dockerfile").read_text()
    assert f"COPY {jar} /opt/flink/lib/" in dockerfile
    assert f"!{jar}" in (REPO_ROOT / "docker" / "flink.Dockerfile.dockerignore").read_text().splitlines()
