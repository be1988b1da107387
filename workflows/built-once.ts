/**
 * Values a workflow thread builds once and every run reuses: the contracts' zod schemas.
 *
 * With `reuseV8Context` each run evaluates the workflow modules in a module cache of its own, and
 * so does each rebuild of a run that left the worker's cache. In a storm most of an episode's tasks
 * are such rebuilds, and building the schemas again was about a third of each one's CPU
 * (bench/replay-cost.ts: 26.5 ms of CPU a replayed episode, 16.4 ms with them built once). This
 * module is loaded once per workflow thread (the bundle's `preloadModules`, see
 * workers/workflows-path.ts), so its map outlives the runs.
 *
 * Why not preload the schema modules themselves: the SDK deep-freezes what it preloads, and zod
 * writes to a schema after it is built (lazily computed internals, `lastIndex` reset on its
 * patterns before each format check), which a frozen schema refuses with a TypeError: a workflow
 * task failing on every retry. The values kept here are reached only through this closure, so
 * nothing freezes them.
 *
 * Only values that do not differ between runs may be kept: a builder runs inside whichever run
 * first needs it, and the value keeps what the builder closes over (that run's module constants,
 * such as a pattern) for every later run. So no run state (workflow info, time, randomness) and no
 * callbacks over module state (`.refine`, `.transform`). Calls sit at the top level of a module and
 * their keys name the module and the value (test/built-once.test.ts checks both), since a repeated
 * key returns the first value.
 */
import { settleSchema } from './zod-shared.js';

const built = new Map<string, unknown>();

export function builtOnce<T>(key: string, build: () => T): T {
  // Values are schemas, never undefined: one lookup tells kept from not.
  const kept = built.get(key);
  if (kept !== undefined) return kept as T;
  const value = build();
  // Kept only once complete: a task stopped while this runs stores nothing, and the next run builds again.
  settleSchema(value);
  built.set(key, value);
  return value;
}
