import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lockoutStateQuery, lockoutWorkflowId, type LockoutState } from '../../workflows/lockout/messages.js';
import { eventually } from '../helpers/eventually.js';
import { lockoutFixture, type LockoutFixture } from './fixture.js';

/** Waits for the user's lockout child to finish and returns its final state. */
async function lockoutResult(f: LockoutFixture, userId: string): Promise<LockoutState> {
  const handle = await eventually(`a lockout workflow for ${userId}`, async () => {
    const h = f.temporal.client.workflow.getHandle(lockoutWorkflowId(userId));
    await h.describe();
    return h;
  });
  return (await handle.result()) as LockoutState;
}

async function unlockCalls(f: LockoutFixture, userId: string): Promise<number> {
  const calls = await f.sim.control.requests({ pathPrefix: `/api/v1/users/${userId}/lifecycle/unlock`, method: 'POST' });
  return calls.filter((c) => c.status < 300).length;
}

describe('lockout poller against the Okta simulator', () => {
  let f: LockoutFixture;
  before(async () => {
    f = await lockoutFixture();
    await f.startPoller();
  });
  after(async () => {
    await f?.close();
    await f?.temporal.close(); // this file's only suite: the shared connection goes with it
  });

  it('unlocks a locked user within two poll intervals and tells them', async () => {
    const user = await f.sim.control.createUser({ login: 'locked.one@example.com' });
    const pollsBefore = (await f.pollerState()).polls;
    await f.sim.control.lockUser(user.id, { via: 'failed-signins', attempts: 3 });
    // Counted in polls, not wall-clock time: the poll in flight when it was locked, or the next one,
    // starts the child.
    await eventually('the lockout child', () => f.temporal.client.workflow.getHandle(lockoutWorkflowId(user.id)).describe(), 20_000, 50);
    const pollsUntilDetected = (await f.pollerState()).polls - pollsBefore;
    const state = await lockoutResult(f, user.id);
    assert.equal(state.outcome, 'unlocked');
    assert.equal(state.statusBefore, 'LOCKED_OUT');
    assert.equal(state.statusAfter, 'ACTIVE');
    assert.equal((await f.sim.control.getUser(user.id)).status, 'ACTIVE');
    assert.equal(await unlockCalls(f, user.id), 1);
    const told = f.notifier.to(user.id);
    assert.equal(told.length, 1);
    assert.equal(told[0]?.kind, 'lockout-unlocked');
    assert.ok(pollsUntilDetected <= 2, `detected after ${pollsUntilDetected} polls`);
  });

  it('gives one unlock for many LOCKED_OUT session events of one user', async () => {
    const user = await f.sim.control.createUser({ login: 'sprayed@example.com' });
    const seenBefore = (await f.pollerState()).eventsSeen;
    await f.sim.control.lockUser(user.id, { via: 'session-start', attempts: 6 });
    const state = await lockoutResult(f, user.id);
    assert.equal(state.outcome, 'unlocked');
    // Every one of the six events has reached the poller and been handed to a child.
    await eventually('all six events seen by the poller', async () => (await f.pollerState()).eventsSeen >= seenBefore + 6);
    // One episode: the later events went to the running child (or were handed over with its start).
    const runs = await eventually('the run indexed', async () => {
      const found = [];
      for await (const wf of f.temporal.client.workflow.list({ query: `WorkflowId = "${lockoutWorkflowId(user.id)}"` })) found.push(wf);
      return found.length > 0 ? found : undefined;
    });
    assert.equal(runs.length, 1);
    assert.equal(await unlockCalls(f, user.id), 1);
    assert.equal(f.notifier.to(user.id).filter((n) => n.kind === 'lockout-unlocked').length, 1);
  });

  it('does not call unlock for a user an admin unlocked first', async () => {
    const handle = f.temporal.client.workflow.getHandle(`lockout-poller/${new URL(f.sim.url).host}`);
    const user = await f.sim.control.createUser({ login: 'admin.fixed@example.com' });
    await handle.signal('pausePoller', { by: 'test' });
    // Paused, and no poll left in flight that could still read the lock below.
    await eventually('poller paused', async () => {
      const s = await f.pollerState();
      return s.paused && !s.polling;
    });
    await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    await f.sim.control.setUserStatus(user.id, 'ACTIVE'); // the admin was faster
    await handle.signal('resumePoller', {});
    const state = await lockoutResult(f, user.id);
    assert.equal(state.outcome, 'not-locked');
    assert.equal(state.statusBefore, 'ACTIVE');
    assert.equal(await unlockCalls(f, user.id), 0);
    assert.equal(f.notifier.to(user.id).length, 0);
  });

  it('unlocks again a user who is locked again while their lockout is still being handled', async () => {
    const user = await f.sim.control.createUser({ login: 'relocked@example.com' });
    f.notifier.slowFor.set(user.id, 3_000); // the child is still telling the user when the second lock comes
    await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    // Locked again once the child has unlocked (Okta's 200 means ACTIVE), while it is still telling
    // the user about it.
    await eventually('the first unlock done', async () => (await unlockCalls(f, user.id)) === 1);
    await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    const state = await lockoutResult(f, user.id);
    assert.equal(state.outcome, 'unlocked');
    assert.equal(state.passes, 2, 'the same child looked again');
    assert.equal(await unlockCalls(f, user.id), 2);
    assert.equal((await f.sim.control.getUser(user.id)).status, 'ACTIVE');
  });

  it('still processes an event that becomes visible late', async () => {
    const user = await f.sim.control.createUser({ login: 'late.event@example.com' });
    await f.sim.control.setUserStatus(user.id, 'LOCKED_OUT');
    const { event } = await f.sim.control.holdEvent({
      eventType: 'user.account.lock',
      actorUser: user.id,
      outcome: { result: 'FAILURE', reason: 'LOCKED_OUT' },
      displayMessage: 'Max sign in attempts exceeded',
    });
    // Other events move the cursor past the late event's publish time...
    const other = await f.sim.control.createUser({ login: 'on.time@example.com' });
    await f.sim.control.lockUser(other.id, { via: 'failed-signins' });
    assert.equal((await lockoutResult(f, other.id)).outcome, 'unlocked');
    const pollsBefore = (await f.pollerState()).polls;
    await eventually('another poll after the cursor moved', async () => (await f.pollerState()).polls > pollsBefore + 1);
    // ...then it is persisted: a polling request still returns it.
    await f.sim.control.releaseEvent(event.uuid);
    const state = await lockoutResult(f, user.id);
    assert.equal(state.outcome, 'unlocked');
    assert.equal(state.events[0]?.uuid, event.uuid);
  });

  it('skips and reports an event that names no user, and keeps going', async () => {
    const { event } = await f.sim.control.addEvent({
      eventType: 'user.account.lock',
      actor: { id: 'system', type: 'SystemPrincipal', alternateId: 'system@okta.com', displayName: 'Okta System' },
      target: null,
      outcome: { result: 'FAILURE', reason: 'LOCKED_OUT' },
    });
    const report = await eventually('the skipped event reported', async () => (await f.pollerState()).recentSkipped.find((s) => s.uuid === event.uuid));
    assert.match(report.why, /names no user/);
    const user = await f.sim.control.createUser({ login: 'after.skip@example.com' });
    await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    assert.equal((await lockoutResult(f, user.id)).outcome, 'unlocked');
  });

  it('answers operator queries about a lockout', async () => {
    const user = await f.sim.control.createUser({ login: 'queried@example.com' });
    await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    await lockoutResult(f, user.id);
    const state = await f.temporal.client.workflow.getHandle(lockoutWorkflowId(user.id)).query(lockoutStateQuery);
    assert.equal(state.userId, user.id);
    assert.equal(state.login, 'queried@example.com');
    // Visibility is eventually consistent; the run is there once indexed.
    await eventually('the run found by its search attributes', async () => {
      for await (const wf of f.temporal.client.workflow.list({ query: `OktaUserId = "${user.id}" AND AccessOutcome = "unlocked"` })) return wf;
      return undefined;
    });
    const poller = await f.pollerState();
    assert.ok(poller.lockoutsStarted >= 1);
    assert.ok(poller.cursor?.startsWith(f.sim.url));
  });
});
