#!/usr/bin/env bash
# Prints the path of a Temporal CLI, building one with Go when none is installed.
# Order: $TEMPORAL_CLI, `temporal` on PATH, the project-local .tools/bin/temporal, then
# `go install` of v1.5.1 (later releases carry a `replace` directive that `go install` refuses).
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_CLI_VERSION=v1.5.1
local_bin="$PWD/.tools/bin/temporal"

if [ -n "${TEMPORAL_CLI:-}" ]; then
  [ -x "$TEMPORAL_CLI" ] || { echo "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file" >&2; exit 1; }
  echo "$TEMPORAL_CLI"; exit 0
fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [ -x "$local_bin" ]; then echo "$local_bin"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  echo "No Temporal CLI found: install Go 1.22+ (https://go.dev/dl/) so this script can build one, or set TEMPORAL_CLI to a temporal binary." >&2
  exit 1
fi
echo "== building the Temporal CLI $TEMPORAL_CLI_VERSION with Go (first time only, a few minutes)" >&2
start=$(date +%s)
mkdir -p "$PWD/.tools/bin"
# Builds into a temporary folder first so an interrupted build never leaves a half-written binary.
tmp_gobin="$(mktemp -d "$PWD/.tools/gobin.XXXXXX")"
GOBIN="$tmp_gobin" go install -trimpath -ldflags="-s -w" "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" >&2
mv "$tmp_gobin/temporal" "$local_bin"
rmdir "$tmp_gobin"
echo "== built $local_bin in $(( $(date +%s) - start ))s ($(du -h "$local_bin" | cut -f1))" >&2
echo "$local_bin"
