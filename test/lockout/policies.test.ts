/**
 * Attack-safe unlock policies end to end (real poller, real children, the simulator over HTTP):
 * threats and new networks are not auto-unlocked, protected accounts wait for a verified helpdesk
 * approval, and a user locked out again and again within a day is told what to fix instead.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decideUnlockApprovalUpdate, lockoutStateQuery, lockoutWorkflowId, type LockoutState } from '../../workflows/lockout/messages.js';
import { eventually } from '../helpers/eventually.js';
import type { OktaUser } from '../../okta-sim/control-client.js';
import { lockoutFixture, nextEpisode, type LockoutFixture } from './fixture.js';

const awaitingQuestion = (f: LockoutFixture, userId: string) =>
  eventually('the user was asked in chat', async () => {
    const s = await f.temporal.client.workflow.getHandle(lockoutWorkflowId(userId)).query(lockoutStateQuery);
    return s.phase === 'awaiting-user' ? s : undefined;
  }, 30_000);

describe('unlock policies during an attack', () => {
  let f: LockoutFixture;
  let admin: OktaUser;
  let helpdesk: OktaUser;
  before(async () => {
    f = await lockoutFixture({ LOCKOUT_POLL_INTERVAL: '300ms', RELOCK_MAX_PER_DAY: '2', ASK_USER_TIMEOUT: '10m', APPROVAL_TIMEOUT: '10m' });
    // Group members before the first check reads them: the workers trust their copy for LOCKOUT_PROTECTED_CACHE_TTL.
    // In the helpdesk group too: only the no-self-approval rule stops them approving their own unlock.
    admin = await f.sim.control.createUser({ login: 'locked.admin@example.com', groups: ['Okta Admins', 'Helpdesk'] });
    helpdesk = await f.sim.control.createUser({ login: 'helpdesk.agent@example.com', groups: ['Helpdesk'] });
    await f.startPoller();
  });
  after(async () => {
    await f?.close();
    await f?.temporal.close();
  });

  it('threat-aware: a lockout Okta flags as a threat is not unlocked: the user is asked first', async () => {
    const user = await f.sim.control.createUser({ login: 'threat.flagged@example.com' });
    await f.sim.control.lockUser(user.id, { via: 'failed-signins', debugData: { threatSuspected: 'true' } });
    const state = await awaitingQuestion(f, user.id);
    assert.match(state.policyReasons?.join(' ') ?? '', /threat/);
    assert.equal((await f.sim.control.getUser(user.id)).status, 'LOCKED_OUT');
    assert.deepEqual(f.notifier.to(user.id).map((n) => n.kind), ['lockout-ask-user']);
  });

  it('threat-aware: a HIGH risk level counts too', async () => {
    const user = await f.sim.control.createUser({ login: 'threat.high@example.com' });
    await f.sim.control.lockUser(user.id, { via: 'failed-signins', debugData: { risk: '{reasons=Anomalous Device, level=HIGH}' } });
    const state = await awaitingQuestion(f, user.id);
    assert.match(state.policyReasons?.join(' ') ?? '', /HIGH/);
  });

  it('threat-aware: a lockout from a network the user was not seen on is not unlocked; the known one is', async () => {
    const user = await f.sim.control.createUser({ login: 'new.network@example.com' });
    await f.sim.control.lockUser(user.id, { via: 'failed-signins', ipAddress: '198.51.100.7' });
    const first = await nextEpisode(f, user.id);
    assert.equal(first.state.outcome, 'unlocked', 'the first lockout has nothing to compare with');
    await f.sim.control.lockUser(user.id, { via: 'failed-signins', ipAddress: '192.0.2.200' });
    await eventually('the foreign lockout reached a new episode', async () => (await f.temporal.client.workflow.getHandle(lockoutWorkflowId(user.id)).describe()).runId !== first.runId);
    const state = await awaitingQuestion(f, user.id);
    assert.match(state.policyReasons?.join(' ') ?? '', /network/);
    assert.equal((await f.sim.control.getUser(user.id)).status, 'LOCKED_OUT');
  });

  it('protected accounts: an admin is not unlocked automatically; only a helpdesk member other than the admin approves', async () => {
    const outsider = await f.sim.control.createUser({ login: 'not.helpdesk@example.com' });
    await f.sim.control.lockUser(admin.id, { via: 'failed-signins' });
    const request = await eventually('the helpdesk was asked to approve', async () => f.notifier.to(admin.id).find((n) => n.kind === 'lockout-approval-request'), 30_000);
    assert.equal(request.data?.audience, 'helpdesk');
    const handle = f.temporal.client.workflow.getHandle(lockoutWorkflowId(admin.id));
    await eventually('awaiting approval', async () => (await handle.query(lockoutStateQuery)).phase === 'awaiting-approval');
    assert.equal((await f.sim.control.getUser(admin.id)).status, 'LOCKED_OUT');
    // The worker's cache of the group members said so: the admin's own groups were not read.
    assert.equal((await f.sim.control.requests({ pathPrefix: `/api/v1/users/${admin.id}/groups` })).length, 0);
    assert.ok((await f.sim.control.requests({ pathPrefix: '/api/v1/groups/' })).some((c) => c.path.endsWith('/users')), 'the members were read');

    const own = await handle.executeUpdate(decideUnlockApprovalUpdate, { args: [{ decision: 'approve', approver: 'locked.admin@example.com', reason: 'it is me' }] });
    assert.equal(own.accepted, false, 'nobody approves their own unlock');
    const stranger = await handle.executeUpdate(decideUnlockApprovalUpdate, { args: [{ decision: 'approve', approver: outsider.profile.login, reason: 'sure' }] });
    assert.equal(stranger.accepted, false, 'only helpdesk staff approve');
    assert.equal((await f.sim.control.getUser(admin.id)).status, 'LOCKED_OUT');

    const ok = await handle.executeUpdate(decideUnlockApprovalUpdate, { args: [{ decision: 'approve', approver: helpdesk.profile.login, reason: 'called the admin back' }] });
    assert.equal(ok.accepted, true);
    const state = (await handle.result()) as LockoutState;
    assert.equal(state.outcome, 'unlocked');
    assert.equal(state.approval?.by, helpdesk.profile.login);
    assert.equal(state.approval?.rejectedAttempts, 2);
    assert.equal((await f.sim.control.getUser(admin.id)).status, 'ACTIVE');
  });

  it('protected accounts: when the group members cannot be read, the admin\'s own groups are: still held', async () => {
    await f.restartWorkers(); // an empty member cache, whose first read fails
    await f.sim.control.setFaults([{ endpoint: '/api/v1/groups', type: '500' }]);
    try {
      const second = await f.sim.control.createUser({ login: 'second.admin@example.com', groups: ['Okta Admins'] });
      await f.sim.control.lockUser(second.id, { via: 'failed-signins' });
      await eventually('the helpdesk was asked to approve', async () => f.notifier.to(second.id).some((n) => n.kind === 'lockout-approval-request'), 30_000);
      assert.equal((await f.sim.control.getUser(second.id)).status, 'LOCKED_OUT');
      assert.equal((await f.sim.control.requests({ pathPrefix: `/api/v1/users/${second.id}/groups` })).length, 1, 'one per-user group read');
      assert.ok((await f.sim.control.requests({ pathPrefix: '/api/v1/groups' })).some((c) => c.status === 500), 'the member read was tried');
    } finally {
      await f.sim.control.clearFaults();
    }
  });

  it('re-lock loops across episodes: the third lockout within a day is not unlocked; the user is told what to fix', async () => {
    const user = await f.sim.control.createUser({ login: 'old.password.phone@example.com' });
    let runId: string | undefined;
    for (let i = 0; i < 2; i++) {
      await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
      const episode = await nextEpisode(f, user.id, runId);
      assert.equal(episode.state.outcome, 'unlocked', `episode ${i + 1} is unlocked`);
      runId = episode.runId;
    }
    await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    const third = await nextEpisode(f, user.id, runId);
    assert.equal(third.state.outcome, 'relock-loop');
    assert.match(third.state.policyReasons?.join(' ') ?? '', /3 times within a day/);
    assert.equal((await f.sim.control.getUser(user.id)).status, 'LOCKED_OUT');
    const told = f.notifier.to(user.id).at(-1);
    assert.equal(told?.kind, 'lockout-relock-stop');
    assert.match(told?.text ?? '', /old password/);
  });
});
