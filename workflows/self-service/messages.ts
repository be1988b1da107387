/**
 * The self-service family's public contract (password reset links, MFA resets): workflow IDs, the
 * update/signal/query definitions and the zod schemas of everything crossing a boundary. Shared by
 * the workflows, the typed client, the HTTP API and the CLI.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { builtOnce } from '../built-once.js';

export const SELF_SERVICE_ACTIONS = ['reset-password', 'reset-mfa'] as const;
export type SelfServiceAction = (typeof SELF_SERVICE_ACTIONS)[number];

/** How the target user is named in a workflow ID: trimmed, lower-case login or email. */
export function normalizeTargetKey(loginOrEmail: string): string {
  return loginOrEmail.trim().toLowerCase();
}

/**
 * One running workflow per target user and action (the "slot"): a second concurrent request for the
 * same user and action joins it (update-with-start, USE_EXISTING); a later request starts a new run.
 */
export function selfServiceWorkflowId(action: SelfServiceAction, targetLoginOrEmail: string): string {
  return `${action}/${normalizeTargetKey(targetLoginOrEmail)}`;
}

/** Request IDs are scoped by the frontend that sent them, so two frontends cannot collide. */
export function scopedRequestId(frontend: string, requestId: string): string {
  return `${frontend}:${requestId}`;
}

/**
 * Every request first passes its own gate workflow, keyed by the scoped request ID: it binds the key
 * to the request's content and refuses requests for someone else's account before that account's run
 * is touched.
 */
export function selfServiceGateWorkflowId(scopedId: string): string {
  return `self-service-request/${scopedId}`;
}

/** Workflow IDs a request reference may name: the per-account runs and the request gates, nothing else. */
export const SELF_SERVICE_WORKFLOW_ID = /^(reset-password|reset-mfa|self-service-request)\/[\x21-\x7e]{1,260}$/;

// Strings that reach workflow IDs, search attributes and update IDs: bounded, printable ASCII only.
/** Frontend names (from HTTP_API_TOKENS or the client's options). */
export const FRONTEND_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Logins and emails: what Okta logins use in practice, no spaces or control characters. */
export const LOGIN_CHARS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~@-]+$/;
const printable = /^[\x21-\x7e]+$/;
/** Longest frontend-scoped request ID: frontend (64) + ':' + key (128). */
export const MAX_IDEMPOTENCY_KEY = 128;

const id = builtOnce('self-service/messages:id', () => z.string().trim().min(1).max(200).regex(printable, 'printable ASCII without spaces'));
const loginOrEmail = builtOnce('self-service/messages:loginOrEmail', () => z.string().trim().min(1).max(254).regex(LOGIN_CHARS, 'letters, digits and the characters of an email address only'));
// zod's email pattern, copied: zod's own is shared and frozen in the sandbox, where its check
// cannot reset the pattern's lastIndex (workflows/zod-shared.ts).
const email = builtOnce('self-service/messages:email', () => {
  const zodEmailPattern = z.email()._zod.def.pattern;
  if (!zodEmailPattern) throw new Error("zod's email check has no pattern to copy");
  return loginOrEmail.pipe(z.email({ message: 'expected an email address', pattern: new RegExp(zodEmailPattern) }));
});

/** Who is asking, as the chat frontend's platform verified them. */
export const RequesterSchema = builtOnce('self-service/messages:RequesterSchema', () => z.object({
  chatUserId: id,
  email,
}));
export type Requester = z.infer<typeof RequesterSchema>;

export const WorkflowInputSchema = builtOnce('self-service/messages:WorkflowInputSchema', () => z.object({
  action: z.enum(SELF_SERVICE_ACTIONS),
  /** Login or email of the account to reset (the workflow resolves it to one Okta user). */
  target: loginOrEmail,
  /** Task queue of the paced Okta worker. */
  oktaTaskQueue: z.string().min(1),
}));
export type SelfServiceWorkflowInput = z.infer<typeof WorkflowInputSchema>;

export const SubmitRequestSchema = builtOnce('self-service/messages:SubmitRequestSchema', () => z.object({
  /** Frontend-scoped request ID (see scopedRequestId): a retry with the same ID is harmless. */
  requestId: id,
  frontend: z.string().regex(FRONTEND_NAME),
  requester: RequesterSchema,
}));
export type SubmitRequest = z.infer<typeof SubmitRequestSchema>;

export const GateInputSchema = builtOnce('self-service/messages:GateInputSchema', () => z.object({
  action: z.enum(SELF_SERVICE_ACTIONS),
  target: loginOrEmail,
  request: SubmitRequestSchema,
  oktaTaskQueue: z.string().min(1).max(200),
}));
export type GateInput = z.infer<typeof GateInputSchema>;

/** The gate's answer: go on to the account's run, or this refusal (the same whatever the account). */
export type GateResult = { proceed: true } | { proceed: false; view: RequestView };

export const ViewerSchema = builtOnce('self-service/messages:ViewerSchema', () => z.object({ requestId: id, chatUserId: id }));
export type Viewer = z.infer<typeof ViewerSchema>;

