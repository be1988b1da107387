/**
 * The self-service run's waits, on a time-skipping test server with mocked activities: hours of
 * workflow time pass in milliseconds, so the timeouts themselves are tested (approval, factor choice,
 * the linger that answers late requests after a reset). The end-to-end tests (workflows.test.ts,
 * against the dev server and the simulator) cover the same run with real Okta calls.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import type { OktaFactorSummary, OktaUserSummary } from '../../activities/okta-activities.js';
import type { SelfServicePolicy } from '../../activities/self-service/activities.js';
import { decideApprovalUpdate, operatorViewQuery, type SelfServiceAction, submitRequestUpdate } from '../../workflows/self-service/messages.js';
import { mfaResetWorkflow, passwordResetWorkflow } from '../../workflows/self-service/workflows.js';
import { startTimeSkipping, type TimeSkipping } from '../helpers/time-skipping.js';
import { requester, rid } from './helpers.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const basePolicy: SelfServicePolicy = {
  approval: 'none',
  approvalTimeoutMs: 24 * HOUR,
  choiceTimeoutMs: HOUR,
  helpdeskLogins: [],
  protectedGroups: [],
  mfaMode: 'all',
  resettableFactorTypes: ['*'],
  dailyLimit: 0,
  portalUrl: 'https://portal.example.com',
  enabled: true,
  secretDelivery: true,
  oktaMaxAttempts: 1,
  oktaActivityTimeoutMs: 10_000,
  answerLingerMs: 0,
};

/** What the mocked activities were asked, per workflow ID. */
const calls = new Map<string, { name: string; args: unknown[] }[]>();
const policies = new Map<string, SelfServicePolicy>();
const callsOf = (workflowId: string, name: string) => (calls.get(workflowId) ?? []).filter((c) => c.name === name);

const currentWorkflowId = () => Context.current().info.workflowExecution?.workflowId ?? '';
function mock<A extends unknown[], R>(name: string, fn: (...args: A) => R): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const wf = currentWorkflowId();
    calls.set(wf, [...(calls.get(wf) ?? []), { name, args }]);
    return fn(...args);
  };
}

const HELPDESK = 'carol@example.com';
const user = (login: string): OktaUserSummary => ({ id: `00u-${login}`, status: 'ACTIVE', login, email: login });
const factors: OktaFactorSummary[] = [
  { id: 'f-push', factorType: 'push', provider: 'OKTA', status: 'ACTIVE', displayName: 'Okta Verify' },
  { id: 'f-sms', factorType: 'sms', provider: 'OKTA', status: 'ACTIVE', displayName: 'SMS to +1 XXX-XXX-1234' },
];
const activities = {
  selfServicePolicy: mock('selfServicePolicy', () => policies.get(currentWorkflowId()) ?? basePolicy),
  countRecentSelfServiceSuccesses: mock('countRecentSelfServiceSuccesses', () => 0),
  notifySelfService: mock('notifySelfService', (_n: { text: string }) => ({ delivered: true, via: 'test' })),
  oktaFindUser: mock('oktaFindUser', (loginOrEmail: string) => user(loginOrEmail)),
  oktaListUserGroups: mock('oktaListUserGroups', (id: string) => (id === user(HELPDESK).id ? [{ id: '00g-helpdesk', name: 'Helpdesk' }] : [])),
  oktaListFactors: mock('oktaListFactors', (_id: string) => factors),
  oktaResetPassword: mock('oktaResetPassword', (id: string) => ({ resetPasswordUrl: `https://okta.example.com/reset_password/${id}` })),
  oktaResetFactors: mock('oktaResetFactors', (_id: string) => undefined),
  oktaDeleteFactor: mock('oktaDeleteFactor', (_id: string, _f: string) => ({ outcome: 'deleted' as const })),
};

