#!/usr/bin/env bash
# Re-records the workflow histories under test/replay/histories (see test/replay/record-histories.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/test.sh --run test/replay/record-histories.ts "$@"
