/**
 * The self-service run's request book as data, and what each person sees of it: pure functions of a
 * snapshot of the run (no workflow APIs, no I/O), so they are unit-tested without a server. The
 * workflow (workflows.ts) owns the state and the handlers; this module only reads.
 */
import type { ApprovalView, FactorView, OperatorView, RefusalCode, RequestStatus, RequestView, SelfServiceAction, SelfServiceOutcome } from './messages.js';

/** One chat request the run has taken in (answered by the run, listed in the operator view). */
export interface TrackedRequest {
  requestId: string;
  frontend: string;
  chatUserId: string;
  email: string;
  at: string;
  /** `failed`: the run failed before this request could be checked (answered as failed). */
  state: 'queued' | 'accepted' | 'refused' | 'failed';
  refusal?: { code: RefusalCode; message: string };
  requesterOktaId?: string;
  /** The requester is the account owner. */
  self: boolean;
}

/** Everything the views read. */
export interface RunSnapshot {
  workflowId: string;
  runId: string;
  action: SelfServiceAction;
  phase: OperatorView['phase'];
  outcome: SelfServiceOutcome;
  createdAt: string;
  updatedAt: string;
  requests: readonly TrackedRequest[];
  runRefusal?: { code: RefusalCode; message: string };
  failureMessage?: string;
  target?: { oktaUserId: string; login: string; protected: boolean };
  portalUrl?: string;
  factors?: FactorView[];
  chosenFactorIds?: string[];
  approval: ApprovalView;
  resetLink?: string;
  cancelledBy?: string;
}

export const LABEL: Record<SelfServiceAction, string> = { 'reset-password': 'password reset', 'reset-mfa': 'MFA reset' };

export function statusOf(s: RunSnapshot, r: TrackedRequest): RequestStatus {
  if (r.state === 'queued') return 'checking';
  if (r.state === 'refused') return 'refused';
  if (r.state === 'failed') return 'failed';
  switch (s.phase) {
    case 'checking':
      return 'checking';
    case 'awaiting-choice':
      return 'awaiting-choice';
    case 'awaiting-approval':
      return 'awaiting-approval';
    case 'resetting':
      return 'in-progress';
    case 'done':
      return s.outcome === 'link-issued' || s.outcome === 'factors-reset' ? 'completed' : s.outcome === 'pending' ? 'in-progress' : s.outcome;
  }
}

export function messageFor(s: RunSnapshot, r: TrackedRequest, status: RequestStatus): string {
  const label = LABEL[s.action];
  const employee = s.target?.login;
  const whose = r.self ? 'your' : `${employee ?? 'the employee'}'s`;
  switch (status) {
    case 'checking':
      return `Checking the ${label} request…`;
    case 'refused':
      return (r.refusal ?? s.runRefusal)?.message ?? 'This request was refused.';
    case 'awaiting-choice':
      return 'Choose which MFA factors to reset.';
    case 'awaiting-approval':
      return `The ${label} for ${whose} account is waiting for helpdesk approval.`;
    case 'in-progress':
      return `Working on the ${label}…`;
    case 'completed':
      if (s.action === 'reset-password') {
        return r.self
          ? 'Here is your single-use password reset link. Open it soon; it works once and expires in 1 hour. Do not share it.'
          : `A single-use reset link was created and sent to ${employee ?? 'the employee'} directly.`;
      }
      return r.self
        ? `Your MFA factors were reset. Enrol a new factor at ${s.portalUrl ?? 'the Okta portal'}.`
        : `${employee ?? 'The employee'}'s MFA factors were reset; they were told to enrol a new factor.`;
    case 'denied':
      return `The ${label} was denied by the helpdesk${s.approval.reason ? `: ${s.approval.reason}` : '.'}`;
    case 'expired':
      return `The ${label} request expired (${s.phase === 'done' && s.approval.required && !s.approval.decision && s.chosenFactorIds !== undefined ? 'no approval in time' : 'no answer in time'}). Ask again if you still need it.`;
    case 'cancelled':
      return `The ${label} request was cancelled by an operator.`;
    case 'failed':
      return `The ${label} could not be completed${s.failureMessage ? ` (${s.failureMessage})` : ''}.${r.self || r.state !== 'accepted' ? ' The helpdesk can help.' : ''}`;
  }
}