export const ChooseFactorsSchema = builtOnce('self-service/messages:ChooseFactorsSchema', () => ViewerSchema.extend({ factorIds: z.array(z.string().min(1).max(100)).min(1).max(20) }));
export type ChooseFactors = z.infer<typeof ChooseFactorsSchema>;

export const ApprovalDecisionSchema = builtOnce('self-service/messages:ApprovalDecisionSchema', () => z.object({
  decision: z.enum(['approve', 'deny']),
  /** The approver's Okta login or email (verified by the chat platform or the operator's CLI). */
  approver: loginOrEmail,
  reason: z.string().trim().min(1).max(1000),
}));
export type ApprovalDecision = z.infer<typeof ApprovalDecisionSchema>;

export const CancelSchema = builtOnce('self-service/messages:CancelSchema', () => z.object({ by: z.string().trim().min(1).max(320), reason: z.string().trim().max(1000).optional() }));
export type CancelRequest = z.infer<typeof CancelSchema>;

export type RequestStatus =
  | 'checking'
  | 'awaiting-choice'
  | 'awaiting-approval'
  | 'in-progress'
  | 'completed'
  | 'refused'
  | 'denied'
  | 'expired'
  | 'cancelled'
  | 'failed';

export type RefusalCode =
  | 'user-not-found'
  | 'requester-not-found'
  | 'not-your-account'
  | 'daily-limit'
  | 'not-allowed'
  | 'nothing-to-reset';

export type SelfServiceOutcome =
  | 'pending'
  | 'link-issued'
  | 'factors-reset'
  | 'refused'
  | 'denied'
  | 'expired'
  | 'cancelled'
  | 'failed';

export interface FactorView {
  id: string;
  factorType: string;
  provider: string;
  name: string;
  status: string;
  /** False when the configured filter does not allow resetting this factor type. */
  resettable: boolean;
}

export interface ApprovalView {
  required: boolean;
  why?: string;
  decision?: 'approved' | 'denied';
  by?: string;
  reason?: string;
  at?: string;
  /** Attempts by people who may not approve this request. */
  rejectedAttempts: number;
  /** The last approval attempt that could not be checked (e.g. Okta failed), for operators. */
  lastError?: string;
}

/** What a chat bot shows for one request (the link only to the employee whose account it is). */
export interface RequestView {
  requestId: string;
  workflowId: string;
  runId: string;
  action: SelfServiceAction;
  status: RequestStatus;
  /** Plain-language text to show as is. */
  message: string;
  refusal?: { code: RefusalCode; message: string };
  target?: { oktaUserId: string; login: string };
  factors?: FactorView[];
  chosenFactorIds?: string[];
  approval?: ApprovalView;
  resetLink?: string;
  portalUrl?: string;
  createdAt: string;
  updatedAt: string;
}

/** What an operator sees (CLI, HTTP approvals): everything except the link. */
export interface OperatorView {
  workflowId: string;
  runId: string;
  action: SelfServiceAction;
  phase: 'checking' | 'awaiting-choice' | 'awaiting-approval' | 'resetting' | 'done';
  outcome: SelfServiceOutcome;
  message: string;
  target?: { oktaUserId: string; login: string; protected: boolean };
  requests: { requestId: string; frontend: string; chatUserId: string; email: string; accepted: boolean; refusal?: RefusalCode; at: string }[];
  approval?: ApprovalView;
  factors?: FactorView[];
  chosenFactorIds?: string[];
  linkIssued: boolean;
  cancelledBy?: string;
}

export interface ApprovalResult {
  accepted: boolean;
  /**
   * Why not: `not-awaiting` (no approval pending), `not-allowed` (this approver may not decide),
   * `check-failed` (the approver could not be checked right now; try again).
   */
  code?: 'not-awaiting' | 'not-allowed' | 'check-failed';
  /** Why the attempt was not accepted (not helpdesk, own request, already decided...). */
  message: string;
  view: OperatorView;
}

export type ChooseResult = { accepted: true; view: RequestView } | { accepted: false; message: string; view?: RequestView };

// Chat frontend → workflow (update-with-start): join or create the request, answer when it is settled.
export const submitRequestUpdate = defineUpdate<RequestView, [SubmitRequest]>('submitRequest');
// The employee picks factors (MFA `choose` mode).
export const chooseFactorsUpdate = defineUpdate<ChooseResult, [ChooseFactors]>('chooseFactors');
// A helpdesk approver decides; the update answers whether the decision was accepted.
export const decideApprovalUpdate = defineUpdate<ApprovalResult, [ApprovalDecision]>('decideApproval');
// Same decision as a fire-and-forget signal (invalid payloads are ignored with a warning).
export const approvalSignal = defineSignal<[ApprovalDecision]>('approval');
export const cancelRequestSignal = defineSignal<[CancelRequest]>('cancelRequest');

/** The requester's view; the link only when the viewer is the request's requester and the account owner. */
export const requestViewQuery = defineQuery<RequestView | null, [Viewer]>('requestView');
export const operatorViewQuery = defineQuery<OperatorView>('operatorView');
