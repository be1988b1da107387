import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebhookNotifier } from '../../activities/notify/notifier.js';
import { SelfServiceClient } from '../../client/self-service-client.js';
import { NOTIFICATIONS_PATH } from '../../client/slack-app/notifications.js';
import { lockoutStateQuery, lockoutWorkflowId, type LockoutState } from '../../workflows/lockout/messages.js';
import { lockoutWorkflow } from '../../workflows/lockout/unlock.js';
import { eventually } from '../helpers/eventually.js';
import { buttonsOf } from './fake-slack.js';
import { HELPDESK_CHANNEL, slackFixture, type SlackFixture } from './fixture.js';

describe('Slack app: helpdesk approvals and lockout DMs', () => {
  let f: SlackFixture;
  before(async () => {
    f = await slackFixture();
  });
  after(async () => {
    await f?.close();
    await f?.temporal.close();
  });

  const posts = (channel: string) => f.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === channel);
  const channelText = () => JSON.stringify(f.slack.calls.filter((c) => String(c.args.channel).startsWith('C')));

  it('posts the approval to the channel; the approver is the Slack user who clicked; the message updates; the link comes by DM', async () => {
    const admin = await f.person({ groups: ['Okta Admins'] }); // protected account: always needs approval
    const colleague = await f.person();
    const carol = await f.person({ groups: ['Helpdesk'] });
    const asked = await f.command(admin.slackId, 'password');
    const waiting = await eventually('the waiting answer', async () => f.slack.responses.find((r) => r.url === new URL(asked.responseUrl).pathname));
    assert.match(String(waiting.body.text), /waiting for helpdesk approval/);

    const request = await eventually('the approval request in the channel', async () => posts(HELPDESK_CHANNEL)[0]);
    assert.match(String(request.args.text), new RegExp(`Password reset link.*${admin.login.replace(/\./g, '\\.')}`));
    assert.match(String(request.args.text), /protected account/);
    const approve = buttonsOf(request.args.blocks).find((b) => b.action_id === 'approval_approve')!;
    const messageTs = '1700000000.000001';

    // Someone outside the helpdesk clicks Approve: refused by the workflow, told privately, message unchanged.
    await f.click({ userId: colleague.slackId, actionId: 'approval_approve', value: approve.value, channelId: HELPDESK_CHANNEL, messageTs });
    const told = await eventually('the ephemeral refusal', async () => f.slack.callsOf('chat.postEphemeral').find((c) => c.args.user === colleague.slackId));
    assert.match(String(told.args.text), /Only helpdesk staff/);
    assert.equal(f.slack.callsOf('chat.update').length, 0);

    // Carol (helpdesk, by her Okta group) approves: the workflow records her, from Slack's users.info.
    await f.click({ userId: carol.slackId, actionId: 'approval_approve', value: approve.value, channelId: HELPDESK_CHANNEL, messageTs });
    const updated = await eventually('chat.update', async () => f.slack.callsOf('chat.update')[0]);
    assert.equal(updated.args.channel, HELPDESK_CHANNEL);
    assert.equal(updated.args.ts, messageTs);
    assert.match(String(updated.args.text), new RegExp(`Approved by <@${carol.slackId}>`));
    assert.equal(buttonsOf(updated.args.blocks).length, 0, 'no buttons left');
    const [workflowId] = /reset-password\/\S+/.exec(String(waiting.body.text)) ?? [`reset-password/${admin.login}`];
    const result = await f.client.workflow.getHandle(workflowId).result();
    assert.equal(result.outcome, 'link-issued');
    assert.equal(result.approval?.by, carol.login);

    // The employee who asked gets the link by DM, and the channel never saw it.
    const dm = await eventually('the link by DM', async () => posts(admin.slackId).find((c) => /reset_password\//.test(String(c.args.text))));
    assert.ok(dm);
    assert.doesNotMatch(channelText(), /reset_password/);
  });

  it('a request made elsewhere (HTTP API, CLI) is posted once by the sweep; Deny asks for the reason the employee reads', async () => {
    const admin = await f.person({ groups: ['Okta Admins'] });
    const carol = await f.person({ groups: ['Helpdesk'] });
    const other = new SelfServiceClient(f.client, { taskQueue: f.config.temporal.taskQueue, oktaTaskQueue: f.config.temporal.oktaTaskQueue, frontend: 'web' });
    const reply = await other.requestMfaReset({ requestId: 'web-1', requester: { chatUserId: 'web-user', email: admin.login } });
    const factor = reply.factors!.find((x) => x.resettable)!;
    assert.equal((await other.chooseFactors(reply.id, 'web-user', [factor.id])).status, 'awaiting-approval');
    const mine = () => posts(HELPDESK_CHANNEL).filter((c) => String(c.args.text).includes(admin.login));
    await f.app.sweepApprovals();
    await f.app.sweepApprovals();
    assert.equal(mine().length, 1, 'posted once');
    assert.match(String(mine()[0]!.args.text), /MFA reset.*\n.*\n.*\nFactors to reset: /);
    const deny = buttonsOf(mine()[0]!.args.blocks).find((b) => b.action_id === 'approval_deny')!;
    const ts = '1700000000.000099';
    await f.click({ userId: carol.slackId, actionId: 'approval_deny', value: deny.value, channelId: HELPDESK_CHANNEL, messageTs: ts });
    const modal = await eventually('the reason modal', async () => f.slack.callsOf('views.open')[0]);
    const view = modal.args.view as { callback_id: string; private_metadata: string };
    assert.equal(f.slack.callsOf('chat.update').filter((c) => c.args.ts === ts).length, 0, 'nothing decided before the reason');

    // An empty reason keeps the modal open with an error; a real one denies.
    const empty = await f.submit({ userId: carol.slackId, callbackId: view.callback_id, privateMetadata: view.private_metadata, inputs: { reason: '  ' } });
    assert.match(empty.text, /"response_action":"errors"/);
    const submitted = await f.submit({ userId: carol.slackId, callbackId: view.callback_id, privateMetadata: view.private_metadata, inputs: { reason: 'No ticket for this; call the helpdesk' } });
    assert.equal(submitted.status, 200);
    const updated = await eventually('chat.update', async () => f.slack.callsOf('chat.update').find((c) => c.args.ts === ts));
    assert.match(String(updated.args.text), new RegExp(`Denied by <@${carol.slackId}>.*No ticket for this`));
    const result = await f.client.workflow.getHandle(reply.workflowId, reply.runId).result();
    assert.equal(result.outcome, 'denied');
    assert.equal(result.approval?.by, carol.login);
    assert.equal(result.approval?.reason, 'No ticket for this; call the helpdesk');
    // The employee is told, by DM through the worker's webhook, with the reason.
    await eventually('the denial DM', async () => posts(admin.slackId).find((c) => /denied.*No ticket for this/.test(String(c.args.text))));

    // A stale copy of the post (say, posted again after a restart) is closed when clicked.
    await f.click({ userId: carol.slackId, actionId: 'approval_approve', value: deny.value, channelId: HELPDESK_CHANNEL, messageTs: '1700000000.000100' });
    const closed = await eventually('the stale post closed', async () => f.slack.callsOf('chat.update').find((c) => c.args.ts === '1700000000.000100'));
    assert.match(String(closed.args.text), /No longer waiting for approval \(denied, denied by /);
    assert.equal(buttonsOf(closed.args.blocks).length, 0);

    // A click from another channel is ignored: nobody is looked up, nothing is said.
    const before = f.slack.calls.length;
    await f.click({ userId: carol.slackId, actionId: 'approval_approve', value: deny.value, channelId: 'C0RANDOM' });
    await eventually('the click ignored', async () => f.logs.some((l) => l.includes('outside the helpdesk channel')));
    assert.equal(f.slack.calls.length, before);
  });

  it('lockout ask-user: a signed webhook becomes a DM with Yes/No; only the locked-out user can unlock', async () => {
    const erin = await f.person();
    const mallory = await f.person();
    const { events } = await f.sim.control.lockUser(erin.oktaId, { via: 'failed-signins' });
    const lock = events.find((e) => e.eventType === 'user.account.lock')!;
    const handle = await f.client.workflow.start(lockoutWorkflow, {
      workflowId: lockoutWorkflowId(erin.oktaId),
      taskQueue: f.config.temporal.taskQueue,
      args: [{ user: { id: erin.oktaId, login: erin.login }, firstEvent: { uuid: lock.uuid, eventType: lock.eventType, published: lock.published }, policy: 'ask-user', askUserTimeoutMs: 60_000, oktaTaskQueue: f.config.temporal.oktaTaskQueue }],
    });
    const question = await eventually('the question by DM', async () => posts(erin.slackId)[0]);
    assert.match(String(question.args.text), /Was that you/);
    const yes = buttonsOf(question.args.blocks).find((b) => b.action_id === 'lockout_reply_yes')!;
    assert.equal(yes.value, erin.oktaId);

    // Mallory sends the same click (as if she had the message): her verified email is not Erin's.
    await f.click({ userId: mallory.slackId, actionId: 'lockout_reply_yes', value: yes.value, responseUrl: f.slack.responseUrl() });
    await eventually('mallory rejected', async () => ((await handle.query(lockoutStateQuery)).rejectedReplies ?? 0) >= 1);
    assert.equal((await f.sim.control.getUser(erin.oktaId)).status, 'LOCKED_OUT');

    const reply = f.slack.responseUrl();
    await f.click({ userId: erin.slackId, actionId: 'lockout_reply_yes', value: yes.value, responseUrl: reply });
    const state: LockoutState = await handle.result();
    assert.equal(state.outcome, 'unlocked');
    assert.equal(state.reply?.respondent, `slack:${erin.slackId}`);
    assert.equal((await f.sim.control.getUser(erin.oktaId)).status, 'ACTIVE');
    const thanks = f.slack.responses.find((r) => r.url === new URL(reply).pathname);
    assert.equal(thanks?.body.replace_original, true);
    await eventually('the unlocked DM', async () => posts(erin.slackId).find((c) => /now unlocked/.test(String(c.args.text))));
  });

  it('notifications: a bad signature is refused; a person without Slack gets a permanent (4xx) failure', async () => {
    const url = `${f.app.url}${NOTIFICATIONS_PATH}`;
    const note = { kind: 'lockout-unlocked' as const, userId: '00uNOBODY', login: 'nobody@example.com', text: 'hi', workflowId: 'lockout/00uNOBODY' };
    await assert.rejects(new WebhookNotifier(url, 'wrong-secret-0123456789').notify(note), (err: Error & { retryable?: boolean }) => /401/.test(err.message) && err.retryable === false);
    await assert.rejects(new WebhookNotifier(url, f.config.notifier.kind === 'webhook' ? f.config.notifier.secret : '').notify(note), /404/);
    const stale = new WebhookNotifier(url, f.config.notifier.kind === 'webhook' ? f.config.notifier.secret : '', 5_000, () => Math.floor(Date.now() / 1000) - 600);
    await assert.rejects(stale.notify(note), /401/);
    const big = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(70 * 1024) });
    assert.equal(big.status, 413);
  });
});
