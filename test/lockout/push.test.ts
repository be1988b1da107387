/**
 * Events pushed to the poller (what the event-hook receiver sends) join the poller's own dispatch:
 * handled at once, deduplicated with what polling reads, redelivery harmless, bad batches refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { projectLogEvent, type ProjectedLogEvent } from '../../workflows/lockout/log-event.js';
import { lockoutWorkflowId, pushLockoutEventsUpdate, type LockoutState } from '../../workflows/lockout/messages.js';
import { eventually } from '../helpers/eventually.js';
import { lockoutFixture, type LockoutFixture } from './fixture.js';

describe('lockout poller: pushed events', () => {
  let f: LockoutFixture;
  before(async () => {
    // Polls rarely: what happens quickly here happens because of the push.
    f = await lockoutFixture({ LOCKOUT_POLL_INTERVAL: '1h' });
    await f.startPoller();
    await eventually('the first poll', async () => (await f.pollerState()).polls >= 1 && !(await f.pollerState()).polling);
  });
  after(async () => {
    await f?.close();
    await f?.temporal.close();
  });

  const project = (events: unknown[]): ProjectedLogEvent[] =>
    events.map((raw) => {
      const p = projectLogEvent(raw);
      assert.ok(p.ok);
      return p.event;
    });

  it('unlocks at once, deduplicates with the next poll, and takes a redelivery as a duplicate', async () => {
    const user = await f.sim.control.createUser({ login: 'pushed@example.com' });
    const { events } = await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    const poller = f.temporal.client.workflow.getHandle(`lockout-poller/${new URL(f.sim.url).host}`);
    const delivery = { events: project(events), source: 'test-hook' };
    const first = await poller.executeUpdate(pushLockoutEventsUpdate, { args: [delivery] });
    assert.deepEqual(first, { accepted: 1, duplicates: 0, skipped: events.length - 1 }, 'the lock taken, the failed sign-ins skipped');
    const handle = await eventually('the child', async () => {
      const h = f.temporal.client.workflow.getHandle(lockoutWorkflowId(user.id));
      await h.describe();
      return h;
    });
    assert.equal(((await handle.result()) as LockoutState).outcome, 'unlocked');

    const again = await poller.executeUpdate(pushLockoutEventsUpdate, { args: [delivery] });
    assert.equal(again.accepted, 0, 'Okta delivers at least once: a redelivery is a duplicate');
    const before = await f.pollerState();
    await poller.signal('pollNow');
    await eventually('a poll that read the same lock', async () => {
      const s = await f.pollerState();
      return s.polls > before.polls && !s.polling;
    });
    let runs = 0;
    for await (const wf of f.temporal.client.workflow.list({ query: `WorkflowId = "${lockoutWorkflowId(user.id)}"` })) if (wf) runs += 1;
    assert.equal(runs, 1);
    assert.equal((await f.sim.control.requests({ pathPrefix: `/api/v1/users/${user.id}/lifecycle/unlock`, method: 'POST' })).length, 1);
  });

  it('refuses malformed and oversized batches without taking any of them', async () => {
    const poller = f.temporal.client.workflow.getHandle(`lockout-poller/${new URL(f.sim.url).host}`);
    const one = project([{ uuid: 'x1', eventType: 'user.account.lock', published: new Date().toISOString(), actor: { id: '00uaaaaaaaaaaaaaaaaa', type: 'User' } }])[0]!;
    const refused = async (events: unknown[]) => {
      await assert.rejects(poller.executeUpdate(pushLockoutEventsUpdate, { args: [{ events: events as ProjectedLogEvent[], source: 'test' }] }), WorkflowUpdateFailedError);
    };
    await refused([]);
    await refused(Array.from({ length: 101 }, (_, i) => ({ ...one, uuid: `many-${i}` })));
    await refused([{ ...one, uuid: 'u'.repeat(65) }]);
    await refused([{ ...one, actor: { id: 'x'.repeat(65), type: 'User' } }]);
    assert.equal((await f.pollerState()).queued, 0);
  });
});
