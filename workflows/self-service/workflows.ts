/**
 * Self-service workflows: a password reset link (`passwordResetWorkflow`) and an MFA reset
 * (`mfaResetWorkflow`, modes `all` and `choose`), with optional helpdesk approval.
 *
 * One run per target user and action (ID from `selfServiceWorkflowId`); chat requests arrive by
 * update-with-start (`submitRequestUpdate`), so a second concurrent request joins the run and a
 * retried request ID gets the same answer. Each request is authorised on its own: the requester is
 * the Okta user with the verified email; only the account owner, or helpdesk staff (then always with
 * approval), may ask. The reset link lives only in encrypted payloads (payload codec) and is shown
 * only to the account owner's own requests; it is never logged.
 *
 * A run is a few pieces over one request book (request-book.ts, views in views.ts): the handler wiring
 * (handlers.ts), the gatekeeper that authorises each request (gatekeeper.ts), approval decisions
 * (approval.ts), the main flow up to the reset (flow.ts) and the run's end (outcome.ts).
 */
import { ApplicationFailure, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { OktaActivities } from '../../activities/okta-activities.js';
import { AccessActionKey, AccessOutcomeKey, OktaLoginKey } from '../search-attributes.js';
import { runFlow } from './flow.js';
import { runGatekeeper } from './gatekeeper.js';
import { registerHandlers } from './handlers.js';
import { normalizeTargetKey, type SelfServiceAction, WorkflowInputSchema } from './messages.js';
import { RequestBook, type SelfServiceResult, type SelfServiceRun } from './request-book.js';

export type { SelfServiceResult } from './request-book.js';
export { MAX_APPROVAL_ATTEMPTS, MAX_APPROVERS, MAX_TRACKED_REQUESTS } from './request-book.js';

export async function passwordResetWorkflow(input: unknown): Promise<SelfServiceResult> {
  return runSelfService('reset-password', input);
}

export async function mfaResetWorkflow(input: unknown): Promise<SelfServiceResult> {
  return runSelfService('reset-mfa', input);
}

async function runSelfService(action: SelfServiceAction, raw: unknown): Promise<SelfServiceResult> {
  const info = workflowInfo();
  const parsed = WorkflowInputSchema.safeParse(raw);
  if (!parsed.success || parsed.data.action !== action) {
    throw ApplicationFailure.nonRetryable('invalid self-service workflow input', 'InvalidInput', parsed.success ? 'action mismatch' : parsed.error.issues);
  }
  const input = parsed.data;
  const run: SelfServiceRun = {
    book: new RequestBook(info.workflowId, info.runId, action),
    action,
    targetKey: normalizeTargetKey(input.target),
    // Set by the flow once the policy is known (attempts and timeout come from the worker's configuration).
    okta: undefined as unknown as OktaActivities,
  };
  upsertSearchAttributes([
    { key: AccessActionKey, value: action },
    { key: AccessOutcomeKey, value: 'pending' },
    { key: OktaLoginKey, value: input.target.toLowerCase() },
  ]);
  registerHandlers(run);
  void runGatekeeper(run);
  return runFlow(run, input);
}
