/**
 * Loaded once per workflow thread and shared by every run (the bundle's `preloadModules`): otherwise
 * each cached run evaluates zod again in a module cache of its own: about 0.7 MB of the 1.6 MB a
 * cached run holds, allocated again by every new run in a storm (docs/benchmarks.md).
 *
 * The SDK deep-freezes what it shares, so nothing at run time may write to zod's own objects:
 * - jitless: otherwise zod compiles each run's object schemas into generated code on first use (more
 *   memory per run, and code generation inside the sandbox), after probing for it in a shared object;
 * - zod sets its defaults (locale, memoizer) in its shared config when the first schema is built,
 *   so one is built and used here, before the freeze;
 * - format checks reset `lastIndex` on their pattern, so workflow schemas give formats a pattern of
 *   their own (see `email` in self-service/messages.ts) instead of zod's shared one.
 * test/shared-zod.test.ts runs every workflow schema in a frozen copy of this setting.
 */
import { z } from 'zod';

z.config({ jitless: true });
z.object({ s: z.string().min(1), n: z.number().optional(), e: z.enum(['a']), a: z.array(z.union([z.string(), z.null()])) }).safeParse({ s: '', a: [1] });
