import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Payload } from '@temporalio/common';
import { createPayloadCodec } from '../../client/data-converter.js';
import { ENCRYPTED_ENCODING } from '../../client/payload-codec.js';
import { testTemporal, type TestTemporal } from '../helpers/temporal.js';
import { requester, rid, startSelfServiceEnv, type SelfServiceEnv } from './helpers.js';

/** Polls until fn returns a truthy value (no fixed sleeps). */
async function eventually<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
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

  before(async () => {
    temporal = await testTemporal();
    env = await startSelfServiceEnv(temporal);
    allMode = await startSelfServiceEnv(temporal, { MFA_RESET_MODE: 'all', MFA_RESETTABLE_FACTOR_TYPES: 'push,sms,email' }, env.sim);
    strict = await startSelfServiceEnv(temporal, { APPROVAL_PASSWORD_RESET: 'helpdesk', APPROVAL_TIMEOUT: '1s' }, env.sim);
  });
  after(async () => {
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
    // The same request ID from another chat user is not theirs to read.
    const other = await env.selfService.requestPasswordReset({ requestId, requester: { chatUserId: 'someone-else', email: user.login } });
    assert.notEqual(other.runId, first.runId, 'a different requester never sees the first answer');
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
    const unknownRequester = await env.selfService.requestMfaReset({ requestId: rid(), requester: requester(`ghost-${rid()}@example.com`) });
    assert.equal(unknownRequester.refusal?.code, 'user-not-found');
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

    const done = await eventually(async () => {
      const v = await env.selfService.getRequest(first.id, first.target ? requester(admin.login).chatUserId : 'x');
      return v.status === 'completed' && v;
    }, 'completion');
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
    const deniedView = await eventually(async () => {
      const v = await env.selfService.getRequest(denied.id, requester(helper.login).chatUserId);
      return v.status === 'denied' && v;
    }, 'denied');
    assert.match(deniedView.message, /no ticket/);
    assert.ok(env.notifications.some((n) => n.userId === employee.id && /denied/.test(n.text)), 'employee told');
    assert.equal((await env.sim.control.getUser(employee.id)).status, 'ACTIVE');

    const approved = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(helper.login), target: employee.login });
    assert.notEqual(approved.runId, denied.runId);
    await env.selfService.decideApproval(approved.workflowId, { decision: 'approve', approver: 'carol@example.com', reason: 'ticket 42' });
    const view = await eventually(async () => {
      const v = await env.selfService.getRequest(approved.id, requester(helper.login).chatUserId);
      return v.status === 'completed' && v;
    }, 'completed');
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
    await eventually(
      async () => (await env.client.workflow.count(`OktaUserId = "${user.id}" AND AccessAction = "reset-mfa" AND AccessOutcome = "factors-reset"`)).count === 1,
      'visibility',
    );
    const again = await env.selfService.requestMfaReset({ requestId: rid(), requester: requester(user.login) });
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
});
