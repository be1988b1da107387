/**
 * Lockout episodes end to end: no event lost to the race at the end of an episode, failures told
 * to everyone who needs to know, the lean common path (protected groups from the worker's cache), and settings that reach a running poller.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOrReconfigurePoller, stopLockoutPoller } from '../../client/lockout-client.js';
import { lockoutPollerWorkflowId, lockoutStateQuery, lockoutWorkflowId } from '../../workflows/lockout/messages.js';
import { loadConfig } from '../../temporal.config.js';
import { eventually } from '../helpers/eventually.js';
import { lockoutFixture, lockoutResult, type LockoutFixture } from './fixture.js';


const unlockCalls = async (f: LockoutFixture, userId: string) =>
  (await f.sim.control.requests({ pathPrefix: `/api/v1/users/${userId}/lifecycle/unlock`, method: 'POST' })).filter((c) => c.status < 300).length;

describe('lockout episodes', () => {
  let f: LockoutFixture;
  before(async () => {
    f = await lockoutFixture({ LOCKOUT_POLL_INTERVAL: '300ms' });
    await f.startPoller();
  });
  after(async () => {
    await f?.close();
    await f?.temporal.close();
  });

  it('loses no lock that comes as an episode ends: every user locked again right after the unlock is unlocked again', async () => {
    const users = await Promise.all(Array.from({ length: 16 }, (_, i) => f.sim.control.createUser({ login: `relock.${i}@example.com` })));
    const held = new Set(users.slice(0, 8).map((u) => u.id));
    const free = new Set(users.slice(8).map((u) => u.id));
    const relocked = new Set<string>();
    const relocks: Promise<unknown>[] = [];
    f.notifier.onNotify = async (n) => {
      if (n.kind !== 'lockout-unlocked' || relocked.has(n.userId) || !(held.has(n.userId) || free.has(n.userId))) return;
      relocked.add(n.userId);
      if (held.has(n.userId)) {
        // Locked again while the child tells the user, its last step: the new event reaches the
        // child after its final status check. It must look again, not complete and drop it.
        await f.sim.control.lockUser(n.userId, { via: 'failed-signins' });
        const child = f.temporal.client.workflow.getHandle(lockoutWorkflowId(n.userId));
        await eventually('the new event with the child', async () => (await child.query(lockoutStateQuery)).eventsReceived >= 2, 20_000, 50);
      } else {
        // Locked again just as the child completes (before, during or after): a new episode or another pass.
        const jitter = (relocked.size % 4) * 20;
        relocks.push(new Promise((r) => setTimeout(r, jitter)).then(() => f.sim.control.lockUser(n.userId, { via: 'failed-signins' })));
      }
    };
    for (const user of users) await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    await eventually('every user locked again once', async () => relocked.size === users.length, 60_000);
    await Promise.all(relocks);
    await eventually(
      'every user unlocked twice and ACTIVE',
      async () => {
        for (const user of users) {
          if ((await unlockCalls(f, user.id)) !== 2) return false;
          if ((await f.sim.control.getUser(user.id)).status !== 'ACTIVE') return false;
        }
        return true;
      },
      60_000,
      250,
    );
    f.notifier.onNotify = undefined;
    for (const id of held) assert.equal((await lockoutResult(f, id)).passes, 2, 'the same child looked again');
  });

  it('a common unlock costs two Okta calls and at most 30 history events, protected groups on: the group members are read once for 20 lockouts', async () => {
    // Fresh workers: an empty protected-members cache, so the group reads below are all this test's.
    await f.restartWorkers();
    const since = (await f.sim.control.requests({ pathPrefix: '/api/v1/groups' })).length;
    const users = await Promise.all(Array.from({ length: 20 }, (_, i) => f.sim.control.createUser({ login: `lean.${i}@example.com` })));
    await Promise.all(users.map((u) => f.sim.control.lockUser(u.id, { via: 'failed-signins' })));
    for (const user of users) {
      const state = await lockoutResult(f, user.id);
      assert.equal(state.outcome, 'unlocked');
      assert.equal(state.statusAfter, 'ACTIVE');
      const calls = await f.sim.control.requests({ pathPrefix: `/api/v1/users/${user.id}` });
      assert.deepEqual(calls.map((c) => `${c.method} ${c.path.replace(user.id, '{id}')}`), ['GET /api/v1/users/{id}', 'POST /api/v1/users/{id}/lifecycle/unlock']);
    }
    // One name query and one page of members (Okta Admins is small), shared by all 20 checks.
    const groupReads = (await f.sim.control.requests({ pathPrefix: '/api/v1/groups' })).slice(since);
    assert.deepEqual(groupReads.map((c) => `${c.method} ${c.path.replace(/00g\w+/, '{groupId}')}`), ['GET /api/v1/groups', 'GET /api/v1/groups/{groupId}/users']);
    const history = await f.temporal.client.workflow.getHandle(lockoutWorkflowId(users[0]!.id)).fetchHistory();
    // Two activities, the policies' and the lean check's markers.
    assert.ok((history.events ?? []).length <= 30, `${history.events?.length} events`);
  });

  it('an episode Okta refuses ends as failed: the user, the poller and the search attribute say so', async () => {
    const user = await f.sim.control.createUser({ login: 'refused@example.com' });
    await f.sim.control.setFaults([{ endpoint: `/api/v1/users/${user.id}/lifecycle/unlock`, type: '403' }]);
    await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    const state = await lockoutResult(f, user.id);
    await f.sim.control.clearFaults();
    assert.equal(state.outcome, 'failed');
    assert.match(state.error ?? '', /403|E0000006|permission/i);
    assert.deepEqual(f.notifier.to(user.id).map((n) => n.kind), ['lockout-failed']);
    const poller = await eventually('the poller told', async () => {
      const s = await f.pollerState();
      return s.recentFailures?.some((r) => r.userId === user.id) ? s : undefined;
    });
    assert.ok((poller.episodesFailed ?? 0) >= 1);
    await eventually('the failed run found by its outcome', async () => {
      for await (const wf of f.temporal.client.workflow.list({ query: `OktaUserId = "${user.id}" AND AccessOutcome = "failed"` })) return wf;
      return undefined;
    });
  });

  it('new settings reach the running poller at start-up; disabling the poller stops it', async () => {
    const changed = loadConfig({ ...configEnv(f), UNLOCK_POLICY: 'notify-only', LOCKOUT_POLL_PAGE_SIZE: '7' }, { dotEnvPath: false });
    const { handle, reconfigured } = await startOrReconfigurePoller(f.temporal.client, changed, f.sim.url);
    assert.equal(reconfigured, true);
    const state = await f.pollerState();
    assert.equal(state.settings?.unlock.policy, 'notify-only');
    assert.equal(state.settings?.pageSize, 7);
    const user = await f.sim.control.createUser({ login: 'after.reconfigure@example.com' });
    await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    assert.equal((await lockoutResult(f, user.id)).outcome, 'notified-only');

    assert.equal(await stopLockoutPoller(f.temporal.client, f.sim.url, 'test'), true);
    await handle.result();
    assert.equal((await f.temporal.client.workflow.getHandle(lockoutPollerWorkflowId(f.sim.url)).describe()).status.name, 'COMPLETED');
    assert.equal(await stopLockoutPoller(f.temporal.client, f.sim.url, 'test'), false, 'nothing left to stop');
  });
});

/** The fixture's settings as environment variables, to derive a changed configuration from. */
function configEnv(f: LockoutFixture): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: f.config.temporal.address,
    TEMPORAL_TASK_QUEUE: f.config.temporal.taskQueue,
    TEMPORAL_OKTA_TASK_QUEUE: f.config.temporal.oktaTaskQueue,
    TEMPORAL_OKTA_LOG_TASK_QUEUE: f.config.temporal.oktaLogTaskQueue,
    OKTA_ORG_URL: f.sim.url,
    OKTA_API_TOKEN: f.sim.apiToken,
    LOCKOUT_POLL_INTERVAL: '300ms',
  };
}
