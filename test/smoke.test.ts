import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createDiagnosticsActivities } from '../activities/diagnostics.js';
import { diagnosticsWorkflow, diagnosticsWorkflowId } from '../workflows/diagnostics.js';
import { startTestWorkers, testConfig, testTemporal, type RunningWorkers, type TestTemporal } from './helpers/temporal.js';

describe('smoke: client → real Temporal server → worker → activity', () => {
  let temporal: TestTemporal;
  let running: RunningWorkers;
  let config: ReturnType<typeof testConfig>;

  before(async () => {
    temporal = await testTemporal();
    config = testConfig(temporal);
    running = await startTestWorkers(temporal, config, { general: createDiagnosticsActivities(), okta: {} });
  });
  after(async () => {
    await running?.stop();
    await temporal?.close();
  });

  it('runs the diagnostics workflow and its activity on the worker', async () => {
    const echo = randomUUID();
    const result = await temporal.client.workflow.execute(diagnosticsWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: diagnosticsWorkflowId(echo),
      args: [echo],
    });
    assert.equal(result.echo, echo);
    assert.equal(result.taskQueue, config.temporal.taskQueue);
    assert.equal(result.pid, process.pid);
    const history = await temporal.client.workflow.getHandle(diagnosticsWorkflowId(echo)).fetchHistory();
    const types = history.events?.map((e) => e.eventType) ?? [];
    assert.ok(types.length > 5, 'the server recorded a real history');
  });
});
