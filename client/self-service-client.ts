/**
 * Typed client for chat frontends written in TypeScript (the HTTP API uses it too): one call per
 * action, each returning what the chat bot must show (the link, the factors to choose from,
 * "waiting for approval"). Requests go in by update-with-start on the per-user workflow, so a second
 * concurrent request joins the running one and a retried request ID gets the same answer.
 *
 * The returned `id` is an opaque reference (workflow ID, run ID and request ID) used for follow-ups.
 */
import { type Client, WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { AccessActionKey, AccessOutcomeKey, AccessRequestIdKey, OktaLoginKey } from '../workflows/search-attributes.js';
import {
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

export function decodeRequestRef(id: string): RequestRef | undefined {
  try {
    const value = JSON.parse(Buffer.from(id, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'string' && v.length > 0 && v.length < 400)) {
      const [workflowId, runId, requestId] = value as [string, string, string];
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
    readonly code: 'not-found' | 'conflict' | 'rejected',
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

    // A retry of a request the latest run already handled (maybe closed) gets that run's answer.
    const earlier = await this.findInLatestRun(workflowId, requestId, input.requester.chatUserId);
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
        args: [{ requestId, frontend, requester: input.requester }],
        startWorkflowOperation: start,
        // The server dedupes update IDs (also against a just-closed run): bind the ID to the chat user
        // too, so a reused key from someone else can never return the first requester's answer.
        updateId: `submit:${requestId}:${input.requester.chatUserId}`,
      });
      return withId(view);
    } catch (err) {
      throw mapUpdateError(err);
    }
  }

  private async findInLatestRun(workflowId: string, requestId: string, chatUserId: string): Promise<SelfServiceReply | undefined> {
    const handle = this.client.workflow.getHandle(workflowId);
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
    // A running run answers through the update (its handler dedupes request IDs).
    if (description.status.name === 'RUNNING') return undefined;
    // A closed run lists its requests in the (encrypted) memo: only a real retry costs a query.
    const known = description.memo?.requests;
    const isRetry = Array.isArray(known) && known.some((r) => Array.isArray(r) && r[0] === requestId && r[1] === chatUserId);
    if (!isRetry) return undefined;
    const view = await this.client.workflow.getHandle(workflowId, description.runId).query(requestViewQuery, { requestId, chatUserId });
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
    const ref = parseRef(id);
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

/** Operators may name a run by its reference or by workflow ID (`reset-password/alice@...`, latest run). */
function resolveRef(idOrWorkflowId: string): { workflowId: string; runId?: string } {
  if (/^(reset-password|reset-mfa)\//.test(idOrWorkflowId)) return { workflowId: idOrWorkflowId };
  return parseRef(idOrWorkflowId);
}

function mapUpdateError(err: unknown): unknown {
  if (err instanceof SelfServiceError) return err;
  if (err instanceof WorkflowNotFoundError) return new SelfServiceError('not-found', 'no such request');
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    if (err.cause.type === 'RequestIdConflict') return new SelfServiceError('conflict', err.cause.message);
    return new SelfServiceError('rejected', err.cause.message);
  }
  return err;
}
