/**
 * The workflow-side metric helpers (workflows/metrics.ts) through a real worker whose runtime exports
 * Prometheus: what a workflow records shows up, with the names, labels and buckets documented.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../../temporal.config.js';
import { installRuntime } from '../../workers/telemetry.js';
import { eventually } from '../helpers/eventually.js';
import { testTemporal, type TestTemporal } from '../helpers/temporal.js';

describe('workflow metric helpers', () => {
  let temporal: TestTemporal;
  let metricsUrl: string;
  before(async () => {
    // This file's own process: install the exporting runtime before the test helpers install a quiet one.
    ({ metricsUrl } = (await installRuntime(loadConfig({ LOG_LEVEL: 'WARN' }, { dotEnvPath: false }), [])) as { metricsUrl: string });
    temporal = await testTemporal();
  });
  after(async () => temporal?.close());

  it('records lockouts, the lock→unlock histogram, self-service outcomes and the last poll time', async () => {
    const taskQueue = `metrics-${randomUUID().slice(0, 8)}`;
    const connection = await NativeConnection.connect({ address: temporal.address });
    const worker = await Worker.create({
      connection,
      namespace: temporal.namespace,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('./metrics-workflow.ts', import.meta.url)),
      shutdownGraceTime: '1s',
    });
    let polledAt = 0;
    let text = '';
    // Scraped while the worker runs: the runtime (and its exporter) stops with its last native handle.
    await worker.runUntil(async () => {
      polledAt = await temporal.client.workflow.execute('metricsProbeWorkflow', { taskQueue, workflowId: `metrics-${randomUUID()}` });
      text = await eventually('workflow metrics', async () => {
        const body = await (await fetch(metricsUrl)).text();
        return body.includes('okta_access_poller_last_success_timestamp_seconds') ? body : undefined;
      });
    });
    await connection.close();
    const line = (re: RegExp) => text.split('\n').find((l) => re.test(l));
    assert.match(line(/^okta_access_lockouts_detected\{.*workflowType="metricsProbeWorkflow"/) ?? '', / 2$/);
    assert.match(line(/^okta_access_lockout_outcomes\{.*outcome="unlocked"/) ?? '', / 1$/);
    assert.match(line(/^okta_access_lockout_outcomes\{.*outcome="held"/) ?? '', / 1$/);
    // Seconds buckets (not the SDK's millisecond defaults): 42.5 s falls in le="60", not in le="30".
    assert.match(line(/^okta_access_lock_to_unlock_seconds_bucket\{.*le="30"/) ?? '', / 0$/);
    assert.match(line(/^okta_access_lock_to_unlock_seconds_bucket\{.*le="60"/) ?? '', / 1$/);
    assert.match(line(/^okta_access_self_service_requests\{.*action="reset-password".*outcome="completed"/) ?? '', / 1$/);
    assert.ok(line(/^okta_access_self_service_requests\{.*outcome="denied___script_"/), 'label values are cleaned');
    const gauge = Number(line(/^okta_access_poller_last_success_timestamp_seconds\{/)?.split(' ').pop());
    assert.ok(Math.abs(gauge - polledAt / 1000) < 1, `${gauge} vs ${polledAt / 1000}`);
  });
});
