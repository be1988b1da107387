#!/usr/bin/env bash
# Runs a local Temporal dev server for the demo: state in a SQLite file under .data/ (it survives
# restarts), gRPC on 7233, the Web UI on 8233, the project's search attributes registered.
#   scripts/temporal-dev.sh start   # in the background; returns once the server answers
#   scripts/temporal-dev.sh stop
#   scripts/temporal-dev.sh status
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

PORT="${TEMPORAL_DEV_PORT:-7233}"
UI_PORT="${TEMPORAL_DEV_UI_PORT:-8233}"
ADDRESS="127.0.0.1:$PORT"
DATA_DIR="${DATA_DIR:-.data}"
PID_FILE="$DATA_DIR/temporal.pid"
LOG_FILE="$DATA_DIR/logs/temporal.log"
mkdir -p "$DATA_DIR/logs"

bin="$(bash scripts/temporal-cli.sh)"

case "${1:-start}" in
  start)
    if temporal_ready "$bin" "$ADDRESS"; then
      echo "Temporal already running at $ADDRESS (Web UI http://localhost:$UI_PORT)"
      exit 0
    fi
    codec_flags=()
    [ -n "${TEMPORAL_UI_CODEC_ENDPOINT:-}" ] && codec_flags=(--ui-codec-endpoint "$TEMPORAL_UI_CODEC_ENDPOINT")
    # setsid: the server gets its own process group, so stopping the start script's children never races it.
    setsid "$bin" server start-dev --ip 127.0.0.1 --port "$PORT" --ui-port "$UI_PORT" \
      --db-filename "$DATA_DIR/temporal.sqlite" --log-level warn \
      $(search_attribute_flags) $(dev_server_config_flags) "${codec_flags[@]}" \
      >>"$LOG_FILE" 2>&1 < /dev/null &
    echo $! >"$PID_FILE"
    if ! wait_for_temporal "$bin" "$ADDRESS" 60; then
      tail -20 "$LOG_FILE" >&2
      exit 1
    fi
    echo "Temporal dev server at $ADDRESS, Web UI http://localhost:$UI_PORT (data: $DATA_DIR/temporal.sqlite, log: $LOG_FILE)"
    ;;
  stop)
    if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
      kill "$(cat "$PID_FILE")"
      for _ in $(seq 1 40); do kill -0 "$(cat "$PID_FILE")" 2>/dev/null || break; sleep 0.25; done
      echo "Temporal dev server stopped"
    else
      echo "Temporal dev server not running (from this folder)"
    fi
    rm -f "$PID_FILE"
    ;;
  status)
    if temporal_ready "$bin" "$ADDRESS"; then echo "running at $ADDRESS"; else echo "not running"; exit 1; fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
