/**
 * Push end to end: the simulator locks a user and delivers the event hook → the receiver → the
 * poller's push update → the lockout child → the user is ACTIVE again, long before the next poll.
 * Redelivery (Okta's at-least-once) and the same event read by a poll are handled once; with
 * deliveries dropped, the poller still unlocks within an interval. Unlock calls are counted in the
 * simulator's request log.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createOktaClient } from '../../activities/okta/client.js';
import { pollerSink } from '../../client/event-hook/forward.js';
import { registerEventHook } from '../../client/event-hook/register.js';
import { startEventHookReceiver, type RunningReceiver } from '../../client/event-hook/server.js';
import { lockoutWorkflowId } from '../../workflows/lockout/messages.js';
import { eventually } from '../helpers/eventually.js';
import { lockoutFixture, type LockoutFixture } from '../lockout/fixture.js';

const SECRET = 'push-test-secret-0123456789abcdef';
const INTERVAL_MS = 3_000;

describe('push: Okta event hook → receiver → poller → unlock', () => {
  let f: LockoutFixture;
  let receiver: RunningReceiver;
  let n = 0;

  before(async () => {
    f = await lockoutFixture({ LOCKOUT_POLL_INTERVAL: `${INTERVAL_MS}ms` });
    await f.startPoller();
    receiver = await startEventHookReceiver({
      host: '127.0.0.1', port: 0, secret: SECRET, authHeader: 'Authorization',
      sink: pollerSink({ connection: f.temporal.client.connection, namespace: f.temporal.namespace }, f.sim.url),
    });
    await registerEventHook(createOktaClient(f.config.okta!), { ...f.config.eventHook, secret: SECRET, url: receiver.url });
    await eventually('first poll', async () => (await f.pollerState()).polls >= 1);
  });
  after(async () => {
    await receiver?.close();
    await f?.close();
    await f?.temporal.close();
  });

  /** Locks a fresh user right after a poll ended, so the next poll is a whole interval away. */
  async function lockRightAfterPoll(): Promise<{ id: string; lockedAt: number }> {
    const user = await f.sim.control.createUser({ login: `pushed.${++n}@example.com` });
    const polls = (await f.pollerState()).polls;
    await eventually('a poll to end', async () => {
      const s = await f.pollerState();
      return s.polls > polls && !s.polling;
    }, INTERVAL_MS * 3, 20);
    const lockedAt = Date.now();
    await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    return { id: user.id, lockedAt };
  }
  const pushed = async () => (await f.pollerState()).pushed ?? { accepted: 0, duplicates: 0, skipped: 0 };
  const active = (id: string) => async () => (await f.sim.control.getUser(id)).status === 'ACTIVE';
  const unlockCalls = async (id: string) =>
    (await f.sim.control.requests({ pathPrefix: `/api/v1/users/${id}/lifecycle/unlock`, method: 'POST' })).filter((c) => c.status < 300).length;
  /** Runs of the user's lockout child (one per episode), once visibility has caught up. */
  const childRuns = async (id: string) =>
    eventually('the child in visibility', async () => (await f.temporal.client.workflow.count(`WorkflowId = "${lockoutWorkflowId(id)}"`)).count || false);
  /** Waits until a poll that started after now has ended: it has read everything persisted before. */
  const aWholePoll = async () => {
    const polls = (await f.pollerState()).polls;
    await eventually('a whole poll', async () => (await f.pollerState()).polls > polls + 1, INTERVAL_MS * 4);
  };

  it('unlocks within about a second through the hook, before the next poll; the poll then changes nothing', async () => {
    const before = await pushed();
    const { id, lockedAt } = await lockRightAfterPoll();
    await eventually('ACTIVE through push', active(id), 3_000, 20);
    const took = Date.now() - lockedAt;
    assert.ok(took < 2_000, `lock → ACTIVE took ${took} ms`);
    assert.equal((await pushed()).accepted, before.accepted + 1, 'the push, not a poll, brought the event');
    await aWholePoll(); // it read the same lock event from the System Log
    assert.equal(await unlockCalls(id), 1);
    assert.equal(await childRuns(id), 1);
  });

  it('handles a redelivered event once', async () => {
    await f.sim.control.setDeliveryFaults([{ type: 'duplicate' }]);
    try {
      const before = await pushed();
      const { id } = await lockRightAfterPoll();
      await eventually('ACTIVE', active(id), 3_000, 20);
      await eventually('the second copy seen as a duplicate', async () => (await pushed()).duplicates === before.duplicates + 1);
      assert.equal((await pushed()).accepted, before.accepted + 1);
      assert.equal(await unlockCalls(id), 1);
      assert.equal(await childRuns(id), 1);
    } finally {
      await f.sim.control.clearDeliveryFaults();
    }
  });

  it('with deliveries dropped, the poller still unlocks within an interval, once', async () => {
    await f.sim.control.setDeliveryFaults([{ type: 'drop' }]);
    try {
      const before = await pushed();
      const { id, lockedAt } = await lockRightAfterPoll();
      await eventually('ACTIVE through the poll', active(id), INTERVAL_MS * 3, 50);
      const took = Date.now() - lockedAt;
      assert.ok(took <= INTERVAL_MS + 2_000, `lock → ACTIVE took ${took} ms`);
      assert.ok((await f.sim.control.hookDeliveries()).attempts.some((a) => a.outcome === 'dropped'));
      assert.deepEqual(await pushed(), before, 'nothing was pushed');
      assert.equal(await unlockCalls(id), 1);
      assert.equal(await childRuns(id), 1);
    } finally {
      await f.sim.control.clearDeliveryFaults();
    }
  });

  it('a push arriving after the poll handled the event changes nothing', async () => {
    await f.sim.control.setDeliveryFaults([{ type: 'delay', delayMs: INTERVAL_MS + 1_500 }]);
    try {
      const before = await pushed();
      const { id } = await lockRightAfterPoll();
      await eventually('ACTIVE through the poll', active(id), INTERVAL_MS * 3, 50);
      await eventually('the late push seen as a duplicate', async () => (await pushed()).duplicates === before.duplicates + 1, INTERVAL_MS * 3);
      assert.equal((await pushed()).accepted, before.accepted);
      assert.equal(await unlockCalls(id), 1);
      assert.equal(await childRuns(id), 1);
    } finally {
      await f.sim.control.clearDeliveryFaults();
    }
  });
});
