/**
 * A password spray on a server whose pending-child limit is tiny: every sprayed account gets its
 * lockout workflow, the poller never fails a workflow task, and a lockout after the spray is still
 * detected. Under the ask-user policy children stay open (waiting for the user), which is what used
 * to exhaust the poller run's pending-child limit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lockoutPollerWorkflowId, lockoutStateQuery, lockoutWorkflowId } from '../../workflows/lockout/messages.js';
import { eventually } from '../helpers/eventually.js';
import { ownTemporal, workflowTaskFailures, type TestTemporal } from '../helpers/temporal.js';
import { lockoutFixture, type LockoutFixture } from './fixture.js';

const PENDING_CHILD_LIMIT = 12;
const SPRAYED = 40;

describe('lockout poller under a spray, with a small pending-child limit', () => {
  let temporal: TestTemporal;
  let f: LockoutFixture;
  before(async () => {
    temporal = await ownTemporal({ 'limit.numPendingChildExecutions.error': PENDING_CHILD_LIMIT });
    f = await lockoutFixture(
      { UNLOCK_POLICY: 'ask-user', ASK_USER_TIMEOUT: '10m', LOCKOUT_POLL_INTERVAL: '300ms', LOCKOUT_POLL_PAGE_SIZE: '4', LOCKOUT_MAX_CHILDREN_PER_RUN: '8' },
      { temporal },
    );
    await f.startPoller();
  });
  after(async () => {
    await f?.close();
    await temporal?.close();
  });

  it('gives every sprayed account its workflow, and detects a lockout after the spray', async () => {
    const users = await Promise.all(Array.from({ length: SPRAYED }, (_, i) => f.sim.control.createUser({ login: `sprayed.${i}@example.com` })));
    for (const user of users) await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    const awaiting = async (userId: string) => {
      const state = await temporal.client.workflow.getHandle(lockoutWorkflowId(userId)).query(lockoutStateQuery);
      return state.phase === 'awaiting-user';
    };
    await eventually('every sprayed user asked', async () => (await Promise.all(users.map((u) => awaiting(u.id).catch(() => false)))).every(Boolean), 90_000, 500);

    const late = await f.sim.control.createUser({ login: 'after.spray@example.com' });
    await f.sim.control.lockUser(late.id, { via: 'failed-signins' });
    await eventually('the lockout after the spray asked', () => awaiting(late.id).catch(() => false), 30_000);

    const state = await f.pollerState();
    assert.equal(state.lockoutsStarted, SPRAYED + 1);
    assert.ok(state.runsSoFar >= Math.floor(SPRAYED / 8), `${state.runsSoFar} runs: it continued as new before the limit`);
    // No run of the poller ever failed a workflow task (that is how the limit used to show).
    const { runs, failures } = await workflowTaskFailures(temporal.client, lockoutPollerWorkflowId(f.sim.url));
    assert.deepEqual(failures, []);
    assert.ok(runs >= 2);
  });
});
