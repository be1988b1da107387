/** zod schemas of the HTTP API's request bodies (the OpenAPI document describes the same shapes). */
import { z } from 'zod';
import { ApprovalDecisionSchema, LOGIN_CHARS, MAX_IDEMPOTENCY_KEY, RequesterSchema } from '../../workflows/self-service/messages.js';

export const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(MAX_IDEMPOTENCY_KEY)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

export const ResetRequestBodySchema = z.strictObject({
  requester: RequesterSchema,
  /** Login or email of the account to reset; default the requester's own (helpdesk only may name another). */
  target: z.string().trim().min(1).max(254).regex(LOGIN_CHARS, 'letters, digits and the characters of an email address only').optional(),
});

export const ChooseFactorsBodySchema = z.strictObject({
  chatUserId: z.string().trim().min(1).max(200),
  factorIds: z.array(z.string().min(1).max(100)).min(1).max(20),
});

export const ApprovalBodySchema = ApprovalDecisionSchema.strict();

/** The locked-out employee's answer (UNLOCK_POLICY=ask-user), forwarded to the lockout workflow. */
export const LockoutReplyBodySchema = z.strictObject({
  answer: z.enum(['yes', 'no']),
  /** The answering person's email as the chat platform verified it (the workflow checks it is the locked user's). */
  email: z.string().trim().max(320).pipe(z.email({ message: 'expected an email address' })),
  chatUserId: z.string().trim().min(1).max(200).optional(),
  /** Free-form audit label (e.g. "slack:U123"). */
  respondent: z.string().max(200).optional(),
});

export const ChatUserIdHeaderSchema = z.string().trim().min(1).max(200).regex(/^[\x21-\x7e]+$/);
