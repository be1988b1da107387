/**
 * A hand-over that cannot hand a user's events over keeps that user and retries, while the rest of
 * its slice goes ahead. On a dev server of the test's own that takes one signal per workflow
 * (`history.maximumSignalsPerExecution=1`): the user's open episode has had its one signal, so the
 * hand-over's start finds it running and its signal is refused, three times; once the episode has
 * ended, the next round starts a new one.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { handOverStateQuery, lockoutHandOverWorkflow } from '../../workflows/lockout/hand-over.js';
import { lockoutEventSignal, lockoutWorkflowId } from '../../workflows/lockout/messages.js';
import { lockoutWorkflow } from '../../workflows/lockout/unlock.js';
import { eventually } from '../helpers/eventually.js';
import { ownTemporal, workflowTaskFailures, type TestTemporal } from '../helpers/temporal.js';
import { lockoutFixture, type LockoutFixture } from './fixture.js';

describe('hand-over retry of a user it could not hand over (own dev server, one signal per workflow)', () => {
  let temporal: TestTemporal;
  let f: LockoutFixture;
  before(async () => {
    temporal = await ownTemporal({ 'history.maximumSignalsPerExecution': 1 });
    f = await lockoutFixture({}, { temporal });
  });
  after(async () => {
    await f?.close();
    await temporal?.close();
  });

  const event = () => ({ uuid: randomUUID(), eventType: 'user.account.lock', published: new Date().toISOString() });

  it('keeps the user, retries with a backoff, and starts the episode once it can', { timeout: 120_000 }, async () => {
    const [stuck, free] = await Promise.all([f.sim.control.createUser({ login: 'stuck@example.com' }), f.sim.control.createUser({ login: 'free@example.com' })]);
    await f.sim.control.lockUser(stuck.id, { via: 'failed-signins' });
    // The stuck user's episode waits for their answer and has used up its one signal.
    const occupant = await f.temporal.client.workflow.start(lockoutWorkflow, {
      workflowId: lockoutWorkflowId(stuck.id),
      taskQueue: f.config.temporal.taskQueue,
      args: [{ user: { id: stuck.id }, firstEvent: event(), policy: 'ask-user', askUserTimeoutMs: 600_000, oktaTaskQueue: f.config.temporal.oktaTaskQueue }],
    });
    await occupant.signal(lockoutEventSignal, event());

    const handOver = await f.temporal.client.workflow.start(lockoutHandOverWorkflow, {
      workflowId: `test-hand-over-retry-${randomUUID()}`,
      taskQueue: f.config.temporal.taskQueue,
      args: [
        {
          pollerWorkflowId: 'lockout-poller/no-such-org',
          base: { policy: 'auto', askUserTimeoutMs: 60_000, oktaTaskQueue: f.config.temporal.oktaTaskQueue },
          users: [
            { user: { id: stuck.id }, events: [event()] },
            { user: { id: free.id }, events: [event()] },
          ],
        },
      ],
    });
    const waiting = await eventually('the stuck user kept for a retry', async () => {
      const s = await handOver.query(handOverStateQuery);
      return s.waiting === 1 && s.started === 1 ? s : undefined;
    }, 60_000, 200);
    assert.match(waiting.lastError ?? '', /could not hand events to lockout\//);
    await f.temporal.client.workflow.getHandle(lockoutWorkflowId(free.id)).describe();

    await occupant.terminate('test: the episode ends');
    const done = await handOver.result();
    assert.equal(done.started, 2, 'the stuck user got a new episode');
    assert.equal(done.waiting, 0);
    assert.ok(done.rounds >= 2);
    const episode = await f.temporal.client.workflow.getHandle(lockoutWorkflowId(stuck.id)).describe();
    assert.equal(episode.raw.workflowExecutionInfo?.parentExecution?.workflowId, handOver.workflowId);
    assert.deepEqual((await workflowTaskFailures(f.temporal.client, handOver.workflowId)).failures, []);
  });
});
