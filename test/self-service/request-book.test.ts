/** Fast unit tests of the run's request book (no server): per-run caps and the rules over its state. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SubmitRequest } from '../../workflows/self-service/messages.js';
import { MAX_APPROVAL_ATTEMPTS, MAX_APPROVERS, MAX_TRACKED_REQUESTS, RequestBook } from '../../workflows/self-service/request-book.js';

const ask = (n: number, who = `u${n}`): SubmitRequest => ({ requestId: `test:${n}`, frontend: 'test', requester: { chatUserId: `chat-${who}`, email: `${who}@example.com` } });
const book = () => new RequestBook('reset-password/alice@example.com', 'run-1', 'reset-password');

describe('self-service request book', () => {
  it('caps tracked requests per run; a retry or an earlier answer still passes the cap', () => {
    const b = book();
    for (let i = 0; i < MAX_TRACKED_REQUESTS; i++) {
      assert.equal(b.full(ask(i)), false);
      b.track(ask(i));
    }
    assert.equal(b.full(ask(MAX_TRACKED_REQUESTS)), true, 'a new request is over the cap');
    assert.equal(b.full(ask(3)), false, 'a retry of a tracked request is not');
    b.requests[7]!.state = 'accepted';
    b.phase = 'done';
    assert.equal(b.full({ ...ask(999, 'u7') }), false, 'the same person asking again after the reset gets their earlier answer');
    assert.equal(b.queue.length, MAX_TRACKED_REQUESTS);
    assert.deepEqual(b.memoRequests()[0], ['test:0', 'chat-u0']);
  });

  it('late asks keep a lingering run open only up to the per-run cap, and only when the run counts them', () => {
    const b = book();
    b.track(ask(1));
    b.lateAnswers = 3;
    assert.equal(b.lingerActivity(false), 1, 'runs before the marker watch tracked requests only');
    assert.equal(b.lingerActivity(true), 4);
    b.lateAnswers = MAX_TRACKED_REQUESTS + 500;
    assert.equal(b.lingerActivity(true), 1 + MAX_TRACKED_REQUESTS, 'a flood stops extending the linger');
  });

  it('caps approval attempts per approver (case-insensitive) and the number of distinct approvers', () => {
    const b = book();
    for (let i = 0; i < MAX_APPROVAL_ATTEMPTS; i++) {
      assert.equal(b.approvalCapped(' Mallory@example.com'), false);
      b.countApprovalAttempt(i % 2 ? 'mallory@example.com' : 'MALLORY@example.com ');
    }
    assert.equal(b.approvalCapped('mallory@example.com'), true);
    assert.equal(b.approvalCapped('carol@example.com'), false, 'one flooding approver blocks only themselves');
    for (let i = 1; i < MAX_APPROVERS; i++) b.countApprovalAttempt(`approver${i}@example.com`);
    assert.equal(b.approvalCapped('approver1@example.com'), false, 'a known approver under their own cap');
    assert.equal(b.approvalCapped('carol@example.com'), true, 'no more distinct approvers');
  });

  it('the account owner and the run\'s requesters may not approve; refused requesters may', () => {
    const b = book();
    b.target = { oktaUserId: '00u-alice', login: 'alice@example.com', protected: true };
    const r = b.track(ask(1, 'bob'));
    r.requesterOktaId = '00u-bob';
    r.state = 'accepted';
    assert.match(b.approverForbidden('00u-alice') ?? '', /own account/);
    assert.match(b.approverForbidden('00u-bob') ?? '', /own request/);
    r.state = 'refused';
    assert.equal(b.approverForbidden('00u-bob'), undefined);
  });

  it('factor choices are checked against the listed factors, only while a choice is awaited', () => {
    const b = book();
    b.factors = [
      { id: 'f1', factorType: 'push', provider: 'OKTA', name: 'Okta Verify', status: 'ACTIVE', resettable: true },
      { id: 'f2', factorType: 'webauthn', provider: 'FIDO', name: 'Key', status: 'ACTIVE', resettable: false },
    ];
    assert.match(b.choiceProblem(['f1']) ?? '', /not waiting/);
    b.phase = 'awaiting-choice';
    assert.equal(b.choiceProblem(['f1']), undefined);
    assert.match(b.choiceProblem(['f1', 'nope']) ?? '', /Unknown factor\(s\): nope/);
    assert.match(b.choiceProblem(['f2']) ?? '', /may not be reset here: f2/);
  });

  it('a cancel takes until the reset starts, never after', () => {
    const b = book();
    b.phase = 'awaiting-approval';
    assert.equal(b.cancel('ops@example.com'), true);
    assert.equal(b.cancelledBy, 'ops@example.com');
    const late = book();
    late.phase = 'resetting';
    assert.equal(late.cancel('ops@example.com'), false);
    assert.equal(late.cancelledBy, undefined);
  });
});
