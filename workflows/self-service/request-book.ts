/**
 * The state of one self-service run: the requests it took in, its phase and outcome, the target
 * account, the approval and its per-approver counters. Plain data and small rules over it (no
 * workflow APIs, no I/O), so it is unit-tested without a server; the views of it are in views.ts.
 * The handlers (handlers.ts), the gatekeeper (gatekeeper.ts), approvals (approval.ts) and the main flow
 * (flow.ts, outcome.ts) change it.
 */
import type { OktaActivities } from '../../activities/okta-activities.js';
import type { SelfServicePolicy } from '../../activities/self-service/activities.js';
import { isHelpdesk } from './authorization.js';
import type { ApprovalView, FactorView, OperatorView, RefusalCode, RequestView, SelfServiceAction, SelfServiceOutcome, SubmitRequest } from './messages.js';
import { answeredBefore, operatorView, requestView, type RunSnapshot, settled, type TrackedRequest } from './views.js';

/**
 * Per-run bounds, so nobody can grow a run's history (or its memo) without limit: requests tracked by
 * one run (more are rejected by the update validator, which writes nothing to history) and approval
 * attempts (each costs Okta calls).
 */
export const MAX_TRACKED_REQUESTS = 50;
/** Approval attempts per approver, and distinct approvers per run: one flooding approver blocks only themselves. */
export const MAX_APPROVAL_ATTEMPTS = 5;
export const MAX_APPROVERS = 20;

export type Phase = OperatorView['phase'];
export type SelfServiceResult = Omit<OperatorView, 'requests'> & { requests: number };
export interface Target {
  oktaUserId: string;
  login: string;
  protected: boolean;
}

/** What the pieces of one run share: its book, and the Okta activities once the policy is known. */
export interface SelfServiceRun {
  readonly book: RequestBook;
  readonly action: SelfServiceAction;
  /** The target as named in the workflow ID (trimmed, lower-case). */
  readonly targetKey: string;
  okta: OktaActivities;
}

export class RequestBook {
  readonly createdAt = new Date().toISOString();
  updatedAt = this.createdAt;
  phase: Phase = 'checking';
  outcome: SelfServiceOutcome = 'pending';
  runRefusal: { code: RefusalCode; message: string } | undefined;
  failureMessage: string | undefined;
  target: Target | undefined;
  /** The target lookup is over (found, not found, or the run ended first): the gatekeeper may go on. */
  targetResolved = false;
  policy: SelfServicePolicy | undefined;
  factors: FactorView[] | undefined;
  chosenFactorIds: string[] | undefined;
  resetLink: string | undefined;
  cancelledBy: string | undefined;
  /** Okta ID of whoever approved or denied: they may not also be a requester of this run. */
  approverOktaId: string | undefined;
  readonly approval: ApprovalView = { required: false, rejectedAttempts: 0 };
  readonly requests: TrackedRequest[] = [];
  /** Requests waiting for the gatekeeper, oldest first. */
  readonly queue: TrackedRequest[] = [];
  /** The gatekeeper is checking a request it took off the queue. */
  authorizing = false;
  /** Asks answered from the book after the reset (not tracked again): they keep a lingering run open. */
  lateAnswers = 0;
  private readonly approvalAttempts = new Map<string, number>();

  constructor(
    readonly workflowId: string,
    readonly runId: string,
    readonly action: SelfServiceAction,
  ) {}

  touch(): void {
    this.updatedAt = new Date().toISOString();
  }

  // ---- views ---------------------------------------------------------------------------------
  snapshot(): RunSnapshot {
    const { policy, runRefusal, failureMessage, target, factors, chosenFactorIds, resetLink, cancelledBy } = this;
    return {
      workflowId: this.workflowId,
      runId: this.runId,
      action: this.action,
      phase: this.phase,
      outcome: this.outcome,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
      requests: this.requests,
      approval: this.approval,
      ...(runRefusal ? { runRefusal } : {}),
      ...(failureMessage !== undefined ? { failureMessage } : {}),
      ...(target ? { target } : {}),
      ...(policy?.portalUrl !== undefined ? { portalUrl: policy.portalUrl } : {}),
      ...(factors ? { factors } : {}),
      ...(chosenFactorIds ? { chosenFactorIds } : {}),
      ...(resetLink !== undefined ? { resetLink } : {}),
      ...(cancelledBy ? { cancelledBy } : {}),
    };
  }
  viewFor(r: TrackedRequest): RequestView {
    return requestView(this.snapshot(), r);
  }
  operatorView(): OperatorView {
    return operatorView(this.snapshot());
  }
  result(): SelfServiceResult {
    const { requests: list, ...rest } = this.operatorView();
    return { ...rest, requests: list.length };
  }
  settled(r: TrackedRequest): boolean {
    return settled({ phase: this.phase }, r);
  }

