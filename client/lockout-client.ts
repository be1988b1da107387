/** Typed client calls for the lockout family (the CLI and the HTTP API use these too). */
import { WorkflowIdConflictPolicy, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import {
  lockoutPollerWorkflowId,
  lockoutStateQuery,
  lockoutWorkflowId,
  pausePollerSignal,
  pollNowSignal,
  pollerStateQuery,
  reconfigurePollerUpdate,
  resetPollerCursorUpdate,
  resumePollerSignal,
  stopPollerUpdate,
  unlockReplySignal,
  UnlockReplySchema,
  type LockoutState,
  type PollerSettingsInput,
  type PollerState,
  type UnlockReply,
  resumeBreakerUpdate,
  POLLER_PRIORITY,
} from '../workflows/lockout/messages.js';
import type { BreakerView } from '../workflows/lockout/policies.js';
import { lockoutPollerWorkflow, type PollerInput } from '../workflows/lockout/poller.js';
import type { AppConfig } from '../temporal.config.js';
import { executeUpdateRetrying } from './update-retry.js';

/** The poller settings the configuration asks for (what a start sends, and what a running poller is told). */
export function pollerSettingsFromConfig(config: AppConfig, orgUrl: string, overrides: Partial<PollerSettingsInput> = {}): PollerSettingsInput {
  return {
    oktaTaskQueue: config.temporal.oktaTaskQueue,
    logTaskQueue: config.temporal.oktaLogTaskQueue,
    pollerTaskQueue: config.temporal.pollerTaskQueue,
    episodeTaskQueue: config.temporal.taskQueue,
    pollIntervalMs: config.lockout.pollIntervalMs,
    lookbackMs: config.lockout.lookbackMs,
    pageSize: config.lockout.pageSize,
    maxPagesPerPoll: config.lockout.maxPagesPerPoll,
    maxChildrenPerRun: config.lockout.maxChildrenPerRun,
    fallbackOverlapMs: config.lockout.cursorOverlapMs,
    ...(config.lockout.stormStartsPerSecond ? { stormStartsPerSecond: config.lockout.stormStartsPerSecond } : {}),
    unlock: {
      policy: config.lockout.unlockPolicy,
      askUserTimeoutMs: config.lockout.askUserTimeoutMs,
      recoveryHint: `open ${orgUrl}/signin/unlock or ask the chat bot to unlock it.`,
      oktaCallTimeoutMs: config.oktaActivityTimeoutMs,
    },
    ...(config.lockout.policies
      ? { policies: { ...config.lockout.policies, helpdesk: { ...(config.selfService.helpdesk.group ? { group: config.selfService.helpdesk.group } : {}), logins: config.selfService.helpdesk.logins } } }
      : {}),
    ...overrides,
  };
}

export function pollerInputFromConfig(config: AppConfig, orgUrl: string, overrides: Partial<PollerSettingsInput> = {}): PollerInput {
  return { orgUrl, ...pollerSettingsFromConfig(config, orgUrl, overrides) };
}

export type PollerStart = { handle: WorkflowHandle<typeof lockoutPollerWorkflow>; reconfigured: boolean };

/**
 * Starts the org's poller, or finds the one already running, and gives it the current settings
 * (safe to call on every start-up: that is how new settings reach a long-running poller).
 */
export async function startLockoutPoller(client: Client, config: AppConfig, orgUrl: string, overrides: Partial<PollerSettingsInput> = {}): Promise<WorkflowHandle<typeof lockoutPollerWorkflow>> {
  return (await startOrReconfigurePoller(client, config, orgUrl, overrides)).handle;
}

export async function startOrReconfigurePoller(client: Client, config: AppConfig, orgUrl: string, overrides: Partial<PollerSettingsInput> = {}): Promise<PollerStart> {
  const settings = pollerSettingsFromConfig(config, orgUrl, overrides);
  const handle = await client.workflow.start(lockoutPollerWorkflow, {
    workflowId: lockoutPollerWorkflowId(orgUrl),
    // A queue and worker of its own (a poller already running elsewhere moves there at its next run).
    taskQueue: config.temporal.pollerTaskQueue,
    args: [{ orgUrl, ...settings }],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    // Detection goes first: during a storm its workflow tasks are not queued behind the episodes'.
    priority: { priorityKey: POLLER_PRIORITY },
    memo: { orgUrl },
  });
  try {
    // Also sent to a poller started just now: harmless, and one code path for both cases.
    await executeUpdateRetrying(handle, reconfigurePollerUpdate, [settings]);
    return { handle, reconfigured: true };
  } catch (err) {
    // A poller of the first release has no such update; it switches to the current code at its next poll.
    if (err instanceof WorkflowUpdateFailedError) return { handle, reconfigured: false };
    throw err;
  }
}

/** Tells the org's poller to finish (`FEATURE_LOCKOUT_POLLER=false`); false when none was running. */
export async function stopLockoutPoller(client: Client, orgUrl: string, by?: string): Promise<boolean> {
  const handle = pollerHandle(client, orgUrl);
  try {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return false;
    await executeUpdateRetrying(handle, stopPollerUpdate, [{ by: by ?? 'starter', reason: 'FEATURE_LOCKOUT_POLLER=false' }]);
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

export function pollerHandle(client: Client, orgUrl: string) {
  return client.workflow.getHandle<typeof lockoutPollerWorkflow>(lockoutPollerWorkflowId(orgUrl));
}

export async function pollerState(client: Client, orgUrl: string): Promise<PollerState> {
  return pollerHandle(client, orgUrl).query(pollerStateQuery);
}

export async function pausePoller(client: Client, orgUrl: string, by?: string): Promise<void> {
  await pollerHandle(client, orgUrl).signal(pausePollerSignal, by ? { by } : {});
}

export async function resumePoller(client: Client, orgUrl: string, by?: string): Promise<void> {
  await pollerHandle(client, orgUrl).signal(resumePollerSignal, by ? { by } : {});
}

/** Operators: close a tripped storm breaker; new lockouts follow the configured policy again. */
export async function resumeStormBreaker(client: Client, orgUrl: string, by?: string): Promise<BreakerView> {
  return executeUpdateRetrying(pollerHandle(client, orgUrl), resumeBreakerUpdate, [by ? { by } : {}]);
}

/** Operators: forget the cursor and read the System Log again from `since` (event UUIDs deduplicate). */
export async function resetPollerCursor(client: Client, orgUrl: string, since: string, by?: string): Promise<{ since: string }> {
  return executeUpdateRetrying(pollerHandle(client, orgUrl), resetPollerCursorUpdate, [{ since, ...(by ? { by } : {}) }]);
}

export async function pollNow(client: Client, orgUrl: string): Promise<void> {
  await pollerHandle(client, orgUrl).signal(pollNowSignal);
}

export async function lockoutState(client: Client, userId: string): Promise<LockoutState> {
  return client.workflow.getHandle(lockoutWorkflowId(userId)).query(lockoutStateQuery);
}

/** The locked-out user's answer under the ask-user policy (validated before it is sent). */
export async function replyToUnlockQuestion(client: Client, userId: string, reply: UnlockReply): Promise<void> {
  await client.workflow.getHandle(lockoutWorkflowId(userId)).signal(unlockReplySignal, UnlockReplySchema.parse(reply));
}
