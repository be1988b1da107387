/** Typed client calls for the lockout family (the CLI and the HTTP API use these too). */
import { WorkflowIdConflictPolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import {
  lockoutPollerWorkflowId,
  lockoutStateQuery,
  lockoutWorkflowId,
  pausePollerSignal,
  pollNowSignal,
  pollerStateQuery,
  resumePollerSignal,
  unlockReplySignal,
  UnlockReplySchema,
  type LockoutState,
  type PollerState,
  type UnlockReply,
} from '../workflows/lockout/messages.js';
import type { PollerInput } from '../workflows/lockout/poller.js';
import { lockoutPollerWorkflow } from '../workflows/lockout/poller.js';
import type { AppConfig } from '../temporal.config.js';

export function pollerInputFromConfig(config: AppConfig, orgUrl: string, overrides: Partial<PollerInput> = {}): PollerInput {
  return {
    orgUrl,
    oktaTaskQueue: config.temporal.oktaTaskQueue,
    pollIntervalMs: config.lockout.pollIntervalMs,
    lookbackMs: config.lockout.lookbackMs,
    pageSize: config.lockout.pageSize,
    unlock: {
      policy: config.lockout.unlockPolicy,
      askUserTimeoutMs: config.lockout.askUserTimeoutMs,
      recoveryHint: `open ${orgUrl}/signin/unlock or ask the chat bot to unlock it.`,
      oktaCallTimeoutMs: config.oktaActivityTimeoutMs,
    },
    ...overrides,
  };
}

/** Starts the org's poller, or finds the one already running (safe to call on every start-up). */
export async function startLockoutPoller(client: Client, config: AppConfig, orgUrl: string, overrides: Partial<PollerInput> = {}): Promise<WorkflowHandle<typeof lockoutPollerWorkflow>> {
  return client.workflow.start(lockoutPollerWorkflow, {
    workflowId: lockoutPollerWorkflowId(orgUrl),
    taskQueue: config.temporal.taskQueue,
    args: [pollerInputFromConfig(config, orgUrl, overrides)],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    memo: { orgUrl },
  });
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
