/**
 * The poller against hostile or odd System Log content and a misbehaving path to Okta: nothing may
 * wedge it, nothing may be handled twice, and operators see what happened.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resetPollerCursor } from '../../client/lockout-client.js';
import { lockoutWorkflowId } from '../../workflows/lockout/messages.js';
import { eventually } from '../helpers/eventually.js';
import { lockoutFixture, lockoutResult, type LockoutFixture } from './fixture.js';


async function runsOf(f: LockoutFixture, userId: string): Promise<number> {
  let n = 0;
  for await (const wf of f.temporal.client.workflow.list({ query: `WorkflowId = "${lockoutWorkflowId(userId)}"` })) if (wf) n += 1;
  return n;
}

describe('lockout poller: hostile System Log content', () => {
  let f: LockoutFixture;
  before(async () => {
    f = await lockoutFixture({ LOCKOUT_POLL_INTERVAL: '300ms' });
    await f.startPoller({ pageSize: 5 });
  });
  after(async () => {
    await f?.close();
    await f?.temporal.close();
  });

  it('unlocks users whose lock events carry megabytes of debugData, and skips a 1,200-character user id', async () => {
    const big = 'x'.repeat(300_000);
    const users = await Promise.all(['huge.a', 'huge.b', 'huge.c'].map((n) => f.sim.control.createUser({ login: `${n}@example.com` })));
    for (const user of users) {
      await f.sim.control.setUserStatus(user.id, 'LOCKED_OUT');
      // Three such events on one page were ~900 KB: more than a Temporal payload may hold.
      await f.sim.control.addEvent({
        eventType: 'user.account.lock',
        actorUser: user.id,
        outcome: { result: 'FAILURE', reason: 'LOCKED_OUT' },
        debugData: { a: big, b: big, c: big.slice(0, 200_000) },
      });
    }
    const { event: longId } = await f.sim.control.addEvent({
      eventType: 'user.account.lock',
      actor: { id: `00u${'A'.repeat(1_197)}`, type: 'User', alternateId: 'long.id@example.com', displayName: 'Long Id' },
      outcome: { result: 'FAILURE', reason: 'LOCKED_OUT' },
    });
    for (const user of users) assert.equal((await lockoutResult(f, user.id)).outcome, 'unlocked');
    const report = await eventually('the long id reported', async () => (await f.pollerState()).recentSkipped.find((s) => s.uuid === longId.uuid));
    assert.match(report.why, /names no user|not an Okta user id/);
    // And the poller keeps going.
    const after = await f.sim.control.createUser({ login: 'after.huge@example.com' });
    await f.sim.control.lockUser(after.id, { via: 'failed-signins' });
    assert.equal((await lockoutResult(f, after.id)).outcome, 'unlocked');
    assert.equal((await f.pollerState()).lastPollError, undefined);
  });

  it('falls back to since when a proxy rewrites the next link, says so, and recovers', async () => {
    await f.sim.control.setFaults([{ endpoint: '/api/v1/logs', type: 'foreign-next-link', times: 3 }]);
    const user = await f.sim.control.createUser({ login: 'behind.proxy@example.com' });
    await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    const degraded = await eventually('the poller marked degraded', async () => {
      const s = await f.pollerState();
      return s.health?.status === 'degraded' ? s : undefined;
    });
    assert.match(degraded.health?.reason ?? '', /proxy\.example\.invalid|outside the Okta org/);
    assert.ok(!degraded.cursor?.includes('proxy.example.invalid'), 'a foreign link is never stored as the cursor');
    const found = await eventually('the degraded poller found by its search attribute', async () => {
      for await (const wf of f.temporal.client.workflow.list({ query: `AccessAction = "poll-lockouts" AND AccessOutcome = "degraded"` })) return wf;
      return undefined;
    });
    assert.ok(found);
    assert.equal((await lockoutResult(f, user.id)).outcome, 'unlocked');
    // Once Okta's own links come back, the cursor is used again and the poller is healthy.
    const healthy = await eventually('the poller healthy again', async () => {
      const s = await f.pollerState();
      return s.health?.status === 'ok' && s.cursor?.startsWith(f.sim.url) ? s : undefined;
    });
    assert.equal(healthy.lastPollError, undefined);
    assert.equal(await runsOf(f, user.id), 1, 'the overlap re-read the lock event; it was not handled twice');
    await f.sim.control.clearFaults();
  });

  it('an operator resets the cursor to an earlier time: events already handled are not handled again', async () => {
    const user = await f.sim.control.createUser({ login: 'reset.cursor@example.com' });
    await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    assert.equal((await lockoutResult(f, user.id)).outcome, 'unlocked');
    const before = await f.pollerState();
    await resetPollerCursor(f.temporal.client, f.sim.url, new Date(Date.now() - 10 * 60_000).toISOString(), 'test');
    // The reset re-reads every event of the last ten minutes, this user's lock among them.
    await eventually('a poll from the new since', async () => {
      const s = await f.pollerState();
      return s.polls > before.polls + 1 && s.cursor !== undefined && s.lastPollError === undefined;
    });
    assert.equal(await runsOf(f, user.id), 1, 'the event UUID dedupe kept the old lock from starting a second episode');
    assert.equal((await f.sim.control.requests({ pathPrefix: `/api/v1/users/${user.id}/lifecycle/unlock`, method: 'POST' })).length, 1);
    await assert.rejects(resetPollerCursor(f.temporal.client, f.sim.url, '2001-01-01T00:00:00Z'), (err: Error) => /90 days/.test(String(err.cause)));
  });

  it('follows next links past short pages within one poll', async () => {
    const handle = f.temporal.client.workflow.getHandle(`lockout-poller/${new URL(f.sim.url).host}`);
    await handle.signal('pausePoller', { by: 'test' });
    await eventually('poller paused and idle', async () => {
      const s = await f.pollerState();
      return s.paused && !s.polling;
    });
    const users = await Promise.all(Array.from({ length: 8 }, (_, i) => f.sim.control.createUser({ login: `many.${i}@example.com` })));
    for (const user of users) await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    // Okta may answer fewer events than `limit` while more remain: a short page is not the end.
    await f.sim.control.setFaults([{ endpoint: '/api/v1/logs', type: 'short-page' }]);
    const before = await f.pollerState();
    await handle.signal('pollNow');
    const after = await eventually('one poll done', async () => {
      const s = await f.pollerState();
      return s.polls === before.polls + 1 && !s.polling ? s : undefined;
    });
    await f.sim.control.clearFaults();
    assert.equal(after.lockoutsStarted - before.lockoutsStarted, users.length, 'every lockout found by the one poll');
    await handle.signal('resumePoller', {});
    for (const user of users) assert.equal((await lockoutResult(f, user.id)).outcome, 'unlocked');
  });
});
