/**
 * `npm start -- --detach` returns only once what it printed is ready: right after it returns, the HTTP
 * API takes a request, the worker is ready, and the codec server answers the Web UI with the generated
 * token. Runs the real script on ports of its own, reusing the suite's Temporal server.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { lockoutPollerWorkflowId } from '../workflows/lockout/messages.js';
import { freeLoopbackPort } from '../workers/telemetry.js';
import { testTemporal, type TestTemporal } from './helpers/temporal.js';

const run = promisify(execFile);

describe('npm start -- --detach', () => {
  let temporal: TestTemporal;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let ports: Record<'sim' | 'api' | 'codec' | 'health' | 'hook', number>;
  let started = false;

  before(async () => {
    temporal = await testTemporal();
    dataDir = mkdtempSync(join(tmpdir(), 'oaa-start-'));
    const [sim, api, codec, health, hook] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];
    ports = { sim: sim!, api: api!, codec: codec!, health: health!, hook: hook! };
    const queue = `start-${randomUUID().slice(0, 8)}`;
    env = {
      ...process.env,
      DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: queue,
      TEMPORAL_OKTA_TASK_QUEUE: `${queue}-okta`,
      TEMPORAL_OKTA_LOG_TASK_QUEUE: `${queue}-okta-logs`,
      OKTA_SIM_PORT: String(ports.sim),
      OKTA_SIM_SEED: `start-${randomUUID()}`,
      HTTP_API_PORT: String(ports.api),
      CODEC_SERVER_PORT: String(ports.codec),
      WORKER_HEALTH_PORT: String(ports.health),
      EVENT_HOOK_PORT: String(ports.hook),
      LOG_LEVEL: 'WARN',
      // A slow machine, made on purpose: the API and the worker take 3 s longer to start.
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${new URL('./helpers/slow-start.mjs', import.meta.url).href}`.trim(),
      SLOW_START_MS: '3000',
    };
    for (const name of ['OKTA_ORG_URL', 'OKTA_API_TOKEN', 'PAYLOAD_ENCRYPTION_KEYS', 'CODEC_SERVER_TOKEN', 'HTTP_API_TOKENS', 'HTTP_API_APPROVER_TOKENS', 'WEB_USERS', 'HELPDESK_LOGINS']) delete env[name];
  });
  after(async () => {
    if (started) {
      await run('bash', ['scripts/stop.sh'], { env }).catch(() => undefined);
      await temporal.client.workflow.getHandle(lockoutPollerWorkflowId(`http://127.0.0.1:${ports.sim}`)).terminate('test done').catch(() => undefined);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('returns with everything it printed ready, and the Web UI given a codec token', async () => {
    started = true;
    const { stdout } = await run('bash', ['scripts/start.sh', '--detach'], { env, timeout: 240_000 });
    // No waiting here: the script's word is the contract.
    const api = await fetch(`http://127.0.0.1:${ports.api}/v1/password-resets`, {
      method: 'POST',
      headers: { Authorization: 'Bearer demo-frontend-token-change-me', 'Content-Type': 'application/json', 'Idempotency-Key': `start-${randomUUID()}` },
      body: JSON.stringify({ requester: { chatUserId: 'U123ALICE', email: 'alice@example.com' } }),
    });
    assert.equal(api.status, 200, await api.text());
    assert.equal((await fetch(`http://127.0.0.1:${ports.health}/readyz`)).status, 200);
    // The web chat and the console are served and printed; the demo people can sign in.
    assert.match(stdout, new RegExp(`Web chat +http://127\\.0\\.0\\.1:${ports.api}/web/ `));
    assert.match(stdout, new RegExp(`Helpdesk console +http://127\\.0\\.0\\.1:${ports.api}/web/console `));
    assert.match(await (await fetch(`http://127.0.0.1:${ports.api}/web/console`)).text(), /<title>Helpdesk console<\/title>/);
    const signIn = await fetch(`http://127.0.0.1:${ports.api}/web/api/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'carol@example.com', token: 'carol-demo-token-change-me' }),
    });
    assert.equal(signIn.status, 200, await signIn.clone().text());
    assert.equal(((await signIn.json()) as { helpdesk: boolean }).helpdesk, true);
    assert.equal((await fetch(`http://127.0.0.1:${ports.codec}/livez`)).status, 200);

    const token = readFileSync(join(dataDir, 'codec-server-token'), 'utf8');
    assert.ok(token.length >= 32);
    assert.ok(!stdout.includes(token), 'the token is not printed');
    assert.match(readFileSync(join(dataDir, 'local-system.env'), 'utf8'), new RegExp(`^CODEC_SERVER_TOKEN=${token}$`, 'm'));
    const decode = (path: string) =>
      fetch(`http://127.0.0.1:${ports.codec}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"payloads":[]}' });
    assert.equal((await decode('/decode')).status, 401, 'no token: no decoding');
    assert.equal((await decode(`/t/${token}/decode`)).status, 200, 'the endpoint the Web UI is given works');
  });
});
