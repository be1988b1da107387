/**
 * The helpdesk lead's report: what the product resolved without a ticket, how fast, and how much
 * helpdesk time that saved. Read from Temporal visibility (the project's search attributes, start
 * and close times) plus, for finished self-service runs, the approval record in their result (the
 * close event only, not the history). `aggregateReport` is pure; `collectReportRuns` does the I/O.
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { AccessActionKey, AccessOutcomeKey } from '../workflows/search-attributes.js';
import { listRuns } from './visibility.js';

/** One run as the report sees it. */
export interface ReportRun {
  workflowId: string;
  runId: string;
  /** AccessAction: `unlock`, `reset-password`, `reset-mfa`. */
  action: string;
  /** AccessOutcome (`pending` while open). */
  outcome: string;
  /** Temporal status: RUNNING, COMPLETED, FAILED, TERMINATED... */
  status: string;
  startTime: Date;
  closeTime?: Date;
  /** Lockouts: when Okta locked the account (the first lock event's `published`), from the run's result. */
  lockedAt?: Date;
  /** Self-service only: whether helpdesk approval was needed, and the decision's time. */
  approval?: { required: boolean; decision?: 'approved' | 'denied'; at?: Date };
}

export interface Distribution {
  count: number;
  medianMs?: number;
  p95Ms?: number;
}

export interface Report {
  since: string;
  until: string;
  lockouts: {
    total: number;
    open: number;
    byOutcome: Record<string, number>;
    /** Unlocked by the product (outcome `unlocked` or `already-unlocked`): no helpdesk involved. */
    resolvedAutomatically: number;
    /** From Okta's lock event (else the run's start, i.e. detection) to the end of the run, for runs that unlocked. */
    timeToUnlock: Distribution;
  };
  selfService: Record<string, { total: number; open: number; byOutcome: Record<string, number> }>;
  approvals: {
    required: number;
    approved: number;
    denied: number;
    /** Needed approval but ended without a decision (expired, cancelled, failed). Open runs count once closed. */
    undecided: number;
    /** From the request's start to the helpdesk decision. */
    wait: Distribution;
  };
  helpdesk: {
    minutesPerTicket: number;
    /** Auto-unlocks plus completed self-service resets that needed no approval. */
    ticketsAvoided: number;
    minutesSaved: number;
  };
}

const SELF_SERVICE_SUCCESS = new Set(['link-issued', 'factors-reset']);
const UNLOCKED = new Set(['unlocked', 'already-unlocked']);

/** Linear-interpolated percentile of ascending values (p in 0..100). */
export function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return Math.round(sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo));
}

function distribution(values: number[]): Distribution {
  const sorted = values.filter((v) => Number.isFinite(v) && v >= 0).sort((a, b) => a - b);
  const median = percentile(sorted, 50);
  const p95 = percentile(sorted, 95);
  return { count: sorted.length, ...(median !== undefined ? { medianMs: median } : {}), ...(p95 !== undefined ? { p95Ms: p95 } : {}) };
}

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

export function aggregateReport(runs: ReportRun[], opts: { since: Date; until: Date; minutesPerTicket: number }): Report {
  const lockouts = runs.filter((r) => r.action === 'unlock');
  const lockoutOutcomes: Record<string, number> = {};
  for (const r of lockouts) bump(lockoutOutcomes, r.status === 'RUNNING' ? 'pending' : r.outcome);
  const unlocked = lockouts.filter((r) => UNLOCKED.has(r.outcome) && r.status !== 'RUNNING');
  const unlockTimes = unlocked.filter((r) => r.closeTime).map((r) => r.closeTime!.getTime() - (r.lockedAt ?? r.startTime).getTime());

  const selfService: Report['selfService'] = {};
  const resets = runs.filter((r) => r.action === 'reset-password' || r.action === 'reset-mfa');
  for (const r of resets) {
    const entry = (selfService[r.action] ??= { total: 0, open: 0, byOutcome: {} });
    entry.total += 1;
    if (r.status === 'RUNNING') entry.open += 1;
    bump(entry.byOutcome, r.status === 'RUNNING' ? 'pending' : r.outcome);
  }

  const needed = resets.filter((r) => r.approval?.required);
  const decided = needed.filter((r) => r.approval?.decision && r.approval.at);
  const completedWithoutApproval = resets.filter((r) => SELF_SERVICE_SUCCESS.has(r.outcome) && !r.approval?.required);
  const ticketsAvoided = unlocked.length + completedWithoutApproval.length;

  return {
    since: opts.since.toISOString(),
    until: opts.until.toISOString(),
    lockouts: {
      total: lockouts.length,
      open: lockouts.filter((r) => r.status === 'RUNNING').length,
      byOutcome: lockoutOutcomes,
      resolvedAutomatically: unlocked.length,
      timeToUnlock: distribution(unlockTimes),
    },
    selfService,
    approvals: {
      required: needed.length,
      approved: needed.filter((r) => r.approval?.decision === 'approved').length,
      denied: needed.filter((r) => r.approval?.decision === 'denied').length,
      undecided: needed.filter((r) => !r.approval?.decision).length,
      wait: distribution(decided.map((r) => r.approval!.at!.getTime() - r.startTime.getTime())),
    },
    helpdesk: { minutesPerTicket: opts.minutesPerTicket, ticketsAvoided, minutesSaved: Math.round(ticketsAvoided * opts.minutesPerTicket) },
  };
}