/** What the requester sees; the link only on the account owner's own completed request. */
export function requestView(s: RunSnapshot, r: TrackedRequest): RequestView {
  const status = statusOf(s, r);
  const refusal = r.refusal ?? (status === 'refused' ? s.runRefusal : undefined);
  const accepted = r.state === 'accepted';
  return {
    requestId: r.requestId,
    workflowId: s.workflowId,
    runId: s.runId,
    action: s.action,
    status,
    message: messageFor(s, r, status),
    ...(refusal ? { refusal } : {}),
    ...(accepted && s.target ? { target: { oktaUserId: s.target.oktaUserId, login: s.target.login } } : {}),
    ...(accepted && s.factors ? { factors: s.factors } : {}),
    ...(accepted && s.chosenFactorIds ? { chosenFactorIds: s.chosenFactorIds } : {}),
    ...(accepted && s.approval.required ? { approval: { ...s.approval } } : {}),
    // The credential goes only to the account owner's own request.
    ...(accepted && r.self && status === 'completed' && s.resetLink ? { resetLink: s.resetLink } : {}),
    ...(accepted && s.action === 'reset-mfa' && status === 'completed' && s.portalUrl ? { portalUrl: s.portalUrl } : {}),
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

/** What operators see: everything except the link. */
export function operatorView(s: RunSnapshot): OperatorView {
  const lastRefusal = s.runRefusal ?? s.requests.find((r) => r.refusal)?.refusal;
  return {
    workflowId: s.workflowId,
    runId: s.runId,
    action: s.action,
    phase: s.phase,
    outcome: s.outcome,
    message:
      s.outcome === 'refused' && lastRefusal
        ? lastRefusal.message
        : s.outcome === 'failed'
          ? `failed: ${s.failureMessage ?? 'unknown'}`
          : `${s.phase}${s.outcome !== 'pending' ? ` (${s.outcome})` : ''}`,
    ...(s.target ? { target: s.target } : {}),
    requests: s.requests.map((r) => ({
      requestId: r.requestId,
      frontend: r.frontend,
      chatUserId: r.chatUserId,
      email: r.email,
      accepted: r.state === 'accepted',
      ...(r.refusal ? { refusal: r.refusal.code } : {}),
      at: r.at,
    })),
    ...(s.approval.required ? { approval: { ...s.approval } } : {}),
    ...(s.factors ? { factors: s.factors } : {}),
    ...(s.chosenFactorIds ? { chosenFactorIds: s.chosenFactorIds } : {}),
    linkIssued: s.resetLink !== undefined,
    ...(s.cancelledBy ? { cancelledBy: s.cancelledBy } : {}),
  };
}

/** A request's answer is ready: refused/failed, or accepted and the run waits for someone or is done. */
export function settled(s: Pick<RunSnapshot, 'phase'>, r: TrackedRequest): boolean {
  return r.state === 'refused' || r.state === 'failed' || (r.state === 'accepted' && (s.phase === 'awaiting-choice' || s.phase === 'awaiting-approval' || s.phase === 'done'));
}

/** Once the run is done, an accepted request of the same chat user and email: its answer is theirs again. */
export function answeredBefore(s: Pick<RunSnapshot, 'phase' | 'requests'>, chatUserId: string, email: string): TrackedRequest | undefined {
  if (s.phase !== 'done') return undefined;
  return s.requests.find((x) => x.state === 'accepted' && x.chatUserId === chatUserId && x.email === email.toLowerCase());
}
