import { z } from 'zod';

/*
 * Only the fields this product reads are validated; objects are loose because Okta adds fields over
 * time. System Log events are deliberately lenient beyond their identity and actor: one odd event must
 * not wedge the poller behind a non-retryable shape error.
 */

const looseRecord = z.looseObject({});

export const LogActorSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  alternateId: z.string().nullish(),
  displayName: z.string().nullish(),
});

export const LogTargetSchema = z.looseObject({
  id: z.string().nullish(),
  type: z.string().nullish(),
  alternateId: z.string().nullish(),
  displayName: z.string().nullish(),
});

export const LogEventSchema = z.looseObject({
  uuid: z.string(),
  published: z.string(),
  eventType: z.string(),
  displayMessage: z.string().nullish(),
  severity: z.string().nullish(),
  legacyEventType: z.string().nullish(),
  outcome: z.looseObject({ result: z.string().nullish(), reason: z.string().nullish() }).nullish(),
  // Nullish: an event without an actor must be skipped by the poller, not fail the whole page.
  actor: LogActorSchema.nullish(),
  target: z.array(LogTargetSchema).nullish(),
  client: looseRecord.nullish(),
  transaction: looseRecord.nullish(),
  debugContext: looseRecord.nullish(),
});
export type LogEvent = z.infer<typeof LogEventSchema>;

/** Top-level LogEvent fields handed to workflows (see `projectLogEvent`). */
const LOG_EVENT_FIELDS = [
  'uuid',
  'published',
  'eventType',
  'displayMessage',
  'severity',
  'legacyEventType',
  'outcome',
  'actor',
  'target',
  'client',
  'transaction',
  'debugContext',
] as const;

/**
 * Keeps only the fields this product uses. A page of 1000 full events (request, securityContext,
 * authenticationContext...) can approach Temporal's 2 MB payload limit; the subset stays well below.
 */
export function projectLogEvent(event: LogEvent): LogEvent {
  const out: Record<string, unknown> = {};
  for (const key of LOG_EVENT_FIELDS) if (event[key] !== undefined) out[key] = event[key];
  return out as LogEvent;
}

export const UserSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  profile: z.looseObject({
    login: z.string(),
    email: z.string().nullish(),
    firstName: z.string().nullish(),
    lastName: z.string().nullish(),
  }),
});
export type User = z.infer<typeof UserSchema>;
export const UserListSchema = z.array(UserSchema);

export const GroupSchema = z.looseObject({
  id: z.string(),
  profile: z.looseObject({ name: z.string() }),
});
export type Group = z.infer<typeof GroupSchema>;
export const GroupListSchema = z.array(GroupSchema);
/** Members of a group: only the id is used, so a page of 1000 full user objects is not validated field by field. */
export const GroupMemberListSchema = z.array(z.looseObject({ id: z.string().min(1).max(100) }));

export const UserFactorSchema = z.looseObject({
  id: z.string(),
  factorType: z.string(),
  provider: z.string(),
  vendorName: z.string().nullish(),
  status: z.string(),
  profile: z.record(z.string(), z.unknown()).nullish(),
});
export type UserFactor = z.infer<typeof UserFactorSchema>;
export const UserFactorListSchema = z.array(UserFactorSchema);

export const EventHookSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  verificationStatus: z.string().nullish(),
  events: z.looseObject({ items: z.array(z.string()) }),
  channel: z.looseObject({ config: z.looseObject({ uri: z.string(), authScheme: z.looseObject({ key: z.string().nullish() }).nullish() }) }),
});
export type EventHook = z.infer<typeof EventHookSchema>;
export const EventHookListSchema = z.array(EventHookSchema);

export const ResetPasswordTokenSchema = z.looseObject({ resetPasswordUrl: z.string() });
export type ResetPasswordToken = { resetPasswordUrl: string };

/** Okta's management API error body; every field optional because proxies may answer too. */
export const OktaErrorBodySchema = z.looseObject({
  errorCode: z.string().optional(),
  errorSummary: z.string().optional(),
  errorId: z.string().optional(),
});

/** RFC 6749 error body from /oauth2/v1/token. */
export const OAuthErrorBodySchema = z.looseObject({
  error: z.string(),
  error_description: z.string().optional(),
});

export const OAuthTokenResponseSchema = z.looseObject({
  token_type: z.string(),
  access_token: z.string(),
  expires_in: z.number(),
  scope: z.string().optional(),
});

/**
 * Turns zod issues into `events[3].actor.id: expected string`. Never includes the received value:
 * bodies can hold reset URLs or tokens.
 */
export function describeIssues(root: string, error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      let path = root;
      for (const key of issue.path) path += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
      const what = issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.code;
      return `${path}: ${what}`;
    })
    .join('; ');
}
