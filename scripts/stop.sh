#!/usr/bin/env bash
# Stops what `npm start` started: the worker, HTTP API, event hook receiver, Okta simulator and Temporal dev server.
set -uo pipefail
cd "$(dirname "$0")/.."
DATA_DIR="${DATA_DIR:-.data}"
for name in worker okta-sim http-api event-hook slack-app; do
  pid_file="$DATA_DIR/$name.pid"
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    kill -TERM -- "-$(cat "$pid_file")" 2>/dev/null || kill -TERM "$(cat "$pid_file")"
    echo "$name stopped"
  fi
  rm -f "$pid_file"
done
bash scripts/temporal-dev.sh stop
