import got, { type Got } from 'got';
import { Context } from '@temporalio/activity';
import type { IncomingHttpHeaders } from 'node:http';
import { noopMetricMeter, type MetricMeter } from '@temporalio/common';
import type { OktaConnection } from './config.js';
import { dpopChallengeError, dpopNonceHeader } from './dpop.js';
import { createOktaHttpMetrics, endpointTemplate, type OktaHttpMetrics } from './metrics.js';
import { OAuthErrorBodySchema, OktaErrorBodySchema } from './schemas.js';
import { OktaApiError, OktaUnavailableError, redactSecrets } from './errors.js';

export const USER_AGENT = 'okta-account-access/0.1.0 (+self-hosted; temporal)';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: URL;
  /** Authorization (and DPoP proof) headers from the auth provider. */
  headers?: Record<string, string>;
  form?: Record<string, string>;
  /** A JSON request body. */
  json?: unknown;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One structured line per HTTP call; no query strings, headers or bodies. */
export interface RequestLogLine {
  method: HttpMethod;
  path: string;
  status: number | undefined;
  durationMs: number;
  errorCode?: string;
  rateLimitRemaining?: number;
}
export type RequestLogger = (line: RequestLogLine) => void;

/** Logs through the Temporal activity logger when running inside an activity; silent elsewhere. */
export const activityRequestLogger: RequestLogger = (line) => {
  let log;
  try {
    log = Context.current().log;
  } catch {
    return; // not in an activity (CLI, tests)
  }
  const meta = { ...line };
  if (line.status === undefined || line.status >= 400) log.warn('Okta request failed', meta);
  else log.info('Okta request', meta);
};

function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/**
 * Thin transport over got. Non-2xx responses become `OktaApiError`; transport failures become
 * `OktaUnavailableError`. got's own errors never escape: they carry request options, headers included.
 */
export class OktaHttp {
  private readonly got: Got;
  private readonly metrics: OktaHttpMetrics;

  constructor(
    conn: OktaConnection,
    private readonly log: RequestLogger = activityRequestLogger,
    /** The worker passes the SDK runtime's meter so Okta calls show up on the worker's /metrics. */
    meter: MetricMeter = noopMetricMeter,
  ) {
    this.metrics = createOktaHttpMetrics(meter);
    this.got = got.extend({
      // Temporal's activity retry policy owns retries; got retrying underneath would multiply them.
      retry: { limit: 0 },
      timeout: { request: conn.requestTimeoutMs },
      throwHttpErrors: false,
      // A redirect from Okta is unexpected; following it could send credentials elsewhere.
      followRedirect: false,
      responseType: 'text',
      headers: { accept: 'application/json', 'user-agent': USER_AGENT },
    });
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const started = performance.now();
    const path = req.url.pathname;
    const headers: Record<string, string> = { ...req.headers };
    let status: number | undefined;
    let errorCode: string | undefined;
    let rateLimitRemaining: number | undefined;
    try {
      let res;
      try {
        res = await this.got(req.url, {
          method: req.method,
          headers: req.form ? headers : { ...headers, 'content-type': 'application/json' },
          ...(req.form ? { form: req.form } : {}),
          ...(req.json !== undefined ? { json: req.json } : {}),
          signal: cancellationSignal(),
        });
      } catch (err) {
        throw toUnavailable(err, req.method, path);
      }
      status = res.statusCode;
      rateLimitRemaining = numberHeader(res.headers['x-rate-limit-remaining']);
      if (status >= 200 && status < 300) return { status, headers: res.headers, body: res.body };
      const apiError = toApiError(status, res.headers, res.body, req.method, path);
      errorCode = apiError.errorCode;
      throw apiError;
    } catch (err) {
      if (!errorCode && err instanceof OktaUnavailableError) errorCode = err.code;
      throw err;
    } finally {
      const durationMs = performance.now() - started;
      const endpoint = endpointTemplate(path);
      this.metrics.request({ endpoint, method: req.method, status, durationMs });
      if (rateLimitRemaining !== undefined) this.metrics.rateLimitRemaining(`${req.method} ${endpoint}`, rateLimitRemaining);
      this.log({
        method: req.method,
        path,
        status,
        durationMs: Math.round(durationMs),
        ...(errorCode ? { errorCode } : {}),
        ...(rateLimitRemaining !== undefined ? { rateLimitRemaining } : {}),
      });
    }
  }
}

function toUnavailable(err: unknown, method: HttpMethod, path: string): OktaUnavailableError {
  // Only the error code survives (ETIMEDOUT, ECONNREFUSED, ECONNRESET, ERR_ABORTED, ...).
  const code =
    err && typeof err === 'object' && 'code' in err && typeof err.code === 'string'
      ? err.code
      : err instanceof Error && /socket hang up/i.test(err.message)
        ? 'ECONNRESET'
        : 'EUNKNOWN';
  return new OktaUnavailableError(code, method, path);
}

function toApiError(status: number, headers: IncomingHttpHeaders, body: string, method: HttpMethod, path: string): OktaApiError {
  let errorCode: string | undefined;
  let errorSummary: string | undefined;
  let errorId: string | undefined;
  const json = parseJson(body);
  const okta = OktaErrorBodySchema.safeParse(json);
  const oauth = OAuthErrorBodySchema.safeParse(json);
  if (okta.success && okta.data.errorCode) {
    ({ errorCode, errorSummary, errorId } = okta.data);
  } else if (oauth.success) {
    errorCode = oauth.data.error;
    errorSummary = oauth.data.error_description;
  }
  const dpopChallenge = dpopChallengeError(headers);
  errorCode ??= dpopChallenge;
  const date = Date.parse(String(headers.date ?? ''));
  return new OktaApiError({
    status,
    method,
    path,
    errorCode,
    errorSummary: errorSummary === undefined ? undefined : redactSecrets(errorSummary).slice(0, 500),
    errorId,
    rateLimitResetEpochSeconds: numberHeader(headers['x-rate-limit-reset']),
    serverDateEpochMs: Number.isFinite(date) ? date : undefined,
    dpopChallenge,
    dpopNonce: dpopNonceHeader(headers),
  });
}

export function parseJson(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function numberHeader(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** Finds the `rel="next"` target among (possibly several, possibly comma-joined) Link headers. */
export function nextLink(headers: IncomingHttpHeaders): string | undefined {
  const raw = headers.link;
  const values = Array.isArray(raw) ? raw : raw ? [raw] : [];
  for (const value of values) {
    for (const part of value.split(/,\s*(?=<)/)) {
      const m = /^\s*<([^>]*)>(.*)$/.exec(part);
      if (m && /;\s*rel\s*=\s*"?next"?\s*(;|$)/i.test(m[2] ?? '')) return m[1];
    }
  }
  return undefined;
}
