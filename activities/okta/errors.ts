import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { OktaFailureType } from './failure-types.js';

export { OktaFailureType } from './failure-types.js';

export const RATE_LIMIT_MAX_DELAY_MS = 120_000;
export const RATE_LIMIT_MIN_DELAY_MS = 1_000;
/** Used if a 429 has no usable `X-Rate-Limit-Reset` (Okta windows are ~60 s). */
export const RATE_LIMIT_FALLBACK_DELAY_MS = 30_000;
const RATE_LIMIT_MAX_JITTER_MS = 1_000;

/** An HTTP response from Okta with a non-2xx status. Holds no request headers, query strings or bodies. */
export class OktaApiError extends Error {
  override readonly name = 'OktaApiError';
  readonly status: number;
  readonly errorCode: string | undefined;
  readonly errorSummary: string | undefined;
  readonly errorId: string | undefined;
  readonly rateLimitResetEpochSeconds: number | undefined;
  /** Okta's `Date` header (epoch ms), to measure the reset against Okta's clock rather than ours. */
  readonly serverDateEpochMs: number | undefined;
  readonly method: string;
  /** URL path only: query strings can hold cursors, filters with logins, or tokens. */
  readonly path: string;
  /** `error` of a `WWW-Authenticate: DPoP` challenge (e.g. `use_dpop_nonce`), when Okta sent one. */
  readonly dpopChallenge: string | undefined;
  /** The `DPoP-Nonce` Okta sent with this answer: the next proof must carry it. */
  readonly dpopNonce: string | undefined;

  constructor(init: {
    status: number;
    method: string;
    path: string;
    errorCode?: string | undefined;
    errorSummary?: string | undefined;
    errorId?: string | undefined;
    rateLimitResetEpochSeconds?: number | undefined;
    serverDateEpochMs?: number | undefined;
    dpopChallenge?: string | undefined;
    dpopNonce?: string | undefined;
  }) {
    const summary = init.errorSummary === undefined ? undefined : redactSecrets(init.errorSummary);
    super(
      `Okta ${init.method} ${init.path} failed with HTTP ${init.status}` +
        (init.errorCode ? ` ${init.errorCode}` : '') +
        (summary ? `: ${summary}` : ''),
    );
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.errorCode = init.errorCode;
    this.errorSummary = summary;
    this.errorId = init.errorId;
    this.rateLimitResetEpochSeconds = init.rateLimitResetEpochSeconds;
    this.serverDateEpochMs = init.serverDateEpochMs;
    this.dpopChallenge = init.dpopChallenge;
    this.dpopNonce = init.dpopNonce;
  }
}

/** No HTTP response: timeout, DNS, connection refused/reset, socket hang up, aborted. */
export class OktaUnavailableError extends Error {
  override readonly name = 'OktaUnavailableError';
  constructor(
    readonly code: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`Okta ${method} ${path} got no response: ${code}`);
  }
}

/** Okta answered 2xx but the body does not have the shape we rely on. */
export class OktaResponseShapeError extends Error {
  override readonly name = 'OktaResponseShapeError';
  constructor(
    /** e.g. `events[3].actor.id: expected string` */
    readonly problem: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`Unexpected Okta response from ${method} ${path}: ${problem}`);
  }
}

/** Bad configuration or bad input to the client; retrying cannot help. Never echoes secrets. */
export class OktaConfigError extends Error {
  override readonly name = 'OktaConfigError';
}

