#!/usr/bin/env bash
# Prints the paths of the Temporal server and its SQL schema tool (one per line), building them
# with Go into .tools/bin when missing. Builds go to a temporary folder first, so an interrupted
# build never leaves a half-written binary; a second run finds them and does nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
TEMPORAL_SERVER_VERSION=v1.29.1
bin_dir="$PWD/.tools/bin"
server_bin="$bin_dir/temporal-server-$TEMPORAL_SERVER_VERSION"
sql_bin="$bin_dir/temporal-sql-tool-$TEMPORAL_SERVER_VERSION"

build() { # package output-path
  local pkg=$1 out=$2 tmp start
  [ -x "$out" ] && return 0
  command -v go >/dev/null 2>&1 || { echo "Go 1.24+ is needed to build $pkg (https://go.dev/dl/)" >&2; exit 1; }
  echo "== building $pkg@$TEMPORAL_SERVER_VERSION with Go (first time only, a few minutes)" >&2
  start=$(date +%s)
  mkdir -p "$bin_dir"
  tmp="$(mktemp -d "$bin_dir/../gobin.XXXXXX")"
  GOBIN="$tmp" go install -trimpath -ldflags="-s -w" "$pkg@$TEMPORAL_SERVER_VERSION" >&2
  mv "$tmp/$(basename "$pkg")" "$out"
  rmdir "$tmp"
  echo "== built $out in $(( $(date +%s) - start ))s" >&2
}

build go.temporal.io/server/cmd/server "$server_bin"
build go.temporal.io/server/cmd/tools/sql "$sql_bin"
echo "$server_bin"
echo "$sql_bin"
