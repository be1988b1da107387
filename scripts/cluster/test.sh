#!/usr/bin/env bash
# `npm run test:cluster`: the cluster test (test-cluster/), outside `npm test` because it takes
# minutes: it starts the local Temporal cluster when it is not running (and stops it afterwards),
# two worker processes and the Okta simulator, and kills a history process and a worker mid-run.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
ensure_node_modules
TEMPORAL_CLI="$(bash scripts/temporal-cli.sh)"
export TEMPORAL_CLI
files=("$@")
[ ${#files[@]} -gt 0 ] || mapfile -t files < <(find test-cluster -name '*.test.ts' | sort)
node --import tsx --test --test-reporter=spec "${files[@]}"
