import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { replyToUnlockQuestion } from '../../client/lockout-client.js';
import { lockoutStateQuery, lockoutWorkflowId, unlockReplySignal, type LockoutState } from '../../workflows/lockout/messages.js';
import { lockoutWorkflow } from '../../workflows/lockout/unlock.js';
import { eventually } from '../helpers/eventually.js';
import { lockoutFixture, type LockoutFixture } from './fixture.js';

describe('lockout workflow: unlock policies', () => {
  let f: LockoutFixture;
  before(async () => {
    f = await lockoutFixture();
  });
  after(async () => {
    await f?.close();
    await f?.temporal.close(); // this file's only suite: the shared connection goes with it
  });

  async function lockAndStart(login: string, policy: 'auto' | 'ask-user' | 'notify-only', askUserTimeoutMs = 60_000) {
    const user = await f.sim.control.createUser({ login });
    const { events } = await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    const lock = events.find((e) => e.eventType === 'user.account.lock')!;
    const handle = await f.temporal.client.workflow.start(lockoutWorkflow, {
      workflowId: lockoutWorkflowId(user.id),
      taskQueue: f.config.temporal.taskQueue,
      args: [
        {
          user: { id: user.id, login },
          firstEvent: { uuid: lock.uuid, eventType: lock.eventType, published: lock.published, reason: 'LOCKED_OUT' },
          policy,
          askUserTimeoutMs,
          oktaTaskQueue: f.config.temporal.oktaTaskQueue,
        },
      ],
    });
    return { user, handle };
  }

  const asked = (userId: string) => eventually('the user was asked', async () => f.notifier.to(userId).find((n) => n.kind === 'lockout-ask-user'));

  it('ask-user + yes: unlocks after the user confirms', async () => {
    const { user, handle } = await lockAndStart('ask.yes@example.com', 'ask-user');
    const question = await asked(user.id);
    assert.equal(question.workflowId, lockoutWorkflowId(user.id));
    assert.equal((await handle.query(lockoutStateQuery)).phase, 'awaiting-user');
    assert.equal((await f.sim.control.getUser(user.id)).status, 'LOCKED_OUT', 'nothing changes before the answer');
    // Someone else answering "yes" (say, whoever is spraying passwords) is ignored.
    const stranger = await f.sim.control.createUser({ login: 'ask.stranger@example.com' });
    await replyToUnlockQuestion(f.temporal.client, user.id, { answer: 'yes', email: stranger.profile.email });
    await eventually('the stranger rejected', async () => ((await handle.query(lockoutStateQuery)).rejectedReplies ?? 0) >= 1);
    assert.equal((await f.sim.control.getUser(user.id)).status, 'LOCKED_OUT');
    await replyToUnlockQuestion(f.temporal.client, user.id, { answer: 'yes', email: 'ask.yes@example.com', respondent: 'slack:U123' });
    const state: LockoutState = await handle.result();
    assert.equal(state.outcome, 'unlocked');
    assert.equal(state.rejectedReplies, 1);
    assert.equal(state.reply?.respondent, 'slack:U123');
    assert.equal((await f.sim.control.getUser(user.id)).status, 'ACTIVE');
  });

  it('ask-user + no: stays locked, no unlock call', async () => {
    const { user, handle } = await lockAndStart('ask.no@example.com', 'ask-user');
    await asked(user.id);
    // A malformed reply from the user themselves is ignored (logged), not a workflow-task failure
    // loop, and never read as a yes...
    await handle.signal(unlockReplySignal, { answer: 'perhaps', email: 'ask.no@example.com' } as never);
    const ignored = await eventually('the malformed reply ignored', async () => {
      const s = await handle.query(lockoutStateQuery);
      return s.ignoredMessages === 1 ? s : undefined;
    });
    assert.equal(ignored.phase, 'awaiting-user');
    assert.equal(ignored.rejectedReplies, undefined, 'refused for its shape, not for its sender');
    // ...and the real answer still counts.
    await replyToUnlockQuestion(f.temporal.client, user.id, { answer: 'no', email: 'ask.no@example.com' });
    const state: LockoutState = await handle.result();
    assert.equal(state.outcome, 'declined');
    assert.equal((await f.sim.control.getUser(user.id)).status, 'LOCKED_OUT');
    assert.equal((await f.sim.control.requests({ pathPrefix: `/api/v1/users/${user.id}/lifecycle/unlock` })).length, 0);
  });

  it('ask-user + no answer: expires and tells the user', async () => {
    const { user, handle } = await lockAndStart('ask.silent@example.com', 'ask-user', 1_500);
    const state: LockoutState = await handle.result();
    assert.equal(state.outcome, 'expired');
    assert.deepEqual(
      f.notifier.to(user.id).map((n) => n.kind),
      ['lockout-ask-user', 'lockout-ask-expired'],
    );
    assert.equal((await f.sim.control.getUser(user.id)).status, 'LOCKED_OUT');
  });

  it('notify-only: tells the user how to recover and changes nothing', async () => {
    const { user, handle } = await lockAndStart('notify.only@example.com', 'notify-only');
    const state: LockoutState = await handle.result();
    assert.equal(state.outcome, 'notified-only');
    assert.equal(f.notifier.to(user.id)[0]?.kind, 'lockout-notify-only');
    assert.equal((await f.sim.control.getUser(user.id)).status, 'LOCKED_OUT');
  });

  it('auto: a chat outage does not fail or undo the unlock', async () => {
    const user = await f.sim.control.createUser({ login: 'chat.down@example.com' });
    f.notifier.failFor.add(user.id);
    const failedBefore = f.notifier.attemptsFailed;
    const { events } = await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    const lock = events.find((e) => e.eventType === 'user.account.lock')!;
    const state: LockoutState = await f.temporal.client.workflow.execute(lockoutWorkflow, {
      workflowId: lockoutWorkflowId(user.id),
      taskQueue: f.config.temporal.taskQueue,
      args: [{ user: { id: user.id }, firstEvent: { uuid: lock.uuid, eventType: lock.eventType, published: lock.published }, policy: 'auto', askUserTimeoutMs: 60_000, oktaTaskQueue: f.config.temporal.oktaTaskQueue }],
    });
    assert.equal(state.outcome, 'unlocked');
    assert.equal(state.notified, false);
    assert.match(state.notificationError ?? '', /failed/i);
    assert.equal(f.notifier.attemptsFailed - failedBefore, 3, 'a few retries, then it gives up');
    assert.equal((await f.sim.control.getUser(user.id)).status, 'ACTIVE');
  });

  it('rejects malformed input by failing the run, not by retrying a workflow task', async () => {
    const handle = await f.temporal.client.workflow.start(lockoutWorkflow, {
      workflowId: lockoutWorkflowId(`bad-input-${Date.now()}`),
      taskQueue: f.config.temporal.taskQueue,
      args: [{ user: { id: '' } } as never],
    });
    await assert.rejects(handle.result(), (err: Error) => {
      const cause = (err as Error & { cause?: Error }).cause;
      assert.match(cause?.message ?? '', /invalid lockout input/);
      return true;
    });
  });
});
