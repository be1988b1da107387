import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import { createDataConverter } from '../client/data-converter.js';
import { startOktaSimulator, type OktaSimulator } from '../okta-sim/index.js';
import { loadConfig } from '../temporal.config.js';
import { diagnosticsWorkflow, diagnosticsWorkflowId } from '../workflows/diagnostics.js';
import { handOverStateQuery, lockoutHandOverWorkflow } from '../workflows/lockout/hand-over.js';
import { eventually } from './helpers/eventually.js';
import { testTemporal, type TestTemporal } from './helpers/temporal.js';

describe('worker process (workers/main.ts)', () => {
  let temporal: TestTemporal;
  let sim: OktaSimulator;
  before(async () => {
    temporal = await testTemporal();
    sim = await startOktaSimulator({ seed: `worker-${randomUUID()}`, quiet: true });
  });
  after(async () => {
    await sim?.close();
    await temporal?.close();
  });

  /** A worker process on its own task queue, and a client that reads its encrypted payloads. */
  function startWorker(prefix: string, extraEnv: Record<string, string> = {}, args = ['--import', 'tsx', 'workers/main.ts']) {
    const taskQueue = `${prefix}-${randomUUID().slice(0, 8)}`;
    const payloadKeys = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
    // The worker encrypts payloads: only a client with the same keys can read the result.
    const client = new Client({
      connection: temporal.client.connection,
      namespace: temporal.namespace,
      dataConverter: createDataConverter(loadConfig({ PAYLOAD_ENCRYPTION_KEYS: payloadKeys }, { dotEnvPath: false })),
    });
    const child = spawn(process.execPath, args, {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: temporal.namespace,
        TEMPORAL_TASK_QUEUE: taskQueue,
        TEMPORAL_OKTA_TASK_QUEUE: `${taskQueue}-okta`,
        TEMPORAL_OKTA_LOG_TASK_QUEUE: `${taskQueue}-okta-logs`,
        OKTA_ORG_URL: sim.url,
        OKTA_API_TOKEN: sim.apiToken,
        LOG_LEVEL: 'WARN',
        PAYLOAD_ENCRYPTION_KEYS: payloadKeys,
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = { text: '' };
    child.stdout.on('data', (c: Buffer) => (out.text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out.text += c.toString()));
    const exited = once(child, 'exit');
    // Raced against a wait on the worker, so a worker that exits ends the wait instead of leaving it unanswered.
    const died = exited.then(() => Promise.reject(new Error(`the worker exited:\n${out.text.slice(-3_000)}`)));
    died.catch(() => undefined);
    return { taskQueue, client, child, out, exited, died };
  }

  it('refuses bad config with one message naming every bad variable, and no secret', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      env: { ...process.env, TEMPORAL_ADDRESS: temporal.address, OKTA_ORG_URL: 'nope', OKTA_API_TOKEN: 'tok-secret-123', UNLOCK_POLICY: 'sometimes' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 2);
    assert.match(stderr, /OKTA_ORG_URL/);
    assert.match(stderr, /UNLOCK_POLICY/);
    assert.doesNotMatch(stderr, /tok-secret-123/);
  });

  it('serves its task queue, then stops cleanly on SIGTERM', async () => {
    // A cache above what the heap holds is obeyed, with a warning.
    const { taskQueue, client, child, out, exited } = startWorker('proc', { WORKER_MAX_CACHED_WORKFLOWS: '100000' });
    try {
      const echo = randomUUID();
      const result = await client.workflow.execute(diagnosticsWorkflow, {
        taskQueue,
        workflowId: diagnosticsWorkflowId(echo),
        args: [echo],
        workflowExecutionTimeout: '60s',
      });
      assert.equal(result.echo, echo);
      assert.equal(result.pid, child.pid, 'the separate worker process ran the activity');
      const history = await temporal.client.workflow.getHandle(diagnosticsWorkflowId(echo)).fetchHistory();
      const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      assert.ok(input?.data && !Buffer.from(input.data).toString('latin1').includes(echo), 'payloads in history are encrypted');
      assert.equal(Buffer.from(input.metadata?.encoding ?? []).toString(), 'binary/encrypted');
      assert.match(out.text, /WORKER_MAX_CACHED_WORKFLOWS=100000 is more than a \d+ MB heap holds/);
    } finally {
      child.kill('SIGTERM');
    }
    const [code, signal] = (await exited) as [number | null, string | null];
    assert.equal(signal, null, out.text);
    assert.equal(code, 0, out.text);
  });

  it('runs compiled to JavaScript (npm run build), without tsx: the worker bundles its workflows from the compiled files, the HTTP API serves its pages', { timeout: 180_000 }, async () => {
    // Inside the repository, so the compiled files resolve its node_modules and package.json.
    const outDir = '.cache/dist-test';
    const build = spawn(process.execPath, ['scripts/build.mjs', outDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buildOut = '';
    build.stdout.on('data', (c: Buffer) => (buildOut += c.toString()));
    build.stderr.on('data', (c: Buffer) => (buildOut += c.toString()));
    const [buildCode] = (await once(build, 'exit')) as [number];
    assert.equal(buildCode, 0, buildOut);
    const { taskQueue, client, child, out, exited, died } = startWorker('compiled', {}, [`${outDir}/workers/main.js`]);
    try {
      const echo = randomUUID();
      // A compiled worker that cannot find its files exits at start.
      const run = client.workflow.execute(diagnosticsWorkflow, { taskQueue, workflowId: diagnosticsWorkflowId(echo), args: [echo], workflowExecutionTimeout: '120s' });
      const result = await Promise.race([run, died]);
      assert.equal(result.pid, child.pid, out.text);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, out.text);

    // The HTTP API with the web chat: its static pages are not TypeScript, the build copies them.
    const api = startWorker('compiled-api', {
      HTTP_API_HOST: '127.0.0.1',
      HTTP_API_PORT: '0',
      CODEC_SERVER_PORT: '0',
      HTTP_API_TOKENS: 'test:compiled-test-token-0123456789',
      WEB_USERS: 'alice@example.com:compiled-alice-token-0123456789',
    }, [`${outDir}/client/http-api/main.js`]);
    try {
      // Ends as soon as the process exits: a missing file kills it at start.
      const chatUrl = await eventually('the web chat ready', async () => /"chat":"([^"]+)"/.exec(api.out.text)?.[1] ?? (api.child.exitCode !== null ? 'exited' : undefined), 60_000);
      assert.notEqual(chatUrl, 'exited', `the HTTP API exited:\n${api.out.text.slice(-3_000)}`);
      const page = await fetch(chatUrl);
      assert.equal(page.status, 200, api.out.text);
      assert.match(await page.text(), /<html/i);
    } finally {
      api.child.kill('SIGTERM');
    }
    assert.equal(((await api.exited) as [number | null])[0], 0, api.out.text);
  });

  it('caches only as many workflow runs as its heap holds: 260 open runs in a 160 MB heap', { timeout: 180_000 }, async () => {
    // Bundling at start-up alone would not fit this heap: scripts/test.sh builds the bundle ahead.
    assert.ok(process.env.TEST_WORKFLOW_BUNDLE, 'run through scripts/test.sh (it sets TEST_WORKFLOW_BUNDLE)');
    const { taskQueue, client, child, out, exited, died } = startWorker('cache', {
      // As a container with a heap cap runs it (deploy/k8s sets one); no cache size configured.
      NODE_OPTIONS: '--max-old-space-size=160',
      WORKER_MAX_CACHED_WORKFLOWS: '',
      WORKFLOW_BUNDLE_PATH: process.env.TEST_WORKFLOW_BUNDLE,
      WORKER_HEALTH_PORT: '0',
    });
    // Hand-overs waiting for a turn that never comes: open runs with nothing to do, like a storm's
    // episodes waiting for their users. A query brings each into the cache (about 0.9 MB apiece: 240
    // MB for all of them, more than the heap holds).
    const handles = await Promise.all(
      Array.from({ length: 260 }, (_, i) =>
        client.workflow.start(lockoutHandOverWorkflow, {
          taskQueue,
          workflowId: `${taskQueue}-hand-over-${i}`,
          args: [
            {
              pollerWorkflowId: `${taskQueue}-no-poller`,
              base: { policy: 'auto', askUserTimeoutMs: 60_000, oktaTaskQueue: `${taskQueue}-okta` },
              users: [{ user: { id: `00u${i}cache` }, events: [{ uuid: `${taskQueue}-${i}`, eventType: 'user.account.lock', published: new Date().toISOString() }] }],
              turn: { maxWaitMs: 600_000, startsPerSecond: 1 },
            },
          ],
        }),
      ),
    );
    try {
      for (const handle of handles) assert.equal((await Promise.race([handle.query(handOverStateQuery), died])).turn, 'waiting');
      assert.equal(child.exitCode, null, `the worker exited:\n${out.text.slice(-3_000)}`);
    } finally {
      await Promise.allSettled(handles.map((h) => h.terminate('test done')));
      child.kill('SIGTERM');
    }
    await exited;
  });
});