/** The parts of the results the report reads (tolerant: other fields may change). */
const LockoutResultSchema = z.object({ events: z.array(z.object({ published: z.string() })).optional() });
const ResultApprovalSchema = z.object({
  approval: z
    .object({ required: z.boolean(), decision: z.enum(['approved', 'denied']).optional(), at: z.string().optional() })
    .optional(),
});

export interface CollectOptions {
  since: Date;
  /** Extra visibility filter ANDed to the report's (tests: `TaskQueue = "..."`). */
  extraQuery?: string;
  /** Runs read at most (newest first); the report says when it stopped there. */
  maxRuns?: number;
  /** Concurrent result fetches for finished self-service runs. */
  concurrency?: number;
}

export async function collectReportRuns(client: Client, opts: CollectOptions): Promise<{ runs: ReportRun[]; truncated: boolean }> {
  const query =
    `AccessAction IN ("unlock", "reset-password", "reset-mfa") AND StartTime >= "${opts.since.toISOString()}"` +
    (opts.extraQuery ? ` AND (${opts.extraQuery})` : '');
  const listed = await listRuns(client, query, opts.maxRuns ?? 20_000);
  const runs: ReportRun[] = listed.runs.map((r) => ({
    workflowId: r.workflowId,
    runId: r.runId,
    action: r.keywords[AccessActionKey.name] ?? '',
    outcome: r.keywords[AccessOutcomeKey.name] ?? 'pending',
    status: r.status,
    startTime: r.startTime,
    ...(r.closeTime ? { closeTime: r.closeTime } : {}),
  }));
  // Results hold what visibility does not: the lock time, the approval. Only the close event is read.
  const needResult = runs.filter((r) => r.status === 'COMPLETED');
  await forEachLimited(needResult, opts.concurrency ?? 8, async (run) => {
    try {
      const result: unknown = await client.workflow.getHandle(run.workflowId, run.runId).result();
      if (run.action === 'unlock') addLockTime(run, LockoutResultSchema.safeParse(result).data);
      else addApproval(run, ResultApprovalSchema.safeParse(result).data?.approval);
    } catch {
      // A result that cannot be read (e.g. an old key is gone): the run keeps what visibility said.
    }
  });
  return { runs, truncated: listed.truncated };
}

const validDate = (iso: string | undefined) => {
  const d = iso ? new Date(iso) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
};

function addLockTime(run: ReportRun, result: z.infer<typeof LockoutResultSchema> | undefined): void {
  const times = (result?.events ?? []).map((e) => validDate(e.published)).filter((d): d is Date => d !== undefined);
  const first = times.sort((a, b) => a.getTime() - b.getTime())[0];
  // A lock time after the run's end is not trustworthy (clock skew): keep the run's start then.
  if (first && (!run.closeTime || first <= run.closeTime)) run.lockedAt = first;
}

function addApproval(run: ReportRun, a: z.infer<typeof ResultApprovalSchema>['approval']): void {
  if (!a) return;
  const at = validDate(a.at);
  run.approval = { required: a.required, ...(a.decision ? { decision: a.decision } : {}), ...(at ? { at } : {}) };
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

const seconds = (ms: number | undefined) => (ms === undefined ? '-' : ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`);
const outcomes = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || '-';

/** A readable table for the terminal. */
export function formatReport(report: Report, truncated = false): string {
  const rows: [string, string][] = [
    ['period', `${report.since} → ${report.until}`],
    ['lockouts', `${report.lockouts.total} (${report.lockouts.open} open)`],
    ['  resolved automatically', String(report.lockouts.resolvedAutomatically)],
    ['  by outcome', outcomes(report.lockouts.byOutcome)],
    ['  time to unlock (median / p95)', `${seconds(report.lockouts.timeToUnlock.medianMs)} / ${seconds(report.lockouts.timeToUnlock.p95Ms)}`],
  ];
  for (const [action, entry] of Object.entries(report.selfService)) {
    rows.push([action, `${entry.total} (${entry.open} open)`], ['  by outcome', outcomes(entry.byOutcome)]);
  }
  rows.push(
    ['approvals needed', `${report.approvals.required} (approved ${report.approvals.approved}, denied ${report.approvals.denied}, undecided ${report.approvals.undecided})`],
    ['  wait for decision (median / p95)', `${seconds(report.approvals.wait.medianMs)} / ${seconds(report.approvals.wait.p95Ms)}`],
    ['helpdesk tickets avoided', String(report.helpdesk.ticketsAvoided)],
    ['helpdesk minutes saved', `${report.helpdesk.minutesSaved} (${report.helpdesk.minutesPerTicket} min per ticket)`],
  );
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  if (truncated) lines.push('(stopped at the run limit: older runs in the period are not counted)');
  return lines.join('\n');
}
