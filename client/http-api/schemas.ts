/**
 * zod schemas of the HTTP API: request bodies, headers and path parameters (validated by Fastify's
 * zod type provider) and the answers (documented only). The OpenAPI document is generated from these.
 */
import { z } from 'zod';
import { ApprovalDecisionSchema, LOGIN_CHARS, MAX_IDEMPOTENCY_KEY, RequesterSchema, SELF_SERVICE_ACTIONS } from '../../workflows/self-service/messages.js';

export const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(MAX_IDEMPOTENCY_KEY)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only')
  .describe("The frontend's request ID: a retry with the same key and body returns the same request; another body answers 409");

export const ChatUserIdSchema = z.string().trim().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export const ResetRequestBodySchema = z.strictObject({
  requester: RequesterSchema,
  /** Login or email of the account to reset; default the requester's own (helpdesk only may name another). */
  target: z
    .string()
    .trim()
    .min(1)
    .max(254)
    .regex(LOGIN_CHARS, 'letters, digits and the characters of an email address only')
    .optional()
    .describe('Login or email of another account (helpdesk only, always needs approval)'),
});

export const ChooseFactorsBodySchema = z.strictObject({
  chatUserId: ChatUserIdSchema,
  factorIds: z.array(z.string().min(1).max(100)).min(1).max(20),
});

/** `approver` may be left out: it is the approver token's person, and naming anyone else is refused. */
export const ApprovalBodySchema = ApprovalDecisionSchema.extend({ approver: ApprovalDecisionSchema.shape.approver.optional() }).strict();

/** The locked-out employee's answer (UNLOCK_POLICY=ask-user), forwarded to the lockout workflow. */
export const LockoutReplyBodySchema = z.strictObject({
  answer: z.enum(['yes', 'no']),
  /** The answering person's email as the chat platform verified it (the workflow checks it is the locked user's). */
  email: z.string().trim().max(320).pipe(z.email({ message: 'expected an email address' })),
  chatUserId: ChatUserIdSchema.optional(),
  /** Free-form audit label (e.g. "slack:U123"). */
  respondent: z.string().max(200).optional(),
});

export const IdempotencyHeadersSchema = z.looseObject({ 'idempotency-key': IdempotencyKeySchema });
export const ChatUserHeadersSchema = z.looseObject({ 'x-chat-user-id': ChatUserIdSchema });
export const RequestIdParamsSchema = z.object({ id: z.string().min(1).max(1200).describe('Opaque request ID returned when the request was created') });
export const LockoutParamsSchema = z.object({ userId: z.string().max(64).describe('Okta user ID') });

// ---- answers (documentation; the handlers return the typed client's values) ---------------------

export const ErrorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) })
  .describe('Every error: a stable code, a message to show or log, details when there are some');

const FactorSchema = z.object({ id: z.string(), factorType: z.string(), provider: z.string(), name: z.string(), status: z.string(), resettable: z.boolean() });
const ApprovalSchema = z.object({
  required: z.boolean(),
  why: z.string().optional(),
  decision: z.enum(['approved', 'denied']).optional(),
  by: z.string().optional(),
  reason: z.string().optional(),
  at: z.string().optional(),
  rejectedAttempts: z.number().int(),
});

export const RequestSchema = z
  .object({
    id: z.string().describe('Opaque ID for follow-up calls'),
    requestId: z.string().describe('frontend:Idempotency-Key'),
    workflowId: z.string(),
    runId: z.string(),
    action: z.enum(SELF_SERVICE_ACTIONS),
    status: z.enum(['checking', 'awaiting-choice', 'awaiting-approval', 'in-progress', 'completed', 'refused', 'denied', 'expired', 'cancelled', 'failed']),
    message: z.string().describe('Text for the chat bot to show as is'),
    refusal: z.object({ code: z.enum(['user-not-found', 'requester-not-found', 'not-your-account', 'daily-limit', 'not-allowed', 'nothing-to-reset']), message: z.string() }).optional(),
    target: z.object({ oktaUserId: z.string(), login: z.string() }).optional(),
    factors: z.array(FactorSchema).optional(),
    chosenFactorIds: z.array(z.string()).optional(),
    approval: ApprovalSchema.optional(),
    resetLink: z.string().optional().describe("Only for the account owner's own completed password reset: a credential, show it only to them"),
    portalUrl: z.string().optional().describe('Where to enrol a new factor after an MFA reset'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('A request as its requester sees it');

export const ApprovalResultSchema = z.object({ accepted: z.literal(true), message: z.string(), request: z.record(z.string(), z.unknown()).describe('Operator view of the request (never the link)') });
