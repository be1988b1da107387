/** Entry points fail with one readable message: no Temporal server, credentials in URLs (never printed). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { TEST_KEY } from './self-service/helpers.js';

async function run(entry: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, PAYLOAD_ENCRYPTION_KEYS: TEST_KEY, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  return { code, out };
}

describe('entry points under bad settings', () => {
  it('HTTP API and worker: an unreachable Temporal is one readable line, not a gRPC stack trace', async () => {
    const entries = ['client/http-api/main.ts', 'workers/main.ts'];
    const results = await Promise.all(entries.map((entry) => run(entry, { TEMPORAL_ADDRESS: '127.0.0.1:1', HTTP_API_TOKENS: 'demo:demo-frontend-token-0123456789' })));
    for (const [i, { code, out }] of results.entries()) {
      const entry = entries[i];
      assert.equal(code, 2, `${entry}: ${out}`);
      assert.match(out, /TEMPORAL_ADDRESS: no Temporal server answered at 127\.0\.0\.1:1/);
      assert.doesNotMatch(out, /^\s+at /m, `${entry}: no stack trace`);
    }
  });

  it('an Okta org URL with user:password is refused and the password never printed', async () => {
    const { code, out } = await run('client/http-api/main.ts', { OKTA_ORG_URL: 'https://admin:hunter2@acme.okta.com', OKTA_API_TOKEN: 'tok' });
    assert.equal(code, 2);
    assert.match(out, /OKTA_ORG_URL: must not contain a user name or password/);
    assert.doesNotMatch(out, /hunter2/);
  });
});
