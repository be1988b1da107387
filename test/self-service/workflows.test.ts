import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Payload } from '@temporalio/common';
import { createPayloadCodec } from '../../client/data-converter.js';
import { ENCRYPTED_ENCODING } from '../../client/payload-codec.js';
import { approvalSignal, cancelRequestSignal, operatorViewQuery } from '../../workflows/self-service/messages.js';
import { eventually } from '../helpers/eventually.js';
import { testTemporal, type TestTemporal } from '../helpers/temporal.js';
import { requester, rid, startSelfServiceEnv, type SelfServiceEnv } from './helpers.js';

/** Fails (instead of hanging the suite) when a promise does not settle in time. */
async function within<T>(p: Promise<T>, what: string, timeoutMs = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True when any string or byte array anywhere in `value` contains `needle`. */
function containsText(value: unknown, needle: string, seen = new Set<unknown>()): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return value.includes(needle);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1').includes(needle);
  if (typeof value !== 'object' || seen.has(value)) return false;
  seen.add(value);
  return Object.values(value as Record<string, unknown>).some((v) => containsText(v, needle, seen));
}

function collectPayloads(value: unknown, out: Payload[] = [], seen = new Set<unknown>()): Payload[] {
  if (!value || typeof value !== 'object' || seen.has(value) || value instanceof Uint8Array) return out;
  seen.add(value);
  const v = value as Record<string, unknown>;
  if (v.metadata && typeof v.metadata === 'object' && v.data instanceof Uint8Array) out.push(v as Payload);
  for (const child of Object.values(v)) collectPayloads(child, out, seen);
  return out;
}

