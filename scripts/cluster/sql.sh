#!/usr/bin/env bash
# Runs one SQL statement on the local cluster's persistence database and prints rows as `a|b|c`
# (for tests and operators: e.g. which history process owns which shard).
#   scripts/cluster/sql.sh "select shard_id, range_id from shards"
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/cluster/env.sh
source scripts/cluster/postgres.sh
PG_BIN_DIR="$(pg_bin_dir)"
PGPASSWORD="$(cat "$CLUSTER_DIR/postgres-password")" "$PG_BIN_DIR/psql" -h 127.0.0.1 -p "$CLUSTER_PG_PORT" -U temporal \
  -d "${CLUSTER_DB:-temporal}" -Atq -v ON_ERROR_STOP=1 -c "$1"
