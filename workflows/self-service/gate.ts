/**
 * The request gate: one short workflow per frontend-scoped request ID (`selfServiceGateWorkflowId`).
 *
 * - It binds the Idempotency-Key to the request: the client compares the request's fingerprint with
 *   the one in the gate's memo, so a reused key with another body is a conflict, never another answer.
 * - It checks the requester before the target account's run is touched: a request naming someone
 *   else's account from anyone but helpdesk staff gets one answer (`not-your-account`), whether that
 *   account exists or not and whether the requester has an Okta account; it costs the same Okta calls
 *   either way (the target is never looked up here), and nothing is stored in the target's run.
 * Own-account requests pass without any Okta call.
 */
import { ApplicationFailure, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { OktaActivities } from '../../activities/okta-activities.js';
import type { SelfServiceActivities } from '../../activities/self-service/activities.js';
import { gateDecision, isHelpdesk } from './authorization.js';
import { GateInputSchema, type GateResult, normalizeTargetKey, requestViewQuery, type RequestView, ViewerSchema } from './messages.js';

const { selfServicePolicy } = proxyActivities<SelfServiceActivities>({
  startToCloseTimeout: '20s',
  retry: { maximumAttempts: 5, initialInterval: '1s' },
});

export async function selfServiceGateWorkflow(raw: unknown): Promise<GateResult> {
  const parsed = GateInputSchema.safeParse(raw);
  if (!parsed.success) throw ApplicationFailure.nonRetryable('invalid gate input', 'InvalidInput');
  const { action, request, oktaTaskQueue } = parsed.data;
  const targetKey = normalizeTargetKey(parsed.data.target);
  const requesterEmail = request.requester.email.toLowerCase();
  const createdAt = new Date().toISOString();
  const answered: { view?: RequestView } = {};
  setHandler(requestViewQuery, (viewer) => {
    const v = ViewerSchema.safeParse(viewer);
    return v.success && answered.view && v.data.requestId === request.requestId && v.data.chatUserId === request.requester.chatUserId ? answered.view : null;
  });

  const policy = await selfServicePolicy(action);
  const facts = { action, targetKey, requesterEmail, secretDelivery: policy.secretDelivery };
  let decision = gateDecision(facts);
  if (decision === 'look-up-requester') {
    const okta = proxyActivities<OktaActivities>({
      taskQueue: oktaTaskQueue,
      startToCloseTimeout: policy.oktaActivityTimeoutMs,
      retry: { maximumAttempts: policy.oktaMaxAttempts, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
    });
    const found = await okta.oktaFindUser(requesterEmail);
    // Groups are read for every known requester, helpdesk or not, so the answer's timing says nothing more.
    const requester = found && found.email?.toLowerCase() === requesterEmail ? found : null;
    const groups = requester ? await okta.oktaListUserGroups(requester.id) : [];
    decision = gateDecision({
      ...facts,
      requester: requester ? { login: requester.login, ...(requester.email ? { email: requester.email } : {}), helpdesk: isHelpdesk(policy, requester.login, requester.email, groups) } : null,
    });
  }
  if (decision === 'look-up-requester' || decision.proceed) return { proceed: true };
  const info = workflowInfo();
  const view: RequestView = {
    requestId: request.requestId,
    workflowId: info.workflowId,
    runId: info.runId,
    action,
    status: 'refused',
    message: decision.refusal.message,
    refusal: decision.refusal,
    createdAt,
    updatedAt: new Date().toISOString(),
  };
  answered.view = view;
  return { proceed: false, view };
}
