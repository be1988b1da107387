#!/usr/bin/env bash
# `npm run cluster`: a real Temporal cluster on one machine, on PostgreSQL, every service in its own
# process: frontend, two history processes, matching and worker. Registers the namespace and the
# project's search attributes. Safe to run twice: whatever runs is kept, whatever died is started
# again (e.g. a history process killed by the cluster test). Stop with `npm run cluster:stop`.
# Data and logs under .data/cluster/. Config: deploy/cluster/cluster.yaml + dynamicconfig.yaml.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/cluster/env.sh
source scripts/cluster/postgres.sh

started_at=$(date +%s)
mkdir -p "$CLUSTER_RUN" "$CLUSTER_LOGS"
tools="$(bash scripts/cluster/tools.sh)" # fails the script when a build fails (a pipe would not)
SERVER_BIN=$(sed -n 1p <<<"$tools") SQL_BIN=$(sed -n 2p <<<"$tools")
TEMPORAL_BIN="$(bash scripts/temporal-cli.sh)"
ensure_pg_binaries
ensure_pg_user
start_postgres

# Schemas ship in the server's Go module (downloaded by the build above).
server_version=${SERVER_BIN##*-}
schema_dir="$(go env GOMODCACHE)/go.temporal.io/server@$server_version/schema/postgresql/v12"
# Binaries kept but the module cache cleaned: fetch the module (schemas only, no build).
[ -d "$schema_dir" ] || (cd /tmp && go mod download "go.temporal.io/server@$server_version" >&2)
sql_tool() { SQL_PASSWORD="$CLUSTER_PG_PASSWORD" "$SQL_BIN" --plugin postgres12 --ep 127.0.0.1 -p "$CLUSTER_PG_PORT" -u temporal "$@"; }
for db in temporal visibility; do
  name=$([ "$db" = temporal ] && echo temporal || echo temporal_visibility)
  marker="$CLUSTER_DIR/postgres/schema-$name.created"
  if [ ! -f "$marker" ]; then
    # Tolerates a database left by an interrupted first run; setup-schema then says what is wrong.
    sql_tool --db "$name" create-database >>"$CLUSTER_LOGS/schema.log" 2>&1 || true
    sql_tool --db "$name" setup-schema -v 0.0 >>"$CLUSTER_LOGS/schema.log" 2>&1 \
      || { tail -20 "$CLUSTER_LOGS/schema.log" >&2; exit 1; }
    touch "$marker"
  fi
  # Idempotent: applies only versions newer than the database's (also after a server upgrade).
  sql_tool --db "$name" update-schema -d "$schema_dir/$db/versioned" >>"$CLUSTER_LOGS/schema.log" 2>&1 \
    || { tail -20 "$CLUSTER_LOGS/schema.log" >&2; exit 1; }
done

# Ports every process must know (its own service's come from process_offset).
export CLUSTER_PG_PORT CLUSTER_PG_PASSWORD
export CLUSTER_DYNAMIC_CONFIG="$PWD/deploy/cluster/dynamicconfig.yaml"
export CLUSTER_FRONTEND_PORT=$CLUSTER_PORT_BASE CLUSTER_FRONTEND_MEMBERSHIP_PORT=$((CLUSTER_PORT_BASE + 1)) CLUSTER_FRONTEND_HTTP_PORT=$((CLUSTER_PORT_BASE + 2))
export CLUSTER_MATCHING_PORT=$((CLUSTER_PORT_BASE + 30)) CLUSTER_MATCHING_MEMBERSHIP_PORT=$((CLUSTER_PORT_BASE + 31))
export CLUSTER_WORKER_PORT=$((CLUSTER_PORT_BASE + 40)) CLUSTER_WORKER_MEMBERSHIP_PORT=$((CLUSTER_PORT_BASE + 41))

start_process() {
  local name=$1 service offset pid_file="$CLUSTER_RUN/$1.pid"
  service=$(process_service "$name") offset=$(process_offset "$name")
  if pid_alive "$pid_file"; then
    echo "$name already running (pid $(cat "$pid_file"))"
    return 0
  fi
  # A history process gets its own ports; the others see history-1's (they find peers by membership).
  local history_offset=10
  [ "$service" = history ] && history_offset=$offset
  CLUSTER_HISTORY_PORT=$((CLUSTER_PORT_BASE + history_offset)) \
  CLUSTER_HISTORY_MEMBERSHIP_PORT=$((CLUSTER_PORT_BASE + history_offset + 1)) \
  CLUSTER_METRICS_PORT=$((CLUSTER_PORT_BASE + offset + 9)) \
    setsid "$SERVER_BIN" -r "$PWD" -c deploy/cluster -e cluster --allow-no-auth start --service "$service" \
    >>"$CLUSTER_LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$pid_file"
  date +%s >"$CLUSTER_RUN/$name.started"
  echo "$name started (pid $!, gRPC 127.0.0.1:$((CLUSTER_PORT_BASE + offset)), log $CLUSTER_LOGS/$name.log)"
}
# On a fresh database every process writes the cluster's metadata as it starts; started together,
# the losers die on the duplicate key (cluster_metadata_info_pkey). The first one writes it alone.
metadata_written() {
  [ "$(PGPASSWORD="$CLUSTER_PG_PASSWORD" "$PG_BIN_DIR/psql" -h 127.0.0.1 -p "$CLUSTER_PG_PORT" -U temporal -d temporal -Atq -c \
    "select count(*) from cluster_metadata_info" 2>/dev/null)" -ge 1 ] 2>/dev/null
}
start_process "${CLUSTER_PROCESSES[0]}"
for _ in $(seq 1 120); do metadata_written && break; sleep 0.5; done
for name in "${CLUSTER_PROCESSES[@]:1}"; do start_process "$name"; done

if ! wait_for_temporal "$TEMPORAL_BIN" "$CLUSTER_ADDRESS" 90; then
  tail -20 "$CLUSTER_LOGS/frontend.log" >&2
  exit 1
fi

# Every process has joined the cluster: a membership row written by this very process (its port,
# a session that began after it started), so rows of an earlier run never count.
joined() { # name
  local port=$((CLUSTER_PORT_BASE + $(process_offset "$1") + 1)) since
  since=$(cat "$CLUSTER_RUN/$1.started")
  [ "$(PGPASSWORD="$CLUSTER_PG_PASSWORD" "$PG_BIN_DIR/psql" -h 127.0.0.1 -p "$CLUSTER_PG_PORT" -U temporal -d temporal -Atq -c \
    "select count(*) from cluster_membership where rpc_port = $port and session_start >= (to_timestamp($since) at time zone 'utc')" 2>/dev/null)" -ge 1 ] 2>/dev/null
}
for name in "${CLUSTER_PROCESSES[@]}"; do
  for _ in $(seq 1 120); do joined "$name" && break; sleep 0.5; done
  joined "$name" || { echo "$name did not join the cluster within 60s (log: $CLUSTER_LOGS/$name.log)" >&2; tail -5 "$CLUSTER_LOGS/$name.log" >&2; exit 1; }
done

t() { "$TEMPORAL_BIN" --address "$CLUSTER_ADDRESS" "$@"; }
if ! t operator namespace describe -n "$CLUSTER_NAMESPACE" >/dev/null 2>&1; then
  t operator namespace create -n "$CLUSTER_NAMESPACE" --retention 72h >/dev/null
  echo "namespace $CLUSTER_NAMESPACE registered"
fi
# A namespace just created takes a few seconds to reach every frontend cache: retry until it does.
register_search_attributes() {
  local existing sa
  existing="$(t operator search-attribute list -n "$CLUSTER_NAMESPACE" -o json 2>/dev/null)" || return 1
  for sa in "${SEARCH_ATTRIBUTES[@]}"; do
    grep -q "\"${sa%%=*}\"" <<<"$existing" && continue
    t operator search-attribute create -n "$CLUSTER_NAMESPACE" --name "${sa%%=*}" --type "${sa#*=}" >/dev/null 2>>"$CLUSTER_LOGS/cli.log" || return 1
    echo "search attribute ${sa%%=*} registered"
  done
}
for _ in $(seq 1 60); do register_search_attributes && break; sleep 0.5; done
register_search_attributes || { tail -5 "$CLUSTER_LOGS/cli.log" >&2; exit 1; }
# The frontend reads namespaces from a cache: wait until it serves this one.
for _ in $(seq 1 60); do t workflow list -n "$CLUSTER_NAMESPACE" --limit 1 >/dev/null 2>&1 && break; sleep 0.5; done
t workflow list -n "$CLUSTER_NAMESPACE" --limit 1 >/dev/null

cat <<MSG

Temporal cluster is up ($(( $(date +%s) - started_at ))s): frontend, history x2, matching, worker
  gRPC frontend    $CLUSTER_ADDRESS   namespace $CLUSTER_NAMESPACE
  processes        ${CLUSTER_PROCESSES[*]} (pids in $CLUSTER_RUN, logs in $CLUSTER_LOGS)
  PostgreSQL       127.0.0.1:$CLUSTER_PG_PORT (databases temporal, temporal_visibility)
  use it           TEMPORAL_ADDRESS=$CLUSTER_ADDRESS npm run worker
  stop             npm run cluster:stop
MSG
