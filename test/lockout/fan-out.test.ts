/**
 * A page with many users is fanned out to hand-over workflows: the poller only starts them and reads
 * on; they start (or signal) the users' episodes and report back. Real dev server and simulator.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lockoutHandOverReportSignal, lockoutPollerWorkflowId, lockoutStateQuery, lockoutWorkflowId, pausePollerSignal, resumePollerSignal } from '../../workflows/lockout/messages.js';
import { eventually } from '../helpers/eventually.js';
import { workflowTaskFailures } from '../helpers/temporal.js';
import { lockoutFixture, type LockoutFixture } from './fixture.js';

const SPRAYED = 40;

describe('lockout poller fan-out of large pages', () => {
  let f: LockoutFixture;
  before(async () => {
    // Ask-user keeps every episode open, so a second wave of locks finds them running.
    f = await lockoutFixture({ UNLOCK_POLICY: 'ask-user', ASK_USER_TIMEOUT: '10m', LOCKOUT_POLL_PAGE_SIZE: '100', LOCKOUT_POLL_INTERVAL: '300ms', STORM_BREAKER_THRESHOLD: '100' });
    await f.startPoller();
    await eventually('the poller polling', async () => (await f.pollerState()).polls >= 1, 30_000);
  });
  after(() => f?.close());

  /** Locks every user while the poller is paused, so one poll reads them all on one page. */
  const lockAllInOnePage = async (userIds: string[]) => {
    const poller = f.temporal.client.workflow.getHandle(lockoutPollerWorkflowId(f.sim.url));
    await poller.signal(pausePollerSignal, { by: 'test' });
    await eventually('the poller paused', async () => (await f.pollerState()).paused === true && !(await f.pollerState()).polling, 10_000);
    for (const id of userIds) await f.sim.control.lockUser(id, { via: 'failed-signins', attempts: 1 });
    await poller.signal(resumePollerSignal);
  };

  it('starts every episode from hand-over workflows, forwards later events to them, and keeps the counts right', async () => {
    const users = await Promise.all(Array.from({ length: SPRAYED }, (_, i) => f.sim.control.createUser({ login: `fanned.${i}@example.com` })));
    const ids = users.map((u) => u.id);
    await lockAllInOnePage(ids);

    const state = (id: string) => f.temporal.client.workflow.getHandle(lockoutWorkflowId(id)).query(lockoutStateQuery);
    await eventually('every user asked', async () => (await Promise.all(ids.map((id) => state(id).then((s) => s.phase === 'awaiting-user', () => false)))).every(Boolean), 60_000, 300);
    const parents = await Promise.all(ids.map(async (id) => (await f.temporal.client.workflow.getHandle(lockoutWorkflowId(id)).describe()).raw.workflowExecutionInfo?.parentExecution?.workflowId));
    for (const parent of parents) assert.match(parent ?? '(none)', /^lockout-hand-over\//, 'the episode was started by a hand-over workflow');
    assert.ok(new Set(parents).size >= 1);
    await eventually('the hand-overs reported', async () => (await f.pollerState()).lockoutsStarted === SPRAYED, 30_000);

    // Second wave: every user locked again while their episode waits for them.
    await lockAllInOnePage(ids);
    await eventually('the new events reached the open episodes', async () => (await Promise.all(ids.map((id) => state(id).then((s) => s.eventsReceived)))).every((n) => n === 2), 60_000, 300);
    await eventually('the hand-overs reported the forwards', async () => (await f.pollerState()).eventsForwarded === SPRAYED, 30_000);

    const after = await f.pollerState();
    assert.equal(after.lockoutsStarted, SPRAYED, 'no second episode for anyone');
    // The events that joined open episodes are no new lockouts: the storm breaker counted each user once.
    assert.equal(after.breaker?.lockoutsInWindow, SPRAYED);
    assert.equal(after.breaker?.state, 'closed');
    // A report from no hand-over the poller started (anyone with access to the namespace could send one) counts for nothing.
    const poller = f.temporal.client.workflow.getHandle(lockoutPollerWorkflowId(f.sim.url));
    await poller.signal(lockoutHandOverReportSignal, { handOverId: 'lockout-hand-over/forged/1', started: 1000, forwarded: 0, joined: ids.map((userId) => ({ userId, decidedAtMs: 0 })) });
    await poller.signal(pausePollerSignal, { by: 'test' });
    await eventually('the signals processed', async () => (await f.pollerState()).paused === true, 10_000);
    assert.equal((await f.pollerState()).lockoutsStarted, SPRAYED, 'a forged report is ignored');
    await poller.signal(resumePollerSignal);
    const { failures } = await workflowTaskFailures(f.temporal.client, lockoutPollerWorkflowId(f.sim.url));
    assert.deepEqual(failures, []);
  });
});
