#!/usr/bin/env bash
# Render Flink's config.yaml from shopstream settings (SHOPSTREAM_* variables), then run the Flink image's
# own entrypoint, which applies FLINK_PROPERTIES on top and starts the JobManager or TaskManager.
set -euo pipefail
run_as_flink=()
[ "$(id -u)" = 0 ] && run_as_flink=(gosu flink)
"${run_as_flink[@]}" python -m shopstream.flink.cluster render-conf --output "${FLINK_HOME}/conf/config.yaml"
exec /docker-entrypoint.sh "$@"
