# Settings of the local Temporal cluster (sourced by up.sh and down.sh, not run).
# Every port is on 127.0.0.1. Per process: gRPC, membership, HTTP (frontend only) and metrics ports,
# from CLUSTER_PORT_BASE (default 7400): frontend +0.., history-1 +10.., history-2 +20.., matching
# +30.., worker +40... Membership ports must stay below 32768 (the server stores them as smallint).

CLUSTER_DIR="${CLUSTER_DATA_DIR:-$PWD/.data/cluster}"
CLUSTER_PORT_BASE="${CLUSTER_PORT_BASE:-7400}"
CLUSTER_PG_PORT="${CLUSTER_PG_PORT:-5499}"
CLUSTER_NAMESPACE="${CLUSTER_NAMESPACE:-default}"
CLUSTER_ADDRESS="127.0.0.1:$CLUSTER_PORT_BASE"
CLUSTER_RUN="$CLUSTER_DIR/run"
CLUSTER_LOGS="$CLUSTER_DIR/logs"
PGDATA_DIR="$CLUSTER_DIR/postgres/data"
# Separate processes, in start order; down.sh stops them in reverse.
CLUSTER_PROCESSES=(history-1 history-2 matching frontend worker)

if [ "$CLUSTER_PORT_BASE" -lt 1024 ] || [ "$CLUSTER_PORT_BASE" -gt 32700 ]; then
  echo "CLUSTER_PORT_BASE must be between 1024 and 32700 (membership ports are stored as smallint)" >&2
  exit 2
fi

# The Temporal service a process runs and the offset of its ports from CLUSTER_PORT_BASE.
process_service() { echo "${1%-[0-9]}"; }
process_offset() {
  case "$1" in
    frontend) echo 0 ;; history-1) echo 10 ;; history-2) echo 20 ;; matching) echo 30 ;; worker) echo 40 ;;
    *) echo "unknown cluster process $1" >&2; return 1 ;;
  esac
}

# True when the pid file names a live Temporal server process (not a reused pid).
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && grep -qa temporal-server "/proc/$(cat "$1")/cmdline" 2>/dev/null; }