/** Removes anything that looks like a credential from free text (error summaries, foreign messages). */
export function redactSecrets(text: string): string {
  return text
    .replace(/-----BEGIN [A-Z ]+-----[\s\S]*?(-----END [A-Z ]+-----|$)/g, '[REDACTED KEY]')
    .replace(/\b(SSWS|Bearer|DPoP)\s+[^\s,;"']+/gi, '$1 [REDACTED]')
    .replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, '[REDACTED JWT]')
    .replace(/(client_assertion|access_token|token|assertion)=[^&\s"']+/gi, '$1=[REDACTED]')
    .replace(/(\/reset_password\/|\/reset-password\/)[^\s"'?#]+/gi, '$1[REDACTED]');
}

export interface ToFailureOptions {
  /** Epoch ms; injectable for tests. */
  now?: number;
  /** [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * The single place where Okta errors become Temporal failures. Never passes the original error as
 * `cause`: got errors carry request options (Authorization header), so only fields we built survive.
 */
export function toApplicationFailure(err: unknown, opts: ToFailureOptions = {}): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof OktaApiError) return fromApiError(err, opts);
  if (err instanceof OktaUnavailableError) {
    return ApplicationFailure.create({
      message: err.message,
      type: OktaFailureType.Unavailable,
      nonRetryable: false,
      details: [{ code: err.code, method: err.method, path: err.path }],
    });
  }
  if (err instanceof OktaResponseShapeError) {
    return ApplicationFailure.create({
      message: err.message,
      type: OktaFailureType.ResponseShape,
      nonRetryable: true,
      details: [{ problem: err.problem, method: err.method, path: err.path }],
    });
  }
  if (err instanceof OktaConfigError) {
    return ApplicationFailure.create({ message: err.message, type: OktaFailureType.ConfigInvalid, nonRetryable: true });
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return ApplicationFailure.create({
    message: `Unexpected error calling Okta: ${redactSecrets(message)}`,
    type: OktaFailureType.Unexpected,
    nonRetryable: false,
  });
}

function fromApiError(err: OktaApiError, opts: ToFailureOptions): ApplicationFailure {
  const details = [
    {
      status: err.status,
      errorCode: err.errorCode ?? null,
      errorId: err.errorId ?? null,
      errorSummary: err.errorSummary ?? null,
      method: err.method,
      path: err.path,
    },
  ];
  if (err.status === 429) {
    return ApplicationFailure.create({
      message: err.message,
      type: OktaFailureType.RateLimited,
      nonRetryable: false,
      details: [{ ...details[0], rateLimitResetEpochSeconds: err.rateLimitResetEpochSeconds ?? null }],
      nextRetryDelay: rateLimitDelayMs(err, opts),
      // Expected under load; keeps it out of error-level SDK logs and metrics.
      category: ApplicationFailureCategory.BENIGN,
    });
  }
  if (err.status >= 500) {
    return ApplicationFailure.create({ message: err.message, type: OktaFailureType.ServerError, nonRetryable: false, details });
  }
  const type =
    err.status === 400
      ? OktaFailureType.BadRequest
      : err.status === 401
        ? OktaFailureType.Unauthorized
        : err.status === 403
          ? OktaFailureType.Forbidden
          : err.status === 404
            ? OktaFailureType.NotFound
            : OktaFailureType.ClientError;
  return ApplicationFailure.create({ message: err.message, type, nonRetryable: true, details });
}

/** Time until the rate-limit window resets, plus jitter so many waiting activities do not stampede. */
export function rateLimitDelayMs(err: OktaApiError, opts: ToFailureOptions = {}): number {
  const random = opts.random ?? Math.random;
  const jitter = Math.floor(random() * RATE_LIMIT_MAX_JITTER_MS);
  if (err.rateLimitResetEpochSeconds === undefined) return RATE_LIMIT_FALLBACK_DELAY_MS + jitter;
  // Prefer Okta's own clock (Date header) so local clock skew does not shorten or stretch the wait;
  // only when measuring now (no injected clock) — tests pin `now` explicitly.
  const now = opts.now ?? err.serverDateEpochMs ?? Date.now();
  const untilReset = err.rateLimitResetEpochSeconds * 1000 - now;
  return Math.min(RATE_LIMIT_MAX_DELAY_MS, Math.max(RATE_LIMIT_MIN_DELAY_MS, untilReset + jitter));
}
