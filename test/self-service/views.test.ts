/** Fast unit tests of the run's pure views (no server): who sees what, and when an answer is ready. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answeredBefore, operatorView, requestView, type RunSnapshot, settled, type TrackedRequest } from '../../workflows/self-service/views.js';

const at = '2026-01-01T00:00:00.000Z';
const owner: TrackedRequest = { requestId: 'slack:1', frontend: 'slack', chatUserId: 'U1', email: 'alice@example.com', at, state: 'accepted', self: true };
const helpdesk: TrackedRequest = { requestId: 'slack:2', frontend: 'slack', chatUserId: 'U2', email: 'carol@example.com', at, state: 'accepted', self: false };
const run = (over: Partial<RunSnapshot> = {}): RunSnapshot => ({
  workflowId: 'reset-password/alice@example.com',
  runId: 'r1',
  action: 'reset-password',
  phase: 'done',
  outcome: 'link-issued',
  createdAt: at,
  updatedAt: at,
  requests: [owner, helpdesk],
  target: { oktaUserId: '00u1', login: 'alice@example.com', protected: false },
  approval: { required: false, rejectedAttempts: 0 },
  resetLink: 'https://okta.example.com/reset_password/abc',
  ...over,
});

describe('self-service views', () => {
  it('the link goes only to the account owner\'s own completed request, never to operators', () => {
    assert.equal(requestView(run(), owner).resetLink, 'https://okta.example.com/reset_password/abc');
    assert.equal(requestView(run(), helpdesk).resetLink, undefined);
    assert.match(requestView(run(), helpdesk).message, /sent to alice@example.com directly/);
    assert.equal(requestView(run({ phase: 'resetting', outcome: 'pending' }), owner).resetLink, undefined);
    assert.ok(!JSON.stringify(operatorView(run())).includes('reset_password/abc'));
    assert.equal(operatorView(run()).linkIssued, true);
  });

  it('a refused request shows its own refusal, or the run\'s', () => {
    const refused: TrackedRequest = { ...helpdesk, state: 'refused', refusal: { code: 'not-allowed', message: 'no' } };
    assert.deepEqual(requestView(run(), refused).refusal, { code: 'not-allowed', message: 'no' });
    const plain: TrackedRequest = { ...helpdesk, state: 'refused' };
    const view = requestView(run({ outcome: 'refused', runRefusal: { code: 'daily-limit', message: 'limit' }, resetLink: undefined }), plain);
    assert.equal(view.status, 'refused');
    assert.equal(view.message, 'limit');
  });

  it('answers are ready when the run waits for someone or is done; late asks find the earlier answer', () => {
    assert.equal(settled({ phase: 'checking' }, owner), false);
    assert.equal(settled({ phase: 'awaiting-approval' }, owner), true);
    assert.equal(settled({ phase: 'checking' }, { ...owner, state: 'refused' }), true);
    assert.equal(answeredBefore(run(), 'U1', 'ALICE@example.com'), owner);
    assert.equal(answeredBefore(run(), 'U9', 'alice@example.com'), undefined);
    assert.equal(answeredBefore(run({ phase: 'resetting' }), 'U1', 'alice@example.com'), undefined);
  });
});
