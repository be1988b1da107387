# PostgreSQL for the local cluster (sourced by up.sh and down.sh, not run). The server refuses to run
# as root, so as root (CI) it runs as an unprivileged system user, created when missing.

pg_bin_dir() {
  local dir
  for dir in "${PG_BIN:-}" /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

ensure_pg_binaries() {
  PG_BIN_DIR="$(pg_bin_dir)" && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing PostgreSQL 15 server binaries with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 >&2 \
      || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 >&2; }
    PG_BIN_DIR="$(pg_bin_dir)" && return 0
  fi
  echo "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: install PostgreSQL 12+ or set PG_BIN to their folder" >&2
  exit 1
}

# Runs a command as the PostgreSQL OS user (root can't run postgres).
PG_OS_USER=""
ensure_pg_user() {
  if [ "$(id -u)" != 0 ]; then PG_OS_USER="$(id -un)"; return 0; fi
  PG_OS_USER="${CLUSTER_PG_OS_USER:-postgres}"
  if ! id "$PG_OS_USER" >/dev/null 2>&1; then
    echo "== creating the system user $PG_OS_USER to run PostgreSQL (it refuses to run as root)" >&2
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
  fi
}
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$PG_OS_USER" -- "$@"; else "$@"; fi
}

pg_running() { [ -f "$PGDATA_DIR/PG_VERSION" ] && as_pg "$PG_BIN_DIR/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; }

# Creates the data folder once (user "temporal" with a generated password, loopback only) and starts it.
start_postgres() {
  local pw_file="$CLUSTER_DIR/postgres-password"
  mkdir -p "$CLUSTER_DIR/postgres"
  if [ ! -s "$pw_file" ]; then
    (umask 077 && node -e "process.stdout.write(require('crypto').randomBytes(24).toString('base64url'))" >"$pw_file")
  fi
  CLUSTER_PG_PASSWORD="$(cat "$pw_file")"
  [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$CLUSTER_DIR/postgres"
  if ! as_pg test -w "$CLUSTER_DIR/postgres"; then
    echo "the user $PG_OS_USER cannot write $CLUSTER_DIR/postgres (every parent folder must be searchable by it)" >&2
    exit 1
  fi
  if pg_running; then
    echo "PostgreSQL already running (port $CLUSTER_PG_PORT)"
    return 0
  fi
  if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
    local tmp_pw="$CLUSTER_DIR/postgres/initdb-password"
    (umask 077 && cp "$pw_file" "$tmp_pw")
    [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$tmp_pw"
    as_pg "$PG_BIN_DIR/initdb" -D "$PGDATA_DIR" -U temporal --pwfile="$tmp_pw" -E UTF8 --locale=C \
      --auth-host=scram-sha-256 --auth-local=scram-sha-256 >"$CLUSTER_LOGS/initdb.log" 2>&1 \
      || { rm -f "$tmp_pw"; cat "$CLUSTER_LOGS/initdb.log" >&2; exit 1; }
    rm -f "$tmp_pw"
  fi
  # Sockets inside the data folder: no need for /var/run/postgresql.
  as_pg "$PG_BIN_DIR/pg_ctl" -D "$PGDATA_DIR" -l "$CLUSTER_DIR/postgres/postgres.log" -w -t 60 \
    -o "-p $CLUSTER_PG_PORT -c listen_addresses=127.0.0.1 -k $PGDATA_DIR -c max_connections=200" start >/dev/null \
    || { tail -20 "$CLUSTER_DIR/postgres/postgres.log" >&2; exit 1; }
  echo "PostgreSQL started (127.0.0.1:$CLUSTER_PG_PORT, data $PGDATA_DIR, OS user $PG_OS_USER)"
}

stop_postgres() {
  if pg_running; then
    as_pg "$PG_BIN_DIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
    echo "PostgreSQL stopped"
  fi
}
