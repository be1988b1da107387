/**
 * How many workflow runs a worker keeps cached, from its heap limit.
 *
 * A cached lockout episode adds about 0.35 MB to the worker's RSS (300 parked episodes,
 * docs/benchmarks.md; pollers and hand-overs hold more state): the schemas are built once per
 * workflow thread (workflows/built-once.ts) and zod is loaded once for all runs
 * (workflows/zod-shared.ts); when each run built the schemas in a module cache of its own, 1.2 MB.
 * The count below keeps 2 MB a run. A fixed cache larger than the heap holds ends in an
 * out-of-memory exit of the workflow thread as soon as a storm keeps that many episodes open (the
 * ask-user policy waits 15 minutes per episode), and the worker with it.
 */
import { getHeapStatistics } from 'node:v8';

/** Heap per cached run, counted generously: what one holds and the garbage its activations leave between collections. */
const MB_PER_CACHED_RUN = 2;
/**
 * V8's heap limit is `--max-old-space-size` plus the young generation (48 MB on a large machine):
 * that, the workflow thread's own floor (the bundle, the SDK) and headroom for a task's allocations.
 */
const RESERVED_MB = 144;
const MIN_CACHED = 10;
const MAX_CACHED = 250;

const heapLimitMb = () => getHeapStatistics().heap_size_limit / 1_048_576;

/** How many runs a heap holds, uncapped. */
function runsHeld(limitMb: number): number {
  return Math.floor((limitMb - RESERVED_MB) / MB_PER_CACHED_RUN);
}

export function cachedWorkflowsForHeap(limitMb: number): number {
  return Math.max(MIN_CACHED, Math.min(MAX_CACHED, runsHeld(limitMb)));
}

/** The configured cache size, or what this process's heap limit holds (144 runs with `--max-old-space-size=384`). */
export function maxCachedWorkflows(configured: number | undefined): number {
  return configured ?? cachedWorkflowsForHeap(heapLimitMb());
}

/**
 * A configured cache larger than the heap holds is obeyed (the operator's choice), but said at
 * start: a storm that fills it ends in an out-of-memory exit, long after the setting was made.
 */
export function cacheOverHeapWarning(configured: number | undefined, limitMb = heapLimitMb()): string | undefined {
  const held = Math.max(MIN_CACHED, runsHeld(limitMb));
  if (configured === undefined || configured <= held) return undefined;
  return `WORKER_MAX_CACHED_WORKFLOWS=${configured} is more than a ${Math.round(limitMb)} MB heap holds (about ${held} runs): a storm that keeps that many episodes open can exhaust it; unset it or raise --max-old-space-size`;
}
