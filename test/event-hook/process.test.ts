/** The receiver's entry point (client/event-hook/main.ts) as a process: its settings, start-up and stop. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../helpers/eventually.js';
import { testTemporal, type TestTemporal } from '../helpers/temporal.js';

const SECRET = 'process-test-secret-0123456789';

describe('event hook receiver process (client/event-hook/main.ts)', () => {
  let temporal: TestTemporal;
  before(async () => {
    temporal = await testTemporal();
  });
  after(() => temporal.close());

  const start = (env: Record<string, string>) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'client/event-hook/main.ts'], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: temporal.namespace,
        OKTA_ORG_URL: 'http://127.0.0.1:9',
        OKTA_API_TOKEN: 'unused-token',
        PAYLOAD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 3).toString('base64')}`,
        EVENT_HOOK_PORT: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (c: Buffer) => (output.stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output.stderr += c.toString()));
    return { child, output };
  };

  it('refuses to start without EVENT_HOOK_SECRET, or with a short one it does not print', async () => {
    for (const secret of ['', 'short-secret']) {
      const { child, output } = start({ EVENT_HOOK_SECRET: secret });
      const [code] = (await once(child, 'exit')) as [number];
      assert.equal(code, 2);
      assert.match(output.stderr, /EVENT_HOOK_SECRET/);
      assert.doesNotMatch(output.stdout + output.stderr, /short-secret/);
    }
  });

  it('listens where configured, checks the configured header, and stops on SIGTERM', async () => {
    const { child, output } = start({ EVENT_HOOK_SECRET: SECRET, EVENT_HOOK_AUTH_HEADER: 'X-Okta-Hook-Key' });
    try {
      const ready = await eventually('the ready line', async () => {
        const line = output.stdout.split('\n').find((l) => l.includes('event hook receiver ready'));
        return line ? (JSON.parse(line) as { url: string }) : undefined;
      }, 30_000);
      const verify = (headers: Record<string, string>) => fetch(ready.url, { headers: { 'X-Okta-Verification-Challenge': 'c-123', ...headers } });
      assert.equal((await verify({ Authorization: SECRET })).status, 401, 'the secret in the wrong header');
      const ok = await verify({ 'X-Okta-Hook-Key': SECRET });
      assert.deepEqual(await ok.json(), { verification: 'c-123' });
      assert.doesNotMatch(output.stdout, new RegExp(SECRET), 'the secret is never logged');
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0);
  });
});
