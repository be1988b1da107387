/**
 * Values a workflow thread builds once and every run reuses: the contracts' zod schemas.
 *
 * With `reuseV8Context` each run evaluates the workflow modules in a module cache of its own, and
 * so does each rebuild of a run that left the worker's cache. In a storm most of an episode's tasks
 * are such rebuilds, and building the schemas again was a fifth of each (bench/replay-cost.ts),
 * plus the garbage. This module is loaded once per workflow thread (the bundle's `preloadModules`,
 * see workers/workflows-path.ts), so its map outlives the runs.
 *
 * Why not preload the schema modules themselves: the SDK deep-freezes what it preloads, and zod
 * writes to a schema after it is built (lazily computed internals, `lastIndex` reset on its
 * patterns before each format check), which a frozen schema refuses with a TypeError: a workflow
 * task failing on every retry. The values kept here are reached only through this closure, so
 * nothing freezes them.
 *
 * Only pure values may be kept: a builder runs inside whichever run first needs it and must not
 * read that run's state (workflow info, time, randomness). Keys name the module and the value
 * (test/built-once.test.ts checks they are unique), since a repeated key returns the first value.
 */
const built = new Map<string, unknown>();

export function builtOnce<T>(key: string, build: () => T): T {
  if (built.has(key)) return built.get(key) as T;
  const value = build();
  built.set(key, value);
  return value;
}
