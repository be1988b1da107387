/**
 * zod is shared by every workflow run in a worker (workflows/zod-shared.ts, the bundle's
 * `preloadModules`), and the SDK deep-freezes what it shares. A schema that makes zod write to its
 * own objects at run time would throw a TypeError inside a workflow: a workflow task failing on
 * every retry. This file freezes zod's modules the way the sandbox does, then runs every schema the
 * workflow modules export over valid and hostile values. No server: it is the sandbox's rule, not
 * the server, under test; the suite's real workers run the same bundle.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';

/** The sandbox's freeze (the SDK's reusable VM): own properties of objects, recursively; functions themselves only. */
function deepFreeze(value: unknown, seen = new WeakSet<object>()): void {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
  if (seen.has(value) || Object.isFrozen(value)) return;
  seen.add(value);
  if (typeof value === 'object') {
    for (const key of [...Object.getOwnPropertyNames(value), ...Object.getOwnPropertySymbols(value)]) {
      try {
        deepFreeze((value as Record<PropertyKey, unknown>)[key], seen);
      } catch {
        // Some objects cannot be frozen (typed arrays): the sandbox skips them too.
      }
    }
  }
  // A module namespace (`export * as locales`) cannot be frozen in Node; webpack's stand-in for it is a plain object the sandbox freezes.
  if (Object.prototype.toString.call(value) !== '[object Module]') Object.freeze(value);
}

// As the bundle's preload: the shared setup first, then zod's modules frozen, then the workflow modules (per run).
await import('../workflows/zod-shared.js');
const zodDir = new URL('../node_modules/zod/', import.meta.url);
for (const dir of ['v4/core/', 'v4/classic/', 'v4/locales/']) {
  for (const file of readdirSync(new URL(dir, zodDir)).filter((f) => f.endsWith('.js'))) {
    const exported = (await import(pathToFileURL(new URL(dir + file, zodDir).pathname).href)) as Record<string, unknown>;
    for (const value of Object.values(exported)) deepFreeze(value);
  }
}
const workflowModules = {
  lockoutMessages: await import('../workflows/lockout/messages.js'),
  policies: await import('../workflows/lockout/policies.js'),
  logEvent: await import('../workflows/lockout/log-event.js'),
  pollerState: await import('../workflows/lockout/poller-state.js'),
  poller: await import('../workflows/lockout/poller.js'),
  handOver: await import('../workflows/lockout/hand-over.js'),
  unlock: await import('../workflows/lockout/unlock.js'),
  selfService: await import('../workflows/self-service/messages.js'),
};

const schemas = Object.entries(workflowModules).flatMap(([module, exported]) =>
  Object.entries(exported as Record<string, unknown>)
    .filter((entry): entry is [string, z.ZodType] => entry[1] instanceof z.ZodType)
    .map(([name, schema]) => ({ name: `${module}.${name}`, schema })),
);

const hostile: unknown[] = [
  undefined,
  null,
  0,
  -1,
  Number.NaN,
  'x',
  '',
  'a'.repeat(10_000),
  [],
  [1, 'two', {}],
  {},
  { id: '00u1', email: 'ann@example.com', login: 'ann@example.com', uuid: 'u-1', published: '2026-11-29T00:00:00.000Z' },
  { __proto__: { polluted: true } },
  Object.create(null),
];

describe('workflow schemas in the sandbox, with zod frozen', () => {
  it('finds the workflow schemas', () => {
    assert.ok(schemas.length >= 20, `${schemas.length} schemas found`);
  });

  it('every schema answers valid and hostile values without throwing', () => {
    for (const { name, schema } of schemas) {
      for (const value of hostile) {
        // The error is built when first read: its message formatting runs under the freeze too.
        assert.doesNotThrow(() => {
          const result = schema.safeParse(value);
          if (!result.success) z.prettifyError(result.error);
        }, `${name} on ${JSON.stringify(value)?.slice(0, 40)}`);
      }
    }
  });

  it('no schema checks a format against a pattern zod shares (frozen: the check resets its lastIndex)', () => {
    // Hostile values rarely reach a format nested in an object: look for the patterns themselves.
    const frozen: string[] = [];
    const seen = new WeakSet<object>();
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object' || seen.has(node)) return;
      seen.add(node);
      if (node instanceof RegExp) {
        if (Object.isFrozen(node)) frozen.push(`${path}: ${node.source.slice(0, 40)}`);
        return;
      }
      const internals = (node as { _zod?: { def?: unknown } })._zod;
      if (internals?.def) return walk(internals.def, path);
      for (const [key, value] of Object.entries(node)) walk(value, `${path}.${key}`);
    };
    for (const { name, schema } of schemas) walk(schema, name);
    assert.deepEqual(frozen, []);
  });

  it('checks formats with patterns of the run, not zod frozen ones (an email, a timestamp)', () => {
    const { RequesterSchema } = workflowModules.selfService;
    assert.equal(RequesterSchema.safeParse({ chatUserId: 'U-1', email: 'ann@example.com' }).success, true);
    assert.equal(RequesterSchema.safeParse({ chatUserId: 'U-1', email: 'not-an-email' }).success, false);
    assert.equal(RequesterSchema.safeParse({ chatUserId: 'U-1', email: 'ann@example' }).success, false, "zod's own pattern: a domain needs a top-level part");
    const { ResetCursorSchema } = workflowModules.lockoutMessages;
    assert.equal(ResetCursorSchema.safeParse({ since: '2026-11-29T00:00:00.000Z' }).success, true);
    assert.equal(ResetCursorSchema.safeParse({ since: 'yesterday' }).success, false);
  });
});
