// Dependency-free on purpose: workflow code (or a types module it may import) can re-export these
// constants without pulling the Okta client, got or jose into the workflow bundle.

/**
 * Failure `type`s thrown from Okta activities. Workflows match on these (e.g. in
 * `RetryPolicy.nonRetryableErrorTypes` or `err.cause.type`), so they are a public contract.
 */
export const OktaFailureType = {
  /** 429 E0000047: retryable; `nextRetryDelay` is the time until `X-Rate-Limit-Reset`. */
  RateLimited: 'OktaRateLimited',
  /** 5xx: retryable. */
  ServerError: 'OktaServerError',
  /** Timeout, connection refused/reset, socket hang up, cancelled request: retryable. */
  Unavailable: 'OktaUnavailable',
  BadRequest: 'OktaBadRequest',
  Unauthorized: 'OktaUnauthorized',
  Forbidden: 'OktaForbidden',
  NotFound: 'OktaNotFound',
  /** Any other 4xx (405, 409, ...): non-retryable. */
  ClientError: 'OktaClientError',
  /** Okta answered 2xx with a body we do not understand: non-retryable (retrying will not fix it). */
  ResponseShape: 'OktaResponseShapeError',
  /** Bad settings (e.g. private key) or bad input (e.g. a foreign `nextUrl`): non-retryable. */
  ConfigInvalid: 'OktaConfigInvalid',
  /** Anything else thrown inside an Okta activity: retryable, message redacted. */
  Unexpected: 'OktaUnexpected',
} as const;
export type OktaFailureType = (typeof OktaFailureType)[keyof typeof OktaFailureType];
