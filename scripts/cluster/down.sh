#!/usr/bin/env bash
# `npm run cluster:stop`: stops the local Temporal cluster's processes (newest first) and PostgreSQL.
# `--purge` also deletes its data (.data/cluster), for a fresh start.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/cluster/env.sh
source scripts/cluster/postgres.sh

for ((i = ${#CLUSTER_PROCESSES[@]} - 1; i >= 0; i--)); do
  name=${CLUSTER_PROCESSES[$i]} pid_file="$CLUSTER_RUN/${CLUSTER_PROCESSES[$i]}.pid"
  if pid_alive "$pid_file"; then
    pid=$(cat "$pid_file")
    kill -TERM "$pid"
    for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "$name stopped"
  fi
  rm -f "$pid_file"
done
if PG_BIN_DIR="$(pg_bin_dir)"; then
  ensure_pg_user
  stop_postgres
fi
if [ "${1:-}" = "--purge" ]; then
  rm -rf -- "$CLUSTER_DIR"
  echo "deleted $CLUSTER_DIR"
fi