describe('self-service waits on a time-skipping server (mocked activities)', () => {
  let ts: TimeSkipping;
  before(async () => {
    ts = await startTimeSkipping(activities);
  });
  after(async () => {
    await ts?.close();
  });

  /** Starts a run for a fresh account with `policy` and sends the owner's own request. */
  async function ownerAsks(action: SelfServiceAction, policy: Partial<SelfServicePolicy>) {
    const login = `u-${rid().slice(0, 8)}@example.com`;
    const workflowId = `${action}/${login}`;
    policies.set(workflowId, { ...basePolicy, ...policy });
    const handle = await ts.env.client.workflow.start(action === 'reset-password' ? passwordResetWorkflow : mfaResetWorkflow, {
      workflowId,
      taskQueue: ts.taskQueue,
      args: [{ action, target: login, oktaTaskQueue: ts.taskQueue }],
    });
    const ask = () => handle.executeUpdate(submitRequestUpdate, { args: [{ requestId: `test:${rid()}`, frontend: 'test', requester: requester(login) }] });
    return { login, workflowId, handle, ask, first: await ask() };
  }
  /** Workflow time from the run's start to its close (the server's clock, which skips). */
  const runTime = async (handle: { describe(): Promise<{ startTime: Date; closeTime?: Date }> }) => {
    const d = await handle.describe();
    return d.closeTime!.getTime() - d.startTime.getTime();
  };
  const notes = (workflowId: string) => callsOf(workflowId, 'notifySelfService').map((c) => (c.args[0] as { text: string }).text);

  it('an approval that never comes expires after the approval timeout (24 h), not sooner', async () => {
    const run = await ownerAsks('reset-password', { approval: 'helpdesk' });
    assert.equal(run.first.status, 'awaiting-approval');
    await ts.env.sleep(23 * HOUR);
    assert.equal((await run.handle.query(operatorViewQuery)).phase, 'awaiting-approval');
    const result = await run.handle.result();
    const waited = await runTime(run.handle);
    assert.equal(result.outcome, 'expired');
    assert.ok(waited >= 24 * HOUR && waited < 25 * HOUR, `expired after ${waited / HOUR} h`);
    assert.equal(callsOf(run.workflowId, 'oktaResetPassword').length, 0);
    assert.match(notes(run.workflowId).join('\n'), /no helpdesk approval arrived in time/);
  });

  it('an approval decided in time by helpdesk (after the owner and a non-helpdesk user were turned away) resets once', async () => {
    const run = await ownerAsks('reset-password', { approval: 'helpdesk', helpdeskGroup: 'Helpdesk' });
    assert.equal(run.first.status, 'awaiting-approval');
    await ts.env.sleep(2 * HOUR);
    const decide = (approver: string) => run.handle.executeUpdate(decideApprovalUpdate, { args: [{ decision: 'approve', approver, reason: 'verified by phone' }] });
    const own = await decide(run.login);
    assert.deepEqual([own.accepted, own.code], [false, 'not-allowed']);
    assert.match(own.message, /own account/);
    const colleague = await decide('mallory@example.com');
    assert.deepEqual([colleague.accepted, colleague.code], [false, 'not-allowed']);
    assert.match(colleague.message, /Only helpdesk staff/);
    assert.equal(callsOf(run.workflowId, 'oktaResetPassword').length, 0);
    const approved = await decide(HELPDESK);
    assert.equal(approved.accepted, true, approved.message);
    const result = await run.handle.result();
    assert.equal(result.outcome, 'link-issued');
    assert.deepEqual([result.approval?.decision, result.approval?.by, result.approval?.rejectedAttempts], ['approved', HELPDESK, 2]);
    assert.equal(callsOf(run.workflowId, 'oktaResetPassword').length, 1);
  });

  it('an MFA reset waiting for a factor choice expires after the choice timeout (1 h) and resets nothing', async () => {
    const run = await ownerAsks('reset-mfa', { mfaMode: 'choose' });
    assert.equal(run.first.status, 'awaiting-choice');
    assert.deepEqual(run.first.factors?.map((f) => f.id), ['f-push', 'f-sms']);
    await ts.env.sleep(59 * MINUTE);
    assert.equal((await run.handle.query(operatorViewQuery)).phase, 'awaiting-choice');
    const result = await run.handle.result();
    const waited = await runTime(run.handle);
    assert.equal(result.outcome, 'expired');
    assert.ok(waited >= HOUR && waited < 2 * HOUR, `expired after ${waited / MINUTE} min`);
    assert.equal(callsOf(run.workflowId, 'oktaDeleteFactor').length + callsOf(run.workflowId, 'oktaResetFactors').length, 0);
    assert.match(notes(run.workflowId).join('\n'), /no factor was chosen in time/);
  });

  it('after a reset the run lingers: late asks get the same link (one reset) and keep it open until they stop', async () => {
    const run = await ownerAsks('reset-password', { answerLingerMs: 10 * MINUTE });
    assert.equal(run.first.status, 'completed');
    assert.ok(run.first.resetLink);
    // The same person asking again (new keys) is answered from the run, not tracked again; each late ask
    // restarts the quiet time, so a client retrying every few minutes never lands after the close.
    for (const _ of [1, 2]) {
      await ts.env.sleep(8 * MINUTE);
      const late = await run.ask();
      assert.equal(late.status, 'completed');
      assert.equal(late.runId, run.first.runId);
      assert.equal(late.resetLink, run.first.resetLink);
    }
    await ts.env.sleep(9 * MINUTE);
    assert.equal((await run.handle.describe()).status.name, 'RUNNING');
    const result = await run.handle.result();
    const lived = await runTime(run.handle);
    assert.ok(lived >= 26 * MINUTE && lived < 27 * MINUTE, `closed after ${lived / MINUTE} min`);
    assert.equal(result.outcome, 'link-issued');
    assert.equal(result.requests, 1);
    assert.equal(callsOf(run.workflowId, 'oktaResetPassword').length, 1);
  });
});
