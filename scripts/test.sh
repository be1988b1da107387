#!/usr/bin/env bash
# Runs every check a change must pass: lint, typecheck, then all tests against one real
# Temporal dev server (started here, in memory, on its own ports) and the Okta simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_node_modules
TEMPORAL_BIN="$(bash scripts/temporal-cli.sh)"
# Temporal's Java test server for the time-skipping tests (fetched from Maven Central the first time).
JAVA_TEST_SERVER="$(bash scripts/java-test-server.sh)"
export JAVA_TEST_SERVER

# SKIP_STATIC=1 skips lint and typecheck while iterating on one test file (CI never sets it).
if [ -z "${SKIP_STATIC:-}" ]; then
  echo "== lint"
  npx --no-install eslint .
  echo "== typecheck"
  npx --no-install tsc --noEmit -p tsconfig.json
fi

# One dev server for the whole suite: separate ports from the demo so both can run at once.
export TEST_TEMPORAL_PORT="${TEST_TEMPORAL_PORT:-17233}"
export TEST_TEMPORAL_UI_PORT="${TEST_TEMPORAL_UI_PORT:-18233}"
export TEST_TEMPORAL_ADDRESS="127.0.0.1:${TEST_TEMPORAL_PORT}"
export TEST_TEMPORAL_NAMESPACE="${TEST_TEMPORAL_NAMESPACE:-default}"
mkdir -p .data/test
server_log=.data/test/temporal-server.log
started_server=0
if ! temporal_ready "$TEMPORAL_BIN" "$TEST_TEMPORAL_ADDRESS"; then
  "$TEMPORAL_BIN" server start-dev --headless --ip 127.0.0.1 --port "$TEST_TEMPORAL_PORT" \
    --ui-port "$TEST_TEMPORAL_UI_PORT" --log-level warn \
    $(search_attribute_flags) $(dev_server_config_flags) \
    --dynamic-config-value system.forceSearchAttributesCacheRefreshOnRead=true \
    >"$server_log" 2>&1 &
  server_pid=$!
  started_server=1
  trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true' EXIT
  wait_for_temporal "$TEMPORAL_BIN" "$TEST_TEMPORAL_ADDRESS" 60 || { cat "$server_log"; exit 1; }
fi
echo "== temporal dev server for tests at $TEST_TEMPORAL_ADDRESS (started here: $started_server)"

# Workflows are bundled once for the whole suite; each test file's worker loads this bundle.
export TEST_WORKFLOW_BUNDLE=.cache/test-workflow-bundle.js
npx --no-install tsx scripts/bundle-workflows.ts "$TEST_WORKFLOW_BUNDLE"

# `--run FILE` runs a script (e.g. the history recorder) against the same server instead of tests.
if [ "${1:-}" = "--run" ]; then
  shift
  node --import tsx "$@"
  exit
fi

mapfile -t files < <(find test -name '*.test.ts' | sort)
if [ "$#" -gt 0 ]; then files=("$@"); fi
echo "== ${#files[@]} test files"
node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-reporter=spec "${files[@]}"