describe('self-service workflows (dev server + Okta simulator)', () => {
  let temporal: TestTemporal;
  let env: SelfServiceEnv;
  let allMode: SelfServiceEnv;
  let strict: SelfServiceEnv;
  /** Own simulator (faults there touch nobody else), no Okta retries. */
  let faulty: SelfServiceEnv;
  /** Like NOTIFIER=log: cannot deliver links. */
  let logOnly: SelfServiceEnv;

  before(async () => {
    temporal = await testTemporal();
    env = await startSelfServiceEnv(temporal);
    allMode = await startSelfServiceEnv(temporal, { MFA_RESET_MODE: 'all', MFA_RESETTABLE_FACTOR_TYPES: 'push,sms,email' }, env.sim);
    strict = await startSelfServiceEnv(temporal, { APPROVAL_PASSWORD_RESET: 'helpdesk', APPROVAL_TIMEOUT: '1s' }, env.sim);
    faulty = await startSelfServiceEnv(temporal, { SELF_SERVICE_OKTA_MAX_ATTEMPTS: '1' });
    logOnly = await startSelfServiceEnv(temporal, {}, env.sim, { notifierName: 'log' });
  });
  after(async () => {
    await logOnly?.close();
    await faulty?.close();
    await strict?.close();
    await allMode?.close();
    await env?.close();
    await temporal?.close();
  });

  it('password reset: the owner gets a single-use link; history holds it only encrypted', async () => {
    const user = await env.newUser();
    const reply = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(user.login) });
    assert.equal(reply.status, 'completed', reply.message);
    assert.ok(reply.resetLink?.startsWith(`${env.sim.url}/reset_password/`), 'a simulator reset link');
    assert.equal((await env.sim.control.getUser(user.id)).status, 'RECOVERY');
    const token = reply.resetLink!.split('/').pop()!;
    assert.ok(token.length >= 16);

    const result = await env.client.workflow.getHandle(reply.workflowId, reply.runId).result();
    assert.equal(result.outcome, 'link-issued');
    assert.equal(containsText(result, token), false, 'the workflow result does not carry the link');
    const plain = temporal.client.workflow.getHandle(reply.workflowId, reply.runId); // no codec
    const history = await plain.fetchHistory();
    assert.ok((history.events?.length ?? 0) > 5);
    assert.equal(containsText(history, token), false, 'the link token is not in the exported history');
    assert.equal(containsText(history, 'reset_password/'), false, 'not even the link path');

    // With the key, the same history does hold the link.
    const codec = createPayloadCodec(env.config);
    const encrypted = collectPayloads(history).filter((p) => Buffer.from(p.metadata?.encoding ?? []).toString() === ENCRYPTED_ENCODING);
    assert.ok(encrypted.length > 3, 'payloads are encrypted');
    const decoded = await codec.decode(encrypted);
    assert.ok(decoded.some((p) => containsText(p.data, token)), 'the codec decodes the link from history');
    assert.equal(env.notifications.some((n) => n.text.includes(token)), false, 'the owner asked in chat: no second copy sent');
  });

  it('a retried request ID is harmless (same link, also after the run closed)', async () => {
    const user = await env.newUser();
    const requestId = rid();
    const first = await env.selfService.requestPasswordReset({ requestId, requester: requester(user.login) });
    await env.client.workflow.getHandle(first.workflowId, first.runId).result();
    const again = await env.selfService.requestPasswordReset({ requestId, requester: requester(user.login) });
    assert.equal(again.runId, first.runId);
    assert.equal(again.resetLink, first.resetLink);
    const resets = () => env.sim.control.requests({ pathPrefix: `/api/v1/users/${user.id}/lifecycle/reset_password`, method: 'POST' });
    assert.equal((await resets()).length, 1, 'the retry did not issue a second reset');
    // The same request ID from another chat user is another request: a conflict, never the first answer.
    await assert.rejects(
      env.selfService.requestPasswordReset({ requestId, requester: { chatUserId: 'someone-else', email: user.login } }),
      (err: Error & { code?: string }) => err.code === 'conflict',
    );
  });

  it('an employee cannot reset another account; unknown users are refused', async () => {
    const mallory = await env.newUser();
    const victim = await env.newUser();
    const refused = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(mallory.login), target: victim.login });
    assert.equal(refused.status, 'refused');
    assert.equal(refused.refusal?.code, 'not-your-account');
    assert.equal(refused.resetLink, undefined);
    assert.equal((await env.sim.control.getUser(victim.id)).status, 'ACTIVE');

    const unknownTarget = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester('carol@example.com'), target: `nobody-${rid()}@example.com` });
    assert.equal(unknownTarget.refusal?.code, 'user-not-found');
    // Asking for one's own (unknown) account: the target does not exist.
    const unknownOwn = await env.selfService.requestMfaReset({ requestId: rid(), requester: requester(`ghost-${rid()}@example.com`) });
    assert.equal(unknownOwn.refusal?.code, 'user-not-found');
    // A requester with no Okta account naming an existing one gets the same answer as anyone else.
    const unknownRequester = await env.selfService.requestMfaReset({ requestId: rid(), requester: requester(`ghost-${rid()}@example.com`), target: victim.login });
    assert.equal(unknownRequester.status, 'refused');
    assert.equal(unknownRequester.refusal?.code, 'not-your-account');
    assert.equal((await env.sim.control.listFactors(victim.id)).length, 2, 'nothing was reset');
  });

  it('protected account: waits for approval, a second request joins, only helpdesk may approve', async () => {
    const admin = await env.newUser({ groups: ['Okta Admins'] });
    const first = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(admin.login) });
    assert.equal(first.status, 'awaiting-approval');
    assert.match(first.approval?.why ?? '', /protected/);
    const second = await env.selfService.requestPasswordReset({ requestId: rid(), requester: { chatUserId: 'admin-on-teams', email: admin.login } });
    assert.equal(second.workflowId, first.workflowId);
    assert.equal(second.runId, first.runId, 'the second request joined the running one');

    const employee = await env.newUser();
    const notHelpdesk = await env.selfService.decideApproval(first.id, { decision: 'approve', approver: employee.login, reason: 'looks fine' });
    assert.equal(notHelpdesk.accepted, false);
    assert.match(notHelpdesk.message, /helpdesk/);
    const own = await env.selfService.decideApproval(first.id, { decision: 'approve', approver: admin.login, reason: 'me' });
    assert.equal(own.accepted, false);
    const ok = await env.selfService.decideApproval(first.id, { decision: 'approve', approver: 'carol@example.com', reason: 'verified by phone' });
    assert.equal(ok.accepted, true, ok.message);
    assert.equal(ok.view.approval?.rejectedAttempts, 2);

    const done = await eventually('completion', async () => {
      const v = await env.selfService.getRequest(first.id, first.target ? requester(admin.login).chatUserId : 'x');
      return v.status === 'completed' && v;
    });
    assert.ok(done.resetLink);
    const joined = await env.selfService.getRequest(second.id, 'admin-on-teams');
    assert.equal(joined.resetLink, done.resetLink, 'both of the owner\'s requests see the one link');
    assert.equal(done.approval?.by, 'carol@example.com');
  });

  it('helpdesk for another user: approval needed; denied; approved link goes to the employee only', async () => {
    const helper = await env.newUser({ groups: ['Helpdesk'] });
    const employee = await env.newUser();
    const denied = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(helper.login), target: employee.login });
    assert.equal(denied.status, 'awaiting-approval');
    assert.match(denied.approval?.why ?? '', /helpdesk for another user/);
    const selfApprove = await env.selfService.decideApproval(denied.id, { decision: 'approve', approver: helper.login, reason: 'mine' });
    assert.equal(selfApprove.accepted, false, 'a requester may not approve their own request');
    const no = await env.selfService.decideApproval(denied.id, { decision: 'deny', approver: 'carol@example.com', reason: 'no ticket' });
    assert.equal(no.accepted, true);
    const deniedView = await eventually('denied', async () => {
      const v = await env.selfService.getRequest(denied.id, requester(helper.login).chatUserId);
      return v.status === 'denied' && v;
    });
    assert.match(deniedView.message, /no ticket/);
    assert.ok(env.notifications.some((n) => n.userId === employee.id && /denied/.test(n.text)), 'employee told');
    assert.equal((await env.sim.control.getUser(employee.id)).status, 'ACTIVE');

    const approved = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(helper.login), target: employee.login });
    assert.notEqual(approved.runId, denied.runId);
    await env.selfService.decideApproval(approved.workflowId, { decision: 'approve', approver: 'carol@example.com', reason: 'ticket 42' });
    const view = await eventually('completed', async () => {
      const v = await env.selfService.getRequest(approved.id, requester(helper.login).chatUserId);
      return v.status === 'completed' && v;
    });
    assert.equal(view.resetLink, undefined, 'the helpdesk never sees the link');
    assert.ok(env.notifications.some((n) => n.userId === employee.id && n.text.includes('/reset_password/')), 'the employee got it directly');
  });

  it('MFA choose: lists factors, removes only the chosen one, gives the portal link; daily limit', async () => {
    const user = await env.newUser({ factors: [{ factorType: 'push' }, { factorType: 'sms' }, { factorType: 'token:hardware' }] });
    const reply = await env.selfService.requestMfaReset({ requestId: rid(), requester: requester(user.login) });
    assert.equal(reply.status, 'awaiting-choice', reply.message);
    assert.equal(reply.factors?.length, 3);
    const sms = reply.factors!.find((f) => f.factorType === 'sms')!;
    assert.ok(sms.name.length > 0 && sms.provider.length > 0 && sms.status.length > 0);
    assert.equal(reply.factors!.find((f) => f.factorType === 'token:hardware')?.resettable, false);
    await assert.rejects(
      env.selfService.chooseFactors(reply.id, requester(user.login).chatUserId, [reply.factors!.find((f) => !f.resettable)!.id]),
      /may not be reset/,
    );
    await assert.rejects(env.selfService.chooseFactors(reply.id, 'somebody-else', [sms.id]), /No such request/);
    const done = await env.selfService.chooseFactors(reply.id, requester(user.login).chatUserId, [sms.id]);
    assert.equal(done.status, 'completed', done.message);
    assert.equal(done.portalUrl, `${env.sim.url}/enduser/settings`);
    assert.match(done.message, /enduser\/settings/);
    const left = await env.sim.control.listFactors(user.id);
    assert.deepEqual(left.map((f) => f.factorType).sort(), ['push', 'token:hardware']);

    // Daily limit (1 MFA reset a day): wait until visibility counts the first, then ask again.
    await env.client.workflow.getHandle(done.workflowId, done.runId).result();
    await eventually('visibility', async () => (await env.client.workflow.count(`OktaUserId = "${user.id}" AND AccessAction = "reset-mfa" AND AccessOutcome = "factors-reset"`)).count === 1);
    // The same chat user asking again right after gets the same answer, not another reset.
    const repeat = await env.selfService.requestMfaReset({ requestId: rid(), requester: requester(user.login) });
    assert.equal(repeat.status, 'completed');
    assert.equal(repeat.runId, done.runId);
    // Another chat account of the same person starts a new run: the daily limit applies.
    const again = await env.selfService.requestMfaReset({ requestId: rid(), requester: { chatUserId: 'chat-other-device', email: user.login } });
    assert.equal(again.status, 'refused');
    assert.equal(again.refusal?.code, 'daily-limit');
    assert.match(again.message, /limit of 1 MFA reset/);
  });

  it('MFA all: resets every factor at once when all are resettable, else only the allowed ones', async () => {
    const simple = await allMode.newUser({ factors: [{ factorType: 'push' }, { factorType: 'sms' }] });
    const reply = await allMode.selfService.requestMfaReset({ requestId: rid(), requester: requester(simple.login) });
    assert.equal(reply.status, 'completed', reply.message);
    assert.deepEqual(await allMode.sim.control.listFactors(simple.id), []);
    const mixed = await allMode.newUser({ factors: [{ factorType: 'push' }, { factorType: 'webauthn' }] });
    const partial = await allMode.selfService.requestMfaReset({ requestId: rid(), requester: requester(mixed.login) });
    assert.equal(partial.status, 'completed');
    assert.deepEqual((await allMode.sim.control.listFactors(mixed.id)).map((f) => f.factorType), ['webauthn']);
  });

  it('approval timeout expires the request and tells the employee', async () => {
    const user = await strict.newUser();
    const reply = await strict.selfService.requestPasswordReset({ requestId: rid(), requester: requester(user.login) });
    assert.equal(reply.status, 'awaiting-approval');
    const result = await strict.client.workflow.getHandle(reply.workflowId, reply.runId).result();
    assert.equal(result.outcome, 'expired');
    const view = await strict.selfService.getRequest(reply.id, requester(user.login).chatUserId);
    assert.equal(view.status, 'expired');
    assert.ok(strict.notifications.some((n) => n.userId === user.id && /expired/.test(n.text)));
    assert.equal((await strict.sim.control.getUser(user.id)).status, 'ACTIVE');
  });

  it('Okta failing before the account is resolved: the request answers failed at once; the next one starts fresh', async () => {
    const user = await faulty.newUser();
    await faulty.sim.control.setFaults([{ endpoint: '/api/v1/users', type: '500' }]);
    let failed;
    try {
      failed = await within(faulty.selfService.requestPasswordReset({ requestId: rid(), requester: requester(user.login) }), 'the failed request');
    } finally {
      await faulty.sim.control.clearFaults();
    }
    assert.equal(failed.status, 'failed', failed.message);
    assert.match(failed.message, /could not be completed/);
    const result = await within(faulty.client.workflow.getHandle(failed.workflowId, failed.runId).result(), 'the run');
    assert.equal(result.outcome, 'failed');
    const fresh = await within(faulty.selfService.requestPasswordReset({ requestId: rid(), requester: requester(user.login) }), 'the next request');
    assert.equal(fresh.status, 'completed', fresh.message);
    assert.notEqual(fresh.runId, failed.runId);
    assert.ok(fresh.resetLink);
  });

  it('an approval signal whose Okta check fails does not fail the run; it is recorded and can be retried', async () => {
    const admin = await faulty.newUser({ groups: ['Okta Admins'] });
    const approver = await faulty.newUser({ groups: ['Helpdesk'] });
    const reply = await faulty.selfService.requestPasswordReset({ requestId: rid(), requester: requester(admin.login) });
    assert.equal(reply.status, 'awaiting-approval');
    const handle = faulty.client.workflow.getHandle(reply.workflowId, reply.runId);
    await faulty.sim.control.setFaults([{ endpoint: `/api/v1/users/${approver.id}/groups`, type: '500' }]);
    try {
      await handle.signal(approvalSignal, { decision: 'approve', approver: approver.login, reason: 'ticket 7' });
      const view = await eventually('the failed check recorded', async () => {
        const v = await handle.query(operatorViewQuery);
        return v.approval?.lastError !== undefined && v;
      });
      assert.match(view.approval!.lastError!, /could not be checked/);
      assert.equal(view.approval?.decision, undefined);
      assert.equal(view.approval?.rejectedAttempts, 0, 'an Okta failure is not a refusal');
      assert.equal((await handle.describe()).status.name, 'RUNNING', 'the run survived the failed signal');
      const viaUpdate = await faulty.selfService.decideApproval(reply.id, { decision: 'approve', approver: approver.login, reason: 'ticket 7' });
      assert.equal(viaUpdate.accepted, false);
      assert.equal(viaUpdate.code, 'check-failed');
    } finally {
      await faulty.sim.control.clearFaults();
    }
    const ok = await faulty.selfService.decideApproval(reply.id, { decision: 'approve', approver: approver.login, reason: 'ticket 7' });
    assert.equal(ok.accepted, true, ok.message);
    assert.equal((await within(handle.result(), 'the run')).outcome, 'link-issued');
  });

  it('log notifier: a helpdesk link for someone else is refused before any Okta call; own requests still work', async () => {
    const helper = await logOnly.newUser({ groups: ['Helpdesk'] });
    const employee = await logOnly.newUser();
    await logOnly.sim.control.clearRequests();
    const refused = await logOnly.selfService.requestPasswordReset({ requestId: rid(), requester: requester(helper.login), target: employee.login });
    assert.equal(refused.status, 'refused');
    assert.equal(refused.refusal?.code, 'not-allowed');
    assert.match(refused.message, /cannot be delivered/);
    // Answered by the request's gate: the employee's account has no run at all.
    await assert.rejects(logOnly.client.workflow.getHandle(`reset-password/${employee.login}`).describe(), /not found/i);
    assert.deepEqual(await logOnly.sim.control.requests({ pathPrefix: '/api/v1/' }), [], 'no Okta call at all');
    assert.equal((await logOnly.sim.control.getUser(employee.id)).status, 'ACTIVE');
    const own = await logOnly.selfService.requestPasswordReset({ requestId: rid(), requester: requester(employee.login) });
    assert.equal(own.status, 'completed', own.message);
    assert.ok(own.resetLink, 'the owner gets the link in chat');
  });

  it('a helpdesk link that cannot be delivered ends failed and tells the helpdesk the account is in recovery', async () => {
    const helper = await env.newUser({ groups: ['Helpdesk'] });
    const employee = await env.newUser();
    const reply = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(helper.login), target: employee.login });
    assert.equal(reply.status, 'awaiting-approval');
    env.failDelivery = true;
    try {
      const ok = await env.selfService.decideApproval(reply.id, { decision: 'approve', approver: 'carol@example.com', reason: 'ticket 9' });
      assert.equal(ok.accepted, true, ok.message);
      const result = await within(env.client.workflow.getHandle(reply.workflowId, reply.runId).result(), 'the run');
      assert.equal(result.outcome, 'failed');
    } finally {
      env.failDelivery = false;
    }
    const view = await env.selfService.getRequest(reply.id, requester(helper.login).chatUserId);
    assert.equal(view.status, 'failed');
    assert.match(view.message, /could not be delivered/);
    assert.match(view.message, /RECOVERY/);
    assert.match(view.message, /ask again/);
    assert.equal(view.resetLink, undefined);
    assert.equal((await env.sim.control.getUser(employee.id)).status, 'RECOVERY');
  });

  it('whoever approved cannot join the run as a requester afterwards', async () => {
    const admin = await env.newUser({ groups: ['Okta Admins'] });
    const helper = await env.newUser({ groups: ['Helpdesk'] });
    const reply = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(admin.login) });
    assert.equal(reply.status, 'awaiting-approval');
    // Hold the reset in Okta so the run is still open when the approver asks.
    await env.sim.control.setFaults([{ endpoint: `/api/v1/users/${admin.id}/lifecycle/reset_password`, type: 'latency', latencyMs: 3000 }]);
    try {
      const ok = await env.selfService.decideApproval(reply.id, { decision: 'approve', approver: helper.login, reason: 'verified' });
      assert.equal(ok.accepted, true, ok.message);
      const joined = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(helper.login), target: admin.login });
      assert.equal(joined.runId, reply.runId, 'joined the approved run');
      assert.equal(joined.status, 'refused');
      assert.equal(joined.refusal?.code, 'not-allowed');
    } finally {
      await env.sim.control.clearFaults();
    }
    const result = await env.client.workflow.getHandle(reply.workflowId, reply.runId).result();
    assert.equal(result.outcome, 'link-issued');
  });

  it('daily limit counts a run still open for the same person under another key (login vs email)', async () => {
    const user = await env.newUser({ email: `mail-${rid().slice(0, 8)}@example.net` });
    const asker = { chatUserId: `chat-${user.id}`, email: user.email };
    const first = await env.selfService.requestMfaReset({ requestId: rid(), requester: asker, target: user.login });
    assert.equal(first.status, 'awaiting-choice', first.message);
    // Visibility lag: the open run counts once its OktaUserId is indexed.
    await eventually('visibility', async () => (await env.client.workflow.count(`OktaUserId = "${user.id}" AND AccessAction = "reset-mfa" AND ExecutionStatus = "Running"`)).count === 1);
    const second = await env.selfService.requestMfaReset({ requestId: rid(), requester: asker });
    assert.notEqual(second.workflowId, first.workflowId, 'keyed by email, not login');
    assert.equal(second.status, 'refused', second.message);
    assert.equal(second.refusal?.code, 'daily-limit');
    await env.client.workflow.getHandle(first.workflowId, first.runId).signal(cancelRequestSignal, { by: 'test' });
    assert.equal((await env.client.workflow.getHandle(first.workflowId, first.runId).result()).outcome, 'cancelled');
  });

  it('the requester is the user whose email is the verified one, not a user whose login looks like it', async () => {
    const email = `shared-${rid().slice(0, 8)}@example.com`;
    // Someone else's login is the owner's email address.
    await env.sim.control.createUser({ id: `00u${rid().replace(/-/g, '').slice(0, 17)}`, login: email, email: `other-${rid().slice(0, 8)}@example.com`, firstName: 'Look', lastName: 'Alike' });
    const owner = await env.newUser({ email });
    const reply = await env.selfService.requestPasswordReset({ requestId: rid(), requester: { chatUserId: 'chat-owner', email } });
    assert.equal(reply.status, 'refused', reply.message);
    assert.equal(reply.refusal?.code, 'requester-not-found');
    assert.equal(reply.resetLink, undefined);
    assert.equal((await env.sim.control.getUser(owner.id)).status, 'ACTIVE');
  });

  it('the submitted request is used as parsed: a padded, upper-case email still finds the requester', async () => {
    const user = await env.newUser();
    const reply = await env.selfService.requestPasswordReset({ requestId: rid(), requester: { chatUserId: 'chat-padded', email: `  ${user.login.toUpperCase()} ` } });
    assert.equal(reply.status, 'completed', reply.message);
    assert.ok(reply.resetLink);
  });
});
