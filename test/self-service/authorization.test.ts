/** Fast unit tests of the pure authorisation rules (no server): the gate's decisions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gateDecision, isHelpdesk, NOT_YOUR_ACCOUNT } from '../../workflows/self-service/authorization.js';

const base = { action: 'reset-mfa' as const, targetKey: 'bob@example.com', requesterEmail: 'alice@example.com', secretDelivery: true };

describe('self-service authorisation rules', () => {
  it('own account by email passes without looking anyone up', () => {
    assert.deepEqual(gateDecision({ ...base, targetKey: 'alice@example.com' }), { proceed: true });
  });

  it('someone else: the requester is looked up first; every non-helpdesk answer is the same', () => {
    assert.equal(gateDecision(base), 'look-up-requester');
    const unknown = gateDecision({ ...base, requester: null });
    const employee = gateDecision({ ...base, requester: { login: 'alice', email: 'alice@example.com', helpdesk: false } });
    assert.deepEqual(unknown, { proceed: false, refusal: NOT_YOUR_ACCOUNT });
    assert.deepEqual(employee, unknown);
  });

  it('helpdesk staff and the owner named by login pass', () => {
    assert.deepEqual(gateDecision({ ...base, requester: { login: 'carol', helpdesk: true } }), { proceed: true });
    assert.deepEqual(gateDecision({ ...base, targetKey: 'alice', requester: { login: 'Alice', helpdesk: false } }), { proceed: true });
  });

  it('a link for someone else that cannot be delivered is refused before any lookup', () => {
    const d = gateDecision({ ...base, action: 'reset-password', secretDelivery: false });
    assert.ok(typeof d === 'object' && !d.proceed && d.refusal.code === 'not-allowed');
  });

  it('helpdesk by listed login/email or by group', () => {
    const policy = { helpdeskLogins: ['carol@example.com'], helpdeskGroup: 'Helpdesk' };
    assert.equal(isHelpdesk(policy, 'Carol@example.com', undefined, []), true);
    assert.equal(isHelpdesk(policy, 'dave', 'dave@example.com', [{ name: 'Helpdesk' }]), true);
    assert.equal(isHelpdesk(policy, 'dave', 'dave@example.com', [{ name: 'Engineering' }]), false);
    assert.equal(isHelpdesk({ helpdeskLogins: [] }, 'dave', undefined, [{ name: 'Helpdesk' }]), false);
  });
});
