"""Build shopstream's Java operators (``java/src/main/java``) into one jar that jobs load with pipeline.jars.

    python -m shopstream.flink.operators build [--force]

The sources are compiled with ``javac --release 17`` against every jar of the pip-installed Flink
(``pyflink/lib``) and the Kafka connector jars, into ``settings.stack.operators_jar``. The build is
idempotent: the jar records a hash of its sources (and of the Flink it was compiled against) in
``META-INF/shopstream-sources.sha256``, and a build whose hash matches does nothing. The bootstrap
(``scripts/bootstrap.sh``) runs it; ``shopstream.flink.installation.operators_jar`` finds the result.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from shopstream.flink.installation import CONNECTOR_JARS, FlinkSetupError
from shopstream.resources import home
from shopstream.settings import Settings, load_settings

# The sources live in the project checkout (the bootstrap builds from there; an installed package ships
# the built jar, e.g. the docker image builds it): java/ under SHOPSTREAM_HOME or the working directory.
JAVA_SOURCES = home() / "java" / "src" / "main" / "java"
JAVA_RELEASE = "17"
# The generic operators the jar holds, by their SQL name: every job registers them (a product's SQL calls them).
FUNCTIONS = {"rolling_tiles": "io.shopstream.operators.RollingTiles"}
STAMP_ENTRY = "META-INF/shopstream-sources.sha256"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # jar entries get one date, so equal sources give an equal jar


@dataclass(frozen=True)
class BuildResult:
    jar: Path
    built: bool      # False: the jar was already up to date
    sources: int


def flink_lib_dir() -> Path:
    """``pyflink/lib`` of the installed apache-flink (found without starting anything)."""
    spec = importlib.util.find_spec("pyflink")
    if spec is None or not spec.submodule_search_locations:
        raise FlinkSetupError("apache-flink is not installed in this Python environment (no pyflink package)")
    lib = Path(next(iter(spec.submodule_search_locations))) / "lib"
    if not any(lib.glob("flink-dist*.jar")):
        raise FlinkSetupError(f"no flink-dist jar in {lib}: the apache-flink installation looks incomplete")
    return lib


def java_sources(root: Path = JAVA_SOURCES) -> list[Path]:
    return sorted(root.rglob("*.java"))


def classpath(settings: Settings) -> list[Path]:
    """The jars the operators compile against: pyflink/lib and the Kafka connector, where present."""
    jars = sorted(flink_lib_dir().glob("*.jar"))
    jars_dir = settings.path(settings.stack.jars_dir)
    jars += [jars_dir / name for name in CONNECTOR_JARS if (jars_dir / name).is_file()]
    return jars


def sources_hash(sources: list[Path], root: Path, compile_against: list[Path]) -> str:
    """What the jar is built from: each source's path and bytes, the Java release, and the names of the
    jars compiled against (a Flink upgrade changes them, and so rebuilds)."""
    h = hashlib.sha256(f"release={JAVA_RELEASE}\n".encode())
    for jar in compile_against:
        h.update(f"cp={jar.name}\n".encode())
    for src in sources:
        h.update(f"src={src.relative_to(root).as_posix()}\n".encode())
        h.update(src.read_bytes())
    return h.hexdigest()


def jar_stamp(jar: Path) -> str | None:
    """The sources hash recorded in ``jar``, or None if it has none (or is no jar)."""
    try:
        with zipfile.ZipFile(jar) as z:
            return z.read(STAMP_ENTRY).decode().strip()
    except (FileNotFoundError, KeyError, zipfile.BadZipFile):
        return None


def build(settings: Settings, *, force: bool = False, root: Path = JAVA_SOURCES) -> BuildResult:
    """Compile ``root`` into ``settings.stack.operators_jar`` unless the jar there has the same sources hash."""
    jar = settings.path(settings.stack.operators_jar)
    sources = java_sources(root)
    if not sources:
        raise FlinkSetupError(f"no Java sources under {root}")
    cp = classpath(settings)
    stamp = sources_hash(sources, root, cp)
    if not force and jar_stamp(jar) == stamp:
        return BuildResult(jar, False, len(sources))
    javac = shutil.which("javac")
    if javac is None:
        raise FlinkSetupError("javac not found: install a JDK 17 (Debian: apt-get install openjdk-17-jdk-headless) "
                              "to compile shopstream's Java operators")
    with tempfile.TemporaryDirectory(prefix="shopstream-javac-") as tmp:
        classes = Path(tmp) / "classes"
        classes.mkdir()
        argv = [javac, "--release", JAVA_RELEASE, "-parameters", "-g", "-encoding", "UTF-8", "-Xlint:all,-serial,-processing",
                "-d", str(classes), "-cp", ":".join(map(str, cp)), *map(str, sources)]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            raise FlinkSetupError(f"javac failed (exit {done.returncode}) compiling {root}:\n{done.stderr.strip()}")
        if done.stderr.strip():
            print(done.stderr.strip(), file=sys.stderr)
        jar.parent.mkdir(parents=True, exist_ok=True)
        partial = jar.with_name(jar.name + ".partial")
        write_jar(partial, classes, stamp)
        partial.replace(jar)  # atomic: a job never loads a half-written jar
    return BuildResult(jar, True, len(sources))


def write_jar(jar: Path, classes: Path, stamp: str) -> None:
    """A jar of every file under ``classes``, a manifest and the sources stamp, with fixed entry dates."""
    def entry(name: str, data: bytes) -> None:
        info = zipfile.ZipInfo(name, _FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)

    with zipfile.ZipFile(jar, "w") as z:
        entry("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\nCreated-By: shopstream.flink.operators\r\n\r\n")
        entry(STAMP_ENTRY, (stamp + "\n").encode())
        for path in sorted(p for p in classes.rglob("*") if p.is_file()):
            entry(path.relative_to(classes).as_posix(), path.read_bytes())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shopstream.flink.operators", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="compile java/ into settings stack.operators_jar (skipped when up to date)")
    b.add_argument("--force", action="store_true", help="compile even when the jar is up to date")
    args = parser.parse_args(argv)
    try:
        result = build(load_settings(), force=args.force)
    except FlinkSetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    state = "built" if result.built else "up to date"
    print(f"{result.jar}: {state} ({result.sources} Java sources)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
