/**
 * The worker process's health, metrics and tracing, end to end: a real `workers/main.ts` against the
 * dev server and the simulator, scraped over HTTP, with a local OTLP/HTTP receiver on loopback.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import type { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { createDataConverter } from '../../client/data-converter.js';
import { SelfServiceClient } from '../../client/self-service-client.js';
import { startLockoutPoller } from '../../client/lockout-client.js';
import { startOktaSimulator, type OktaSimulator } from '../../okta-sim/index.js';
import { loadConfig } from '../../temporal.config.js';
import { diagnosticsWorkflow, diagnosticsWorkflowId } from '../../workflows/diagnostics.js';
import { createTracing, freeLoopbackPort } from '../../workers/telemetry.js';
import { eventually } from '../helpers/eventually.js';
import { testTemporal, type TestTemporal } from '../helpers/temporal.js';

const payloadKeys = `k1:${Buffer.alloc(32, 9).toString('base64')}`;

/** A loopback OTLP/HTTP receiver that keeps the span names it is sent (JSON encoding). */
async function otlpReceiver(): Promise<{ url: string; spans: string[]; server: Server }> {
  const spans: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: { scopeSpans?: { spans?: { name: string }[] }[] }[];
        };
        for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push(s.name);
      } catch {
        // not JSON: ignored
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

describe('worker health, metrics and tracing (workers/main.ts)', () => {
  let temporal: TestTemporal;
  let sim: OktaSimulator;
  let child: ChildProcess;
  let exited: Promise<unknown[]>;
  let output = '';
  let otlp: Awaited<ReturnType<typeof otlpReceiver>>;
  let base: string;
  const taskQueue = `obs-${randomUUID().slice(0, 8)}`;
  const env = (extra: Record<string, string>) => ({
    ...process.env,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    TEMPORAL_OKTA_TASK_QUEUE: `${taskQueue}-okta`,
    TEMPORAL_OKTA_LOG_TASK_QUEUE: `${taskQueue}-okta-logs`,
    LOG_LEVEL: 'WARN',
    PAYLOAD_ENCRYPTION_KEYS: payloadKeys,
    WORKER_HEALTH_HOST: '127.0.0.1',
    ...extra,
  });

  before(async () => {
    temporal = await testTemporal();
    sim = await startOktaSimulator({ seed: `obs-${randomUUID()}`, quiet: true });
    otlp = await otlpReceiver();
    const port = await freeLoopbackPort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      env: env({
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: temporal.namespace,
        OKTA_ORG_URL: sim.url,
        OKTA_API_TOKEN: sim.apiToken,
        WORKER_HEALTH_PORT: String(port),
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    exited = once(child, 'exit');
  });
  after(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    otlp?.server.close();
    await sim?.close();
  });

  it('is live at once and ready once its workers run and Temporal answers', async () => {
    await eventually('livez', async () => (await fetch(`${base}/livez`)).status === 200, 30_000);
    await eventually('readyz', async () => (await fetch(`${base}/readyz`)).status === 200, 60_000, 250);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  });

  it('serves SDK and Okta-call metrics on /metrics, and traces workflows and activities', async () => {
    const config = loadConfig(
      { TEMPORAL_TASK_QUEUE: taskQueue, TEMPORAL_OKTA_TASK_QUEUE: `${taskQueue}-okta`, TEMPORAL_OKTA_LOG_TASK_QUEUE: `${taskQueue}-okta-logs`, PAYLOAD_ENCRYPTION_KEYS: payloadKeys },
      { dotEnvPath: false },
    );
    const client = new Client({ connection: temporal.client.connection, namespace: temporal.namespace, dataConverter: createDataConverter(config) });
    const echo = randomUUID();
    await client.workflow.execute(diagnosticsWorkflow, { taskQueue, workflowId: diagnosticsWorkflowId(echo), args: [echo], workflowExecutionTimeout: '60s' });
    // The poller reads the System Log through the paced Okta queue: an Okta call with rate-limit headers.
    const poller = await startLockoutPoller(client, config, sim.url);
    try {
      const metrics = await eventually(
        'Okta call metrics',
        async () => {
          const text = await (await fetch(`${base}/metrics`)).text();
          return /okta_api_requests\{[^}]*endpoint="\/api\/v1\/logs"[^}]*status="200"[^}]*\} [1-9]/.test(text) ? text : undefined;
        },
        30_000,
        250,
      );
      // The SDK runtime's own metrics, on the same endpoint.
      assert.match(metrics, /^temporal_workflow_completed\{[^}]*workflow_type="diagnosticsWorkflow"/m);
      assert.match(metrics, /^temporal_worker_task_slots_available\{/m);
      // Okta's headroom per bucket, and call latency; no user IDs or logins in labels.
      assert.match(metrics, /^okta_api_rate_limit_remaining\{[^}]*bucket="GET \/api\/v1\/logs"[^}]*\} \d+/m);
      assert.match(metrics, /^okta_api_request_latency_bucket\{/m);
      assert.doesNotMatch(metrics, /example\.com|00u[A-Za-z0-9]{5,}/);
      // A self-service request counted by action and outcome, from the real workflow.
      const user = await sim.control.createUser({ login: `obs.${randomUUID().slice(0, 8)}@example.com` });
      const selfService = new SelfServiceClient(client, { taskQueue, oktaTaskQueue: `${taskQueue}-okta`, frontend: 'test' });
      const reply = await selfService.requestPasswordReset({ requestId: randomUUID(), requester: { chatUserId: 'U-OBS', email: user.profile.login } });
      assert.equal(reply.status, 'completed', reply.message);
      await eventually(
        'the self-service metric',
        async () => /^okta_access_self_service_requests\{[^}]*action="reset-password"[^}]*outcome="link-issued"[^}]*\} 1$/m.test(await (await fetch(`${base}/metrics`)).text()),
        30_000,
        250,
      );
    } finally {
      await poller.terminate('test done');
    }
    await eventually('spans at the OTLP receiver', async () => otlp.spans.some((s) => s.startsWith('RunActivity:describeWorker')) && otlp.spans.some((s) => s.startsWith('RunWorkflow:diagnosticsWorkflow')), 30_000, 250);
  });

  it('stops cleanly and stops answering probes', async () => {
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, output);
    await assert.rejects(fetch(`${base}/livez`));
  });
});

describe('tracing switch', () => {
  it('is off without an OTLP endpoint (no plugins: the worker is configured exactly as before)', async () => {
    const off = createTracing(loadConfig({}, { dotEnvPath: false }));
    assert.deepEqual(off.workerOptions, {});
    const on = createTracing(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, { dotEnvPath: false }));
    assert.equal(on.workerOptions.plugins?.length, 1);
    assert.throws(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://x' }, { dotEnvPath: false }), /OTEL_EXPORTER_OTLP_ENDPOINT/);
    await Promise.all([off.shutdown(), on.shutdown()]);
  });

  it('does not hold up shutdown when the collector hangs', async () => {
    const hanging = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
      const tracing = createTracing(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: url }, { dotEnvPath: false }));
      const plugin = tracing.workerOptions.plugins?.[0] as OpenTelemetryPlugin;
      plugin.otelOptions.tracer!.startSpan('left-over').end();
      const started = Date.now();
      await tracing.shutdown();
      assert.ok(Date.now() - started < 5_000, `shutdown took ${Date.now() - started} ms`);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });
});
