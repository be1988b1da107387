/**
 * What the helpdesk console shows, read from Temporal: requests waiting for approval (operator views,
 * never a link), recent lockout episodes with their outcomes, and the poller's state (including the
 * storm breaker's, when the poller reports one).
 */
import type { Client } from '@temporalio/client';
import type { OperatorView } from '../../../workflows/self-service/messages.js';
import { pollerState } from '../../lockout-client.js';
import type { SelfServiceClient } from '../../self-service-client.js';
import { listRuns } from '../../visibility.js';

/** Bounded: the console is a screen, not an export. */
const MAX_PENDING = 100;
const MAX_LOCKOUTS = 25;

export interface ConsoleData {
  pending: OperatorView[];
  lockouts: { workflowId: string; login?: string; userId?: string; status: string; outcome?: string; startedAt: string; closedAt?: string }[];
  poller: (Record<string, unknown> & { openLockouts: number }) | null;
}

/** Only runs on this deployment's task queue: a run without a worker would leave its query hanging. */
export async function consoleData(client: Client, selfService: SelfServiceClient, taskQueue: string, orgUrl: string | undefined): Promise<ConsoleData> {
  const open = await listRuns(client, `AccessAction IN ("reset-password", "reset-mfa") AND ExecutionStatus = "Running" AND TaskQueue = ${JSON.stringify(taskQueue)}`, MAX_PENDING);
  const views = await Promise.all(open.runs.map((run) => selfService.operatorView(run.workflowId).catch(() => undefined)));
  const pending = views.filter((v): v is OperatorView => v?.phase === 'awaiting-approval' && !v.approval?.decision);
  const recent = await listRuns(client, 'AccessAction = "unlock"', MAX_LOCKOUTS);
  const lockouts = recent.runs.map((r) => ({
    workflowId: r.workflowId,
    ...(r.keywords.OktaLogin ? { login: r.keywords.OktaLogin } : {}),
    ...(r.keywords.OktaUserId ? { userId: r.keywords.OktaUserId } : {}),
    status: r.status,
    ...(r.keywords.AccessOutcome ? { outcome: r.keywords.AccessOutcome } : {}),
    startedAt: r.startTime.toISOString(),
    ...(r.closeTime ? { closedAt: r.closeTime.toISOString() } : {}),
  }));
  let poller: ConsoleData['poller'] = null;
  if (orgUrl) {
    try {
      const state = (await pollerState(client, orgUrl)) as unknown as Record<string, unknown>;
      const openLockouts = (await client.workflow.count('AccessAction = "unlock" AND ExecutionStatus = "Running"')).count;
      poller = { ...state, openLockouts };
    } catch {
      poller = null; // no poller running for this org
    }
  }
  return { pending, lockouts, poller };
}
