/**
 * Typed client for chat frontends written in TypeScript (the HTTP API uses it too): one call per
 * action, each returning what the chat bot must show (the link, the factors to choose from,
 * "waiting for approval").
 *
 * A request first passes its gate workflow (keyed by the request ID: binds the key to the request,
 * refuses requests for someone else's account before that account is touched), then goes in by
 * update-with-start on the per-account workflow, so a concurrent request joins the running one. A
 * retried request ID gets its earlier answer from any recent run; a repeat ask by the same chat user
 * shortly after a reset gets that reset's answer; the run itself keeps answering for a moment after
 * a reset (SELF_SERVICE_ANSWER_LINGER). One ask, one reset, one link.
 *
 * The returned `id` is an opaque reference (workflow ID, run ID and request ID) used for follow-ups.
 */
import { createHash } from 'node:crypto';
import { type Client, isGrpcServiceError, ServiceError, WithStartWorkflowOperation, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { AccessActionKey, AccessOutcomeKey, AccessRequestIdKey, OktaLoginKey } from '../workflows/search-attributes.js';
import { anyCause } from './update-retry.js';
import {
  type GateInput,
  GateInputSchema,
  type GateResult,
  SELF_SERVICE_WORKFLOW_ID,
  selfServiceGateWorkflowId,
  type ApprovalDecision,
  type ApprovalResult,
  cancelRequestSignal,
  chooseFactorsUpdate,
  decideApprovalUpdate,
  normalizeTargetKey,
  operatorViewQuery,
  type OperatorView,
  type Requester,
  type RequestView,
  requestViewQuery,
  scopedRequestId,
  type SelfServiceAction,
  selfServiceWorkflowId,
  submitRequestUpdate,
  type SelfServiceWorkflowInput,
} from '../workflows/self-service/messages.js';

export interface RequestRef {
  workflowId: string;
  runId: string;
  /** Frontend-scoped request ID. */
  requestId: string;
}

export function encodeRequestRef(ref: RequestRef): string {
  return Buffer.from(JSON.stringify([ref.workflowId, ref.runId, ref.requestId])).toString('base64url');
}

/** A reference names a self-service workflow (per-account run or request gate) and nothing else. */
export function decodeRequestRef(id: string): RequestRef | undefined {
  if (id.length > 1200) return undefined;
  try {
    const value = JSON.parse(Buffer.from(id, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'string' && v.length > 0 && v.length < 400)) {
      const [workflowId, runId, requestId] = value as [string, string, string];
      if (!SELF_SERVICE_WORKFLOW_ID.test(workflowId) || !/^[A-Za-z0-9-]{1,64}$/.test(runId) || !/^[\x21-\x7e]{1,200}$/.test(requestId)) return undefined;
      return { workflowId, runId, requestId };
    }
  } catch {
    // fall through
  }
  return undefined;
}

/** A request view plus the opaque `id` for follow-up calls. */
export type SelfServiceReply = RequestView & { id: string };

export interface SelfServiceRequestInput {
  /** The frontend's own request ID (idempotency key). */
  requestId: string;
  requester: Requester;
  /** Login or email of the account to reset; default = the requester's own email. */
  target?: string;
  /** Which frontend is asking (scopes request IDs); default from the client options. */
  frontend?: string;
}

export class SelfServiceError extends Error {
  constructor(
    /** `busy`: Temporal's limits for this account were reached or it could not be reached; retry later. */
    readonly code: 'not-found' | 'conflict' | 'rejected' | 'busy' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'SelfServiceError';
  }
}

const WORKFLOW_TYPE: Record<SelfServiceAction, string> = {
  'reset-password': 'passwordResetWorkflow',
  'reset-mfa': 'mfaResetWorkflow',
};

export interface SelfServiceClientOptions {
  taskQueue: string;
  oktaTaskQueue: string;
  /** Default frontend name for request-ID scoping. */
  frontend?: string;
  /** A repeat ask by the same chat user this soon after a reset gets that reset's answer (default 10 min). */
  repeatAnswerWindowMs?: number;
}

/** How far back earlier answers to a retried request ID are looked for (the daily limit's window). */
const RETRY_LOOKBACK_MS = 24 * 3600_000;
/** Recent runs of one account searched for an earlier answer. */
const MAX_RUNS_SEARCHED = 10;

/** Binds an Idempotency-Key to what was asked: the same key with another body is a conflict. */
export function requestFingerprint(action: SelfServiceAction, target: string, requester: Requester): string {
  const body = JSON.stringify([action, normalizeTargetKey(target), requester.chatUserId.trim(), requester.email.trim().toLowerCase()]);
  return createHash('sha256').update(body).digest('base64url');
}

export class SelfServiceClient {
  constructor(
    readonly client: Client,
    private readonly options: SelfServiceClientOptions,
  ) {}

  requestPasswordReset(input: SelfServiceRequestInput): Promise<SelfServiceReply> {
    return this.submit('reset-password', input);
  }

  requestMfaReset(input: SelfServiceRequestInput): Promise<SelfServiceReply> {
    return this.submit('reset-mfa', input);
  }

  private async submit(action: SelfServiceAction, input: SelfServiceRequestInput): Promise<SelfServiceReply> {
    const frontend = input.frontend ?? this.options.frontend ?? 'typescript';
    const target = normalizeTargetKey(input.target ?? input.requester.email);
    const workflowId = selfServiceWorkflowId(action, target);
    const requestId = scopedRequestId(frontend, input.requestId);
    const parsed = GateInputSchema.safeParse({ action, target, request: { requestId, frontend, requester: input.requester }, oktaTaskQueue: this.options.oktaTaskQueue });
    if (!parsed.success) throw new SelfServiceError('invalid', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const request = parsed.data.request;
    const chatUserId = request.requester.chatUserId;

    const gate = await this.passGate(parsed.data, requestFingerprint(action, target, request.requester));
    if (!gate.proceed) return withId(gate.view);

    const earlier = await this.findEarlierAnswer(workflowId, requestId, chatUserId, frontend);
    if (earlier) return earlier;

    const workflowInput: SelfServiceWorkflowInput = { action, target, oktaTaskQueue: this.options.oktaTaskQueue };
    const start = new WithStartWorkflowOperation(WORKFLOW_TYPE[action], {
      workflowId,
      taskQueue: this.options.taskQueue,
      args: [workflowInput],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: AccessActionKey, value: action },
        { key: AccessOutcomeKey, value: 'pending' },
        { key: OktaLoginKey, value: target },
        { key: AccessRequestIdKey, value: requestId },
      ],
    });
    try {
      const view = await this.client.workflow.executeUpdateWithStart(submitRequestUpdate, {
        args: [request],
        startWorkflowOperation: start,
        // The server dedupes update IDs (also against a just-closed run): bind the ID to the chat user
        // too, so a reused key from someone else can never return the first requester's answer.
        updateId: `submit:${requestId}:${chatUserId}`,
      });
      return withId(view);
    } catch (err) {
      throw mapUpdateError(err);
    }
  }

  /**
   * Runs (or finds) the request's gate. Started once per key (a failed gate may run again); its memo
   * holds the request's fingerprint, so a key reused for another request is a conflict.
   */
  private async passGate(input: GateInput, fingerprint: string): Promise<GateResult> {
    const workflowId = selfServiceGateWorkflowId(input.request.requestId);
    let handle;
    try {
      handle = await this.client.workflow.start('selfServiceGateWorkflow', {
        workflowId,
        taskQueue: this.options.taskQueue,
        args: [input],
        memo: { fingerprint },
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        typedSearchAttributes: [
          { key: AccessActionKey, value: 'self-service-gate' },
          { key: AccessRequestIdKey, value: input.request.requestId },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw mapUpdateError(err);
      handle = this.client.workflow.getHandle(workflowId);
    }
    try {
      const description = await handle.describe();
      if (description.memo?.fingerprint !== fingerprint) {
        throw new SelfServiceError('conflict', 'This Idempotency-Key was already used for a different request.');
      }
      return (await handle.result()) as GateResult;
    } catch (err) {
      if (err instanceof WorkflowFailedError) throw new SelfServiceError('busy', 'The request could not be checked right now; try again later.');
      throw mapUpdateError(err);
    }
  }

  /**
   * An earlier answer from a closed run of this account: the same request ID (a retry, from any of
   * the recent runs), or the same chat user's request in a run that reset the account moments ago.
   * A running run answers through the update (its handler dedupes request IDs).
   */
  private async findEarlierAnswer(workflowId: string, requestId: string, chatUserId: string, frontend: string): Promise<SelfServiceReply | undefined> {
    const now = Date.now();
    const runs: { runId: string; running: boolean; closedAt?: Date; memo?: Record<string, unknown> }[] = [];
    try {
      const latest = await this.client.workflow.getHandle(workflowId).describe();
      runs.push({ runId: latest.runId, running: latest.status.name === 'RUNNING', ...(latest.closeTime ? { closedAt: latest.closeTime } : {}), ...(latest.memo ? { memo: latest.memo } : {}) });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
    const since = new Date(now - RETRY_LOOKBACK_MS).toISOString();
    // The workflow ID is built from checked characters (no quotes), so it is safe inside the query.
    for await (const wf of this.client.workflow.list({ query: `WorkflowId = "${workflowId}" AND StartTime > "${since}"`, pageSize: MAX_RUNS_SEARCHED })) {
      if (runs.length >= MAX_RUNS_SEARCHED) break;
      if (runs.some((r) => r.runId === wf.runId)) continue;
      runs.push({ runId: wf.runId, running: wf.status.name === 'RUNNING', ...(wf.closeTime ? { closedAt: wf.closeTime } : {}), ...(wf.memo ? { memo: wf.memo } : {}) });
    }
    const closed = runs.filter((r) => !r.running);
    const entries = (r: (typeof runs)[number]) => (Array.isArray(r.memo?.requests) ? (r.memo.requests as unknown[]) : []).filter((e): e is [string, string] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string');
    const retried = closed.find((r) => entries(r).some(([id, user]) => id === requestId && user === chatUserId));
    if (retried) return this.queryView(workflowId, retried.runId, requestId, chatUserId);
    const window = this.options.repeatAnswerWindowMs ?? 10 * 60_000;
    const recentSuccess = closed.find(
      (r) => r.closedAt !== undefined && now - r.closedAt.getTime() < window && (r.memo?.outcome === 'link-issued' || r.memo?.outcome === 'factors-reset'),
    );
    if (!recentSuccess) return undefined;
    // The same chat user of the same frontend asked moments ago: give them that answer, not a second reset.
    const mine = entries(recentSuccess).filter(([id, user]) => user === chatUserId && id.startsWith(`${frontend}:`));
    for (const [id] of mine.reverse()) {
      const view = await this.queryView(workflowId, recentSuccess.runId, id, chatUserId);
      if (view?.status === 'completed') return view;
    }
    return undefined;
  }

  private async queryView(workflowId: string, runId: string, requestId: string, chatUserId: string): Promise<SelfServiceReply | undefined> {
    const view = await this.client.workflow.getHandle(workflowId, runId).query(requestViewQuery, { requestId, chatUserId });
    return view ? withId(view) : undefined;
  }

  /** The requester's current view (poll this while `checking`/`awaiting-approval`). */
  async getRequest(id: string, chatUserId: string): Promise<SelfServiceReply> {
    const ref = parseRef(id);
    try {
      const view = await this.client.workflow.getHandle(ref.workflowId, ref.runId).query(requestViewQuery, { requestId: ref.requestId, chatUserId });
      if (!view) throw new SelfServiceError('not-found', 'no such request for this requester');
      return withId(view);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new SelfServiceError('not-found', 'no such request');
      throw err;
    }
  }

  /** The employee's factor choice (MFA `choose` mode); answers once the request is settled again. */
  async chooseFactors(id: string, chatUserId: string, factorIds: string[]): Promise<SelfServiceReply> {
    const ref = parseRunRef(id);
    try {
      const result = await this.client.workflow
        .getHandle(ref.workflowId, ref.runId)
        .executeUpdate(chooseFactorsUpdate, { args: [{ requestId: ref.requestId, chatUserId, factorIds }] });
      if (!result.accepted) throw new SelfServiceError('rejected', result.message);
      return withId(result.view);
    } catch (err) {
      throw await this.closedOr(ref, err);
    }
  }

  /** A helpdesk decision; `accepted: false` says why the approver may not decide. */
  async decideApproval(idOrWorkflowId: string, decision: ApprovalDecision): Promise<ApprovalResult> {
    const ref = resolveRef(idOrWorkflowId);
    try {
      return await this.client.workflow.getHandle(ref.workflowId, ref.runId).executeUpdate(decideApprovalUpdate, { args: [decision] });
    } catch (err) {
      throw await this.closedOr(ref, err);
    }
  }

  /** Updates to a closed run fail as "not found": say "already finished" when the run exists. */
  private async closedOr(ref: { workflowId: string; runId?: string }, err: unknown): Promise<unknown> {
    if (err instanceof WorkflowNotFoundError) {
      const description = await this.client.workflow.getHandle(ref.workflowId, ref.runId).describe().catch(() => undefined);
      if (description && description.status.name !== 'RUNNING') return new SelfServiceError('rejected', 'This request is already finished.');
    }
    return mapUpdateError(err);
  }

  async cancel(idOrWorkflowId: string, by: string, reason?: string): Promise<void> {
    const ref = resolveRef(idOrWorkflowId);
    await this.client.workflow.getHandle(ref.workflowId, ref.runId).signal(cancelRequestSignal, { by, ...(reason ? { reason } : {}) });
  }

  /** Operator view (no link) of a request reference or a workflow ID (latest run). */
  async operatorView(idOrWorkflowId: string): Promise<OperatorView> {
    const ref = resolveRef(idOrWorkflowId);
    try {
      return await this.client.workflow.getHandle(ref.workflowId, ref.runId).query(operatorViewQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new SelfServiceError('not-found', 'no such request');
      throw err;
    }
  }
}

function withId(view: RequestView): SelfServiceReply {
  return { id: encodeRequestRef({ workflowId: view.workflowId, runId: view.runId, requestId: view.requestId }), ...view };
}

function parseRef(id: string): RequestRef {
  const ref = decodeRequestRef(id);
  if (!ref) throw new SelfServiceError('not-found', 'unknown request ID');
  return ref;
}

const RUN_ID = /^(reset-password|reset-mfa)\//;

/** A reference to a per-account run (factor choice, approval, cancel): a gate's answer has none. */
function parseRunRef(id: string): RequestRef {
  const ref = parseRef(id);
  if (!RUN_ID.test(ref.workflowId)) throw new SelfServiceError('not-found', 'no such request');
  return ref;
}

/** Operators may name a run by its reference or by workflow ID (`reset-password/alice@...`, latest run). */
function resolveRef(idOrWorkflowId: string): { workflowId: string; runId?: string } {
  if (RUN_ID.test(idOrWorkflowId)) {
    if (!SELF_SERVICE_WORKFLOW_ID.test(idOrWorkflowId)) throw new SelfServiceError('not-found', 'no such request');
    return { workflowId: idOrWorkflowId };
  }
  return parseRunRef(idOrWorkflowId);
}

const GRPC_RESOURCE_EXHAUSTED = 8;

/** Temporal's answer "too much at once" (e.g. the in-flight update limit of one workflow), after the SDK's own retries. */
function isResourceExhausted(err: unknown): boolean {
  return anyCause(err, (e) => (isGrpcServiceError(e) && e.code === GRPC_RESOURCE_EXHAUSTED) || (e instanceof ServiceError && /RESOURCE_EXHAUSTED|ResourceExhausted/i.test(e.message)));
}

function mapUpdateError(err: unknown): unknown {
  if (err instanceof SelfServiceError) return err;
  if (err instanceof WorkflowNotFoundError) return new SelfServiceError('not-found', 'no such request');
  if (isResourceExhausted(err)) return new SelfServiceError('busy', 'Too many requests for this account right now; try again shortly.');
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    if (err.cause.type === 'TooManyRequests') return new SelfServiceError('busy', err.cause.message);
    if (err.cause.type === 'RequestIdConflict') return new SelfServiceError('conflict', err.cause.message);
    return new SelfServiceError('rejected', err.cause.message);
  }
  return err;
}
