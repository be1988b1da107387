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
    const taskQueue = `proc-${randomUUID().slice(0, 8)}`;
    const payloadKeys = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
    // The worker encrypts payloads: only a client with the same keys can read the result.
    const client = new Client({
      connection: temporal.client.connection,
      namespace: temporal.namespace,
      dataConverter: createDataConverter(loadConfig({ PAYLOAD_ENCRYPTION_KEYS: payloadKeys }, { dotEnvPath: false })),
    });
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
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
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = once(child, 'exit');
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
    } finally {
      child.kill('SIGTERM');
    }
    const [code, signal] = (await exited) as [number | null, string | null];
    assert.equal(signal, null, output);
    assert.equal(code, 0, output);
  });
});
