#!/usr/bin/env bash
# Runs a benchmark against the suite's dev server (started here when none runs): `npm run bench -- NAME`
# with NAME one of bench/*.ts (default: spray). Settings come from BENCH_* variables (see each script).
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:-spray}"
[ -f "bench/$name.ts" ] || { echo "no benchmark bench/$name.ts (have: $(ls bench | sed 's/\.ts$//' | tr '\n' ' '))" >&2; exit 2; }
SKIP_STATIC=1 exec bash scripts/test.sh --run "bench/$name.ts"
