import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import { createDataConverter } from '../../client/data-converter.js';
import { loadConfig } from '../../temporal.config.js';
import { AccessActionKey } from '../../workflows/search-attributes.js';
import { runCli } from '../../client/cli.js';
import { aggregateReport, collectReportRuns, formatReport, percentile, type ReportRun } from '../../client/report.js';
import { lockoutWorkflowId } from '../../workflows/lockout/messages.js';
import { lockoutWorkflow } from '../../workflows/lockout/unlock.js';
import { eventually } from '../helpers/eventually.js';
import { testTemporal, type TestTemporal } from '../helpers/temporal.js';
import { requester, rid, startSelfServiceEnv, type SelfServiceEnv } from '../self-service/helpers.js';

const t0 = new Date('2026-01-10T10:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
let n = 0;
const run = (action: string, outcome: string, durationS: number | undefined, extra: Partial<ReportRun> = {}): ReportRun => ({
  workflowId: `${action}/${n}`,
  runId: `r${n++}`,
  action,
  outcome,
  status: durationS === undefined ? 'RUNNING' : 'COMPLETED',
  startTime: t0,
  ...(durationS === undefined ? {} : { closeTime: at(durationS) }),
  ...extra,
});

describe('report: aggregation (pure)', () => {
  it('percentiles interpolate between ranks', () => {
    assert.equal(percentile([], 50), undefined);
    assert.equal(percentile([7], 95), 7);
    assert.equal(percentile([1, 2, 3, 4], 50), 3); // 2.5 rounded
    assert.equal(percentile([0, 100], 95), 95);
    assert.equal(percentile(Array.from({ length: 101 }, (_, i) => i), 95), 95);
  });

  it('counts lockouts, unlock times, resets by outcome, approvals and the minutes saved', () => {
    const runs: ReportRun[] = [
      run('unlock', 'unlocked', 2),
      run('unlock', 'unlocked', 4),
      run('unlock', 'already-unlocked', 6),
      // Locked 20 s before the run started (the poll's delay): counted from the lock, 100 + 20 s.
      run('unlock', 'unlocked', 100, { lockedAt: at(-20) }),
      run('unlock', 'declined', 30),
      run('unlock', 'pending', undefined),
      run('reset-password', 'link-issued', 3),
      run('reset-password', 'link-issued', 600, { approval: { required: true, decision: 'approved', at: at(600) } }),
      run('reset-password', 'refused', 1),
      run('reset-mfa', 'factors-reset', 40),
      run('reset-mfa', 'denied', 120, { approval: { required: true, decision: 'denied', at: at(120) } }),
      run('reset-mfa', 'expired', 4 * 3600, { approval: { required: true } }),
      run('reset-mfa', 'pending', undefined),
      run('poll-lockouts', 'pending', undefined),
    ];
    const report = aggregateReport(runs, { since: at(-86_400), until: at(86_400), minutesPerTicket: 12 });
    assert.equal(report.lockouts.total, 6);
    assert.equal(report.lockouts.open, 1);
    assert.equal(report.lockouts.resolvedAutomatically, 4);
    assert.deepEqual(report.lockouts.byOutcome, { unlocked: 3, 'already-unlocked': 1, declined: 1, pending: 1 });
    // 2, 4, 6, 120 s: median 5 s, p95 between 6 and 120 (102.9 s).
    assert.deepEqual(report.lockouts.timeToUnlock, { count: 4, medianMs: 5_000, p95Ms: 102_900 });
    assert.deepEqual(report.selfService['reset-password'], { total: 3, open: 0, byOutcome: { 'link-issued': 2, refused: 1 } });
    assert.deepEqual(report.selfService['reset-mfa'], { total: 4, open: 1, byOutcome: { 'factors-reset': 1, denied: 1, expired: 1, pending: 1 } });
    assert.equal(report.approvals.required, 3);
    assert.equal(report.approvals.approved, 1);
    assert.equal(report.approvals.denied, 1);
    assert.equal(report.approvals.undecided, 1);
    assert.deepEqual(report.approvals.wait, { count: 2, medianMs: 360_000, p95Ms: 576_000 });
    // 4 auto-unlocks + 2 resets without approval (the approved one involved the helpdesk).
    assert.equal(report.helpdesk.ticketsAvoided, 6);
    assert.equal(report.helpdesk.minutesSaved, 72);
    const table = formatReport(report);
    assert.match(table, /resolved automatically\s+4/);
    assert.match(table, /helpdesk minutes saved\s+72 \(12 min per ticket\)/);
  });

  it('an empty period is all zeros, no NaN', () => {
    const report = aggregateReport([], { since: t0, until: at(60), minutesPerTicket: 15 });
    assert.deepEqual(report.lockouts.timeToUnlock, { count: 0 });
    assert.equal(report.helpdesk.minutesSaved, 0);
    assert.doesNotMatch(formatReport(report), /NaN|undefined/);
  });
});

describe('report: real runs on the dev server', () => {
  let temporal: TestTemporal;
  let env: SelfServiceEnv;
  before(async () => {
    temporal = await testTemporal();
    env = await startSelfServiceEnv(temporal);
  });
  after(async () => {
    await env?.close();
    await temporal?.close();
  });

  it('reads unlocks, resets and an approval from visibility and results', async () => {
    const since = new Date(Date.now() - 60_000);
    const queue = env.config.temporal.taskQueue;
    // Two lockouts unlocked by the real lockout workflow.
    for (let i = 0; i < 2; i++) {
      const user = await env.newUser();
      const { events } = await env.sim.control.lockUser(user.id, { via: 'failed-signins' });
      const lock = events.find((e) => e.eventType === 'user.account.lock')!;
      const state = await env.client.workflow.execute(lockoutWorkflow, {
        workflowId: lockoutWorkflowId(user.id),
        taskQueue: queue,
        args: [{ user: { id: user.id }, firstEvent: { uuid: lock.uuid, eventType: lock.eventType, published: lock.published }, policy: 'auto', askUserTimeoutMs: 60_000, oktaTaskQueue: env.config.temporal.oktaTaskQueue }],
      });
      assert.equal(state.outcome, 'unlocked');
    }
    // A self-service link, and one that needed (and got) helpdesk approval.
    const alice = await env.newUser();
    assert.equal((await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(alice.login) })).status, 'completed');
    const admin = await env.newUser({ groups: ['Okta Admins'] });
    const pending = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(admin.login) });
    assert.equal(pending.status, 'awaiting-approval');
    const decided = await env.selfService.decideApproval(pending.id, { decision: 'approve', approver: 'carol@example.com', reason: 'verified by phone' });
    assert.ok(decided.accepted, decided.message);
    await env.client.workflow.getHandle(pending.workflowId, pending.runId).result();

    // A run whose memo this deployment cannot decrypt (another key) is counted, not fatal to the report.
    const foreignKey = loadConfig({ PAYLOAD_ENCRYPTION_KEYS: `other:${Buffer.alloc(32, 9).toString('base64')}` }, { dotEnvPath: false });
    const foreign = new Client({ connection: env.client.connection, namespace: env.client.options.namespace, dataConverter: createDataConverter(foreignKey) });
    const stranger = await foreign.workflow.start('lockoutWorkflow', {
      workflowId: `report-foreign-${rid()}`,
      taskQueue: `${queue}-nobody`,
      args: [{}],
      memo: { note: 'encrypted with a key the report does not have' },
      typedSearchAttributes: [{ key: AccessActionKey, value: 'unlock' }],
    });
    const { runs, report } = await eventually('all four runs closed in visibility', async () => {
      const { runs } = await collectReportRuns(env.client, { since, extraQuery: `TaskQueue IN ("${queue}", "${queue}-nobody")` });
      const r = aggregateReport(runs, { since, until: new Date(), minutesPerTicket: 10 });
      return r.lockouts.resolvedAutomatically === 2 && r.lockouts.open === 1 && r.selfService['reset-password']?.byOutcome['link-issued'] === 2 && { runs, report: r };
    });
    // Time to unlock counts from Okta's lock event (read from the run's result), which precedes the run.
    for (const r of runs.filter((x) => x.action === 'unlock' && x.status === 'COMPLETED')) assert.ok(r.lockedAt && r.lockedAt <= r.startTime, 'lock time from the result');
    assert.equal(report.lockouts.open, 1, 'the undecryptable run is listed');
    await stranger.terminate('test finished');
    assert.equal(report.lockouts.timeToUnlock.count, 2);
    assert.ok(report.lockouts.timeToUnlock.p95Ms! > 0 && report.lockouts.timeToUnlock.p95Ms! < 30_000);
    assert.equal(report.approvals.required, 1);
    assert.equal(report.approvals.approved, 1);
    assert.equal(report.approvals.wait.count, 1);
    assert.equal(report.helpdesk.ticketsAvoided, 3, '2 unlocks + 1 link without approval');
    assert.equal(report.helpdesk.minutesSaved, 30);

    // The CLI's thin command over the same module.
    const lines: string[] = [];
    assert.equal(await runCli(['report', '--since', '1h', '--json'], { config: env.config, client: env.client, out: (l) => lines.push(l) }), 0);
    const json = JSON.parse(lines.join('\n')) as { lockouts: { resolvedAutomatically: number }; helpdesk: { minutesPerTicket: number } };
    assert.ok(json.lockouts.resolvedAutomatically >= 2);
    assert.equal(json.helpdesk.minutesPerTicket, 15);
    await assert.rejects(runCli(['report', '--since', 'forever'], { config: env.config, client: env.client, out: () => undefined }), /--since/);
  });
});
