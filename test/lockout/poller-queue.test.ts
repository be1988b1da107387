/**
 * The poller runs on a task queue and worker of its own, its hand-overs and episodes on the main
 * queue: detection goes on even when nothing serves the main queue (a storm's backlog there cannot
 * hold it up), and a poller started before it had its own queue moves there when it continues as
 * new. Real dev server and simulator.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lockoutHandOverWorkflowId, lockoutPollerWorkflowId, lockoutWorkflowId, pollerStateQuery, reconfigurePollerUpdate, type PollerSettingsInput } from '../../workflows/lockout/messages.js';
import { pollerSettingsFromConfig } from '../../client/lockout-client.js';
import { executeUpdateRetrying } from '../../client/update-retry.js';
import { eventually } from '../helpers/eventually.js';
import { workflowTaskFailures } from '../helpers/temporal.js';
import { lockAllWhilePaused, lockoutFixture, startPollerOnMainQueue, type LockoutFixture } from './fixture.js';

describe('lockout poller on a task queue of its own', () => {
  let f: LockoutFixture;
  before(async () => {
    f = await lockoutFixture({ LOCKOUT_POLL_PAGE_SIZE: '100', STORM_BREAKER_THRESHOLD: '100' });
  });
  after(() => f?.close());

  it('detects lockouts and starts their episodes on the main queue while no worker serves it', async () => {
    const { client } = f.temporal;
    const { taskQueue, pollerTaskQueue } = f.config.temporal;
    assert.notEqual(pollerTaskQueue, taskQueue);
    // Nothing serves the main queue from here on: only the poller's own worker can run the poller.
    await f.workers.workers.main.shutdown();
    // Bounded: a poller on the main queue would never answer the starter's update.
    const poller = await Promise.race([f.startPoller(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the poller never ran without the main worker')), 30_000).unref())]);
    assert.equal((await poller.describe()).taskQueue, pollerTaskQueue);

    // One lockout (started directly by the poller), then a spray (fanned out to hand-overs).
    const lone = await f.sim.control.createUser({ login: 'lone.queue@example.com' });
    await f.sim.control.lockUser(lone.id, { via: 'failed-signins' });
    const episode = client.workflow.getHandle(lockoutWorkflowId(lone.id));
    await eventually('the lone episode started', async () => (await episode.describe()).taskQueue, 30_000, 200);
    assert.equal((await episode.describe()).taskQueue, taskQueue, 'the episode runs on the main queue');

    const sprayed = await Promise.all(Array.from({ length: 30 }, (_, i) => f.sim.control.createUser({ login: `sprayed.queue.${i}@example.com` })));
    // Locked while the poller is paused: one read gets them all, a page large enough to fan out.
    await lockAllWhilePaused(f, sprayed.map((u) => u.id));
    const firstRunId = (await poller.describe()).raw.workflowExecutionInfo?.firstRunId ?? '';
    const handOver = client.workflow.getHandle(lockoutHandOverWorkflowId(firstRunId, 1));
    await eventually('the spray handed over', async () => (await handOver.describe()).taskQueue, 30_000, 200);
    assert.equal((await handOver.describe()).taskQueue, taskQueue, 'the hand-over runs on the main queue');

    // A worker for the main queue again: every episode runs to the end.
    await f.restartWorkers();
    for (const u of [lone, ...sprayed]) {
      await eventually(`${u.id} unlocked`, async () => (await f.sim.control.getUser(u.id)).status === 'ACTIVE', 60_000, 200);
    }
    assert.deepEqual((await workflowTaskFailures(client, lockoutPollerWorkflowId(f.sim.url))).failures, []);
  });

  it('moves a poller running on the main queue to its own queue when it continues as new', async () => {
    const { client } = f.temporal;
    const { taskQueue, pollerTaskQueue } = f.config.temporal;
    // The test above may have failed with the main queue unserved.
    if (f.workers.workers.main.getState() !== 'RUNNING') await f.restartWorkers();
    // Another org's poller, so as not to meet the one above (the ID is the org's host).
    const orgUrl = 'https://older-release.example.com';
    const workflowId = lockoutPollerWorkflowId(orgUrl);
    const first = await startPollerOnMainQueue(f, orgUrl);
    try {
      assert.equal((await client.workflow.getHandle(workflowId, first.firstExecutionRunId).describe()).taskQueue, taskQueue);
      const moved = await eventually(
        'a later run on the poller queue',
        async () => {
          const d = await client.workflow.getHandle(workflowId).describe();
          return d.runId !== first.firstExecutionRunId && d.status.name === 'RUNNING' && d.taskQueue === pollerTaskQueue ? d : undefined;
        },
        30_000,
        200,
      );
      // It keeps polling there.
      const polls = async () => (await client.workflow.getHandle(workflowId).query(pollerStateQuery)).polls;
      const before = await polls();
      await eventually('a poll on the new queue', async () => (await polls()) > before, 15_000, 200);
      assert.equal(moved.taskQueue, pollerTaskQueue);

      // A starter of an earlier release reconfigures it without the queues: its episodes stay on the main queue.
      const older: Partial<PollerSettingsInput> = pollerSettingsFromConfig(f.config, f.sim.url, { maxHistoryEvents: 20, lookbackMs: 1 });
      delete older.pollerTaskQueue;
      delete older.episodeTaskQueue;
      await executeUpdateRetrying(client.workflow.getHandle(workflowId), reconfigurePollerUpdate, [older as PollerSettingsInput]);
      const { settings } = await client.workflow.getHandle(workflowId).query(pollerStateQuery);
      assert.equal(settings?.episodeTaskQueue, taskQueue);
      assert.equal(settings?.pollerTaskQueue, pollerTaskQueue);
      assert.deepEqual((await workflowTaskFailures(client, workflowId)).failures, []);
    } finally {
      await client.workflow.getHandle(workflowId).terminate('test finished').catch(() => undefined);
    }
  });
});