  // ---- requests ------------------------------------------------------------------------------
  find(requestId: string): TrackedRequest | undefined {
    return this.requests.find((x) => x.requestId === requestId);
  }
  /** After the reset, the same person asking again gets their earlier answer. */
  answeredBefore(req: SubmitRequest): TrackedRequest | undefined {
    return answeredBefore({ phase: this.phase, requests: this.requests }, req.requester.chatUserId, req.requester.email);
  }
  /** A new request would pass the per-run cap (retries and earlier answers always do). */
  full(req: SubmitRequest): boolean {
    return this.requests.length >= MAX_TRACKED_REQUESTS && !this.find(req.requestId) && !this.answeredBefore(req);
  }
  /** Takes a new request in and queues it for the gatekeeper. */
  track(req: SubmitRequest): TrackedRequest {
    const r: TrackedRequest = {
      requestId: req.requestId,
      frontend: req.frontend,
      chatUserId: req.requester.chatUserId,
      email: req.requester.email.toLowerCase(),
      at: new Date().toISOString(),
      state: 'queued',
      self: false,
    };
    this.requests.push(r);
    this.queue.push(r);
    return r;
  }
  /** `[requestId, chatUserId]` pairs: clients look in the memo for a retried request after the run closed. */
  memoRequests(): [string, string][] {
    return this.requests.map((x) => [x.requestId, x.chatUserId]);
  }
  refuse(r: TrackedRequest, code: RefusalCode, message: string): void {
    r.state = 'refused';
    r.refusal = { code, message };
  }
  anyAccepted(): boolean {
    return this.requests.some((r) => r.state === 'accepted');
  }
  /** The run refuses every accepted request (daily limit, nothing to reset). */
  refuseAccepted(): void {
    for (const r of this.requests) if (r.state === 'accepted') r.state = 'refused';
  }
  /** Every request so far has been checked and none was accepted. */
  noneAcceptable(): boolean {
    return this.requests.length > 0 && this.queue.length === 0 && !this.authorizing;
  }
  /**
   * What the linger after a reset watches: it ends once this stops changing for the quiet time. Late
   * asks answered from the book count too (with `countLateAnswers`), up to MAX_TRACKED_REQUESTS of them,
   * so a flood cannot keep the run open for ever.
   */
  lingerActivity(countLateAnswers: boolean): number {
    return this.requests.length + (countLateAnswers ? Math.min(this.lateAnswers, MAX_TRACKED_REQUESTS) : 0);
  }
  ownerAsked(): boolean {
    return this.requests.some((r) => r.state === 'accepted' && r.self);
  }
  helpdeskAsked(): boolean {
    return this.requests.some((r) => r.state === 'accepted' && !r.self);
  }

  // ---- rules ---------------------------------------------------------------------------------
  isHelpdesk(login: string, email: string | undefined, groups: { name: string }[]): boolean {
    return this.policy !== undefined && isHelpdesk(this.policy, login, email, groups);
  }
  /** A helpdesk link for someone else needs a notifier that can deliver it. */
  cannotDeliverSecrets(): boolean {
    return this.action === 'reset-password' && this.policy !== undefined && !this.policy.secretDelivery;
  }
  approvalCapped(approver: string): boolean {
    const key = approver.trim().toLowerCase();
    return (this.approvalAttempts.get(key) ?? 0) >= MAX_APPROVAL_ATTEMPTS || (!this.approvalAttempts.has(key) && this.approvalAttempts.size >= MAX_APPROVERS);
  }
  countApprovalAttempt(approver: string): void {
    const key = approver.trim().toLowerCase();
    this.approvalAttempts.set(key, (this.approvalAttempts.get(key) ?? 0) + 1);
  }
  /** Why this Okta user may not approve (the account owner, or a requester of this run); checked after every await. */
  approverForbidden(approverId: string): string | undefined {
    if (this.target && approverId === this.target.oktaUserId) return 'Nobody may approve a reset of their own account.';
    if (this.requests.some((r) => r.requesterOktaId === approverId && r.state !== 'refused')) return 'Nobody may approve their own request.';
    return undefined;
  }
  awaitingApproval(): boolean {
    return this.phase === 'awaiting-approval' && !this.approval.decision;
  }
  /** Why these factors cannot be chosen now (undefined: they can). */
  choiceProblem(factorIds: string[]): string | undefined {
    const factors = this.factors;
    if (this.phase !== 'awaiting-choice' || !factors) return 'This request is not waiting for a factor choice.';
    const unknown = factorIds.filter((id) => !factors.some((f) => f.id === id));
    const locked = factorIds.filter((id) => factors.some((f) => f.id === id && !f.resettable));
    if (unknown.length > 0) return `Unknown factor(s): ${unknown.join(', ')}.`;
    if (locked.length > 0) return `These factors may not be reset here: ${locked.join(', ')}.`;
    return undefined;
  }
  /** Operators may cancel until the reset starts; answers whether the cancel took. */
  cancel(by: string): boolean {
    if (this.phase === 'resetting' || this.phase === 'done') return false;
    this.cancelledBy = by;
    this.touch();
    return true;
  }
}
