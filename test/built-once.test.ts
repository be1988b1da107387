/**
 * Schemas built once per workflow thread (workflows/built-once.ts): a key gives the first value
 * built for it, so keys must be unique and name their module; the bundle the workers load must
 * preload the module, or every run would build its own (correct, but the storm's CPU goes back up:
 * bench/replay-cost.ts). No server: the replay test and every workflow test run the same bundle.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { builtOnce } from '../workflows/built-once.js';
import { suiteBundleCode } from './helpers/temporal.js';

const workflowsDir = new URL('../workflows/', import.meta.url);

/** Every `builtOnce('key', …)` in the workflow sources, with the file it is in (relative, without `.ts`). */
function keysInSources(): { file: string; key: string }[] {
  const found: { file: string; key: string }[] = [];
  for (const entry of readdirSync(workflowsDir, { recursive: true }) as string[]) {
    if (!entry.endsWith('.ts') || entry === 'built-once.ts') continue;
    const text = readFileSync(new URL(entry, workflowsDir), 'utf8');
    for (const m of text.matchAll(/builtOnce\(\s*'([^']*)'/g)) found.push({ file: entry.replace(/\.ts$/, ''), key: m[1]! });
    // At the top level, one constant each: a call in a function would give every caller the first caller's value.
    const calls = text.match(/builtOnce\(/g)?.length ?? 0;
    assert.equal(calls, text.match(/^(export )?const \w+ = builtOnce\('[^']*', \(\) =>/gm)?.length ?? 0, `${entry}: every call is \`const X = builtOnce('key', () => ...)\` at the top level`);
  }
  return found;
}

describe('schemas built once per workflow thread', () => {
  it('builds a key once and gives the first value to every later caller', () => {
    let builds = 0;
    const first = builtOnce('test:value', () => ({ n: ++builds }));
    const again = builtOnce('test:value', () => ({ n: ++builds }));
    assert.equal(again, first);
    assert.equal(builds, 1);
    assert.notEqual(builtOnce('test:other', () => ({ n: ++builds })), first);
  });

  it('keeps a schema only once zod has computed what it computes on first use', () => {
    const schema = builtOnce('test:settled', () => z.object({ a: z.string().optional(), b: z.enum(['x', 'y']) }));
    // Own values, no longer the prototype's getters: a task stopped halfway through a first parse cannot leave one half done.
    assert.ok(Object.hasOwn(schema, 'shape'), 'shape');
    assert.ok(Object.hasOwn(schema._zod, 'propValues'), 'propValues');
    assert.ok(Object.hasOwn(schema.shape.a._zod, 'optin'), 'optin');
    assert.ok(Object.hasOwn(schema.shape.b._zod, 'values'), 'values');
    assert.equal(schema.safeParse({ b: 'x' }).success, true);
    assert.equal(schema.safeParse({ a: 1, b: 'x' }).success, false);
  });

  it('keys are unique and start with their module path', () => {
    const keys = keysInSources();
    assert.ok(keys.length >= 30, `${keys.length} keys found`);
    const seen = new Map<string, string>();
    for (const { file, key } of keys) {
      assert.ok(key.startsWith(`${file}:`), `${file}: key ${key} names its module`);
      assert.equal(seen.get(key), undefined, `${key} is used twice (${seen.get(key)} and ${file})`);
      seen.set(key, file);
    }
  });

  it('the bundle the workers load preloads built-once.ts (shared by every run of a thread)', async () => {
    const code = await suiteBundleCode();
    const preload = /function preloadModules\(\) \{([^}]*)\}/.exec(code)?.[1] ?? '';
    assert.match(preload, /"\.\/workflows\/zod-shared\.[jt]s"/);
    assert.match(preload, /"\.\/workflows\/built-once\.[jt]s"/);
    assert.ok(preload.indexOf('zod-shared') < preload.indexOf('built-once'), 'zod is set up before anything is built');
    // One copy: a second one (another path to the same file) would be evaluated per run, and build per run again.
    assert.equal(new Set(code.match(/"\.\/[^"\s]*built-once[^"\s]*"/g)).size, 1, 'one module id for built-once');
  });
});
