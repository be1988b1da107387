/**
 * The poller and its hand-overs run at a higher task queue priority than episodes, so in a storm
 * their workflow tasks are not queued behind thousands of episodes'. That only holds where the
 * server dispatches by priority: Temporal 1.29 does so only with `matching.useNewMatcher`, which
 * every server the project starts (the suite's, the demo's, `npm run cluster`) turns on.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import protos from '@temporalio/proto';
import { createDiagnosticsActivities } from '../../activities/diagnostics.js';
import { diagnosticsWorkflow, diagnosticsWorkflowId } from '../../workflows/diagnostics.js';
import { EPISODE_PRIORITY, POLLER_PRIORITY } from '../../workflows/lockout/messages.js';
import { eventually } from '../helpers/eventually.js';
import { startTestWorkers, testConfig, testTemporal, type RunningWorkers, type TestTemporal } from '../helpers/temporal.js';

/** When the workflow's first task was handed to a worker. */
async function firstTaskStarted(temporal: TestTemporal, workflowId: string): Promise<number> {
  const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
  const started = history.events?.find((e) => e.workflowTaskStartedEventAttributes);
  assert.ok(started?.eventTime, `${workflowId} ran a workflow task`);
  return Number(started.eventTime.seconds) * 1000 + Math.floor((started.eventTime.nanos ?? 0) / 1e6);
}

describe('task queue priority on the suite server', () => {
  let temporal: TestTemporal;
  let running: RunningWorkers | undefined;

  before(async () => {
    temporal = await testTemporal();
  });
  after(async () => {
    await running?.stop();
    await temporal?.close();
  });

  it("runs a workflow task at the poller's priority ahead of a backlog of episodes' tasks", async () => {
    const config = testConfig(temporal);
    const run = randomUUID().slice(0, 8);
    const backlog = Array.from({ length: 150 }, (_, i) => diagnosticsWorkflowId(`priority-${run}-${i}`));
    const urgent = diagnosticsWorkflowId(`priority-${run}-poller`);
    const start = (workflowId: string, priorityKey: number) =>
      temporal.client.workflow.start(diagnosticsWorkflow, { taskQueue: config.temporal.taskQueue, workflowId, args: [workflowId], priority: { priorityKey } });
    // The backlog builds while no worker polls, as a storm's episodes wait behind a busy worker.
    for (let i = 0; i < backlog.length; i += 50) await Promise.all(backlog.slice(i, i + 50).map((id) => start(id, EPISODE_PRIORITY)));
    await start(urgent, POLLER_PRIORITY);
    // A start returns before its task reaches the queue: wait until all of them wait there.
    await eventually('the backlog queued', async () => {
      const { stats } = await temporal.client.workflowService.describeTaskQueue({
        namespace: temporal.namespace,
        taskQueue: { name: config.temporal.taskQueue },
        taskQueueType: protos.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        reportStats: true,
      });
      return Number(stats?.approximateBacklogCount ?? 0) >= backlog.length + 1;
    });

    running = await startTestWorkers(temporal, config, { general: createDiagnosticsActivities(), okta: {} });
    await Promise.all([urgent, ...backlog].map((id) => temporal.client.workflow.getHandle(id).result()));

    const urgentAt = await firstTaskStarted(temporal, urgent);
    const backlogAt = await Promise.all(backlog.map((id) => firstTaskStarted(temporal, id)));
    const ahead = backlogAt.filter((t) => t < urgentAt).length;
    // In arrival order about 100 run first (the dev server spreads a queue over 4 partitions, each
    // first in, first out); by priority only what the polls that miss the urgent one's partition
    // take, a handful (40 or more: odds of about 1 in 100,000).
    assert.ok(ahead < 40, `${ahead} of ${backlog.length} earlier, lower-priority tasks ran before the urgent one: does the server run with matching.useNewMatcher=true?`);
  });
});
