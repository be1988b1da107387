/**
 * Loaded once per workflow thread and shared by every run (the bundle's `preloadModules`): otherwise
 * each cached run evaluates zod again in a module cache of its own: about 0.7 MB of the 1.6 MB a
 * cached run holds, allocated again by every new run in a storm (docs/benchmarks.md).
 *
 * The SDK deep-freezes what it shares, so nothing at run time may write to zod's own objects:
 * - jitless: otherwise zod compiles object schemas into generated code on first use (code
 *   generation inside the sandbox), after probing for it in a shared object;
 * - zod sets its defaults (locale, memoizer) in its shared config when the first schema is built,
 *   so one is built and used here, before the freeze;
 * - format checks reset `lastIndex` on their pattern, so workflow schemas give formats a pattern of
 *   their own (see `email` in self-service/messages.ts) instead of zod's shared one.
 * test/shared-zod.test.ts runs every workflow schema in a frozen copy of this setting.
 */
import { z } from 'zod';

z.config({ jitless: true });
z.object({ s: z.string().min(1), n: z.number().optional(), e: z.enum(['a']), a: z.array(z.union([z.string(), z.null()])) }).safeParse({ s: '', a: [1] });

/**
 * Computes now every value zod computes on a schema's first use (internals such as `optin` or
 * `propValues`, and `shape`): a schema kept for every run (built-once.ts) must not be left half
 * done. zod shadows such a value while computing it and removes the shadow on return or throw, but
 * a workflow task stopped by the isolate's execution timeout skips both, and the shadow would then
 * answer `undefined` in every later run of the thread. Reads every getter the prototypes of the
 * schema's objects define (zod's lazy values are all getters there), nothing else.
 */
export function settleSchema(root: unknown): void {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object' || seen.has(node) || node instanceof RegExp) continue;
    seen.add(node);
    for (let proto = Object.getPrototypeOf(node) as object | null; proto && proto !== Object.prototype && proto !== Array.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
      for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
        if (descriptor.get) stack.push((node as Record<string, unknown>)[key]);
      }
    }
    // Own keys, enumerable or not (a schema's `_zod` is not), as the sandbox's freeze walks them.
    for (const key of Object.getOwnPropertyNames(node)) stack.push((node as Record<string, unknown>)[key]);
  }
}
