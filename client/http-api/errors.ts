/**
 * The HTTP API's one error shape, `{error: {code, message, details?}}`, and the mapping of every
 * failure onto it: our own HttpError, the typed client's SelfServiceError, zod validation errors
 * (per part of the request), Fastify's body and URL errors, and anything else as a logged 500.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { RefusalCode } from '../../workflows/self-service/messages.js';
import { SelfServiceError } from '../self-service-client.js';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Seconds, sent as Retry-After (503, 429). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** A refused request's HTTP status and code. */
export const REFUSAL_STATUS: Record<RefusalCode, [number, string]> = {
  'user-not-found': [404, 'user_not_found'],
  'requester-not-found': [404, 'requester_not_found'],
  'not-your-account': [403, 'not_your_account'],
  'not-allowed': [403, 'not_allowed'],
  'daily-limit': [429, 'daily_limit'],
  'nothing-to-reset': [409, 'nothing_to_reset'],
};

const SELF_SERVICE_ERROR: Record<SelfServiceError['code'], [number, string]> = {
  'not-found': [404, 'not_found'],
  conflict: [409, 'idempotency_conflict'],
  rejected: [409, 'rejected'],
  busy: [503, 'busy'],
  invalid: [400, 'invalid_request'],
};

/** Seconds a caller told "busy" should wait before trying again. */
export const BUSY_RETRY_AFTER_S = 2;

/** Header validation failures name the header that was wrong. */
const HEADER_ERRORS: Record<string, [string, string]> = {
  'idempotency-key': ['invalid_idempotency_key', `the Idempotency-Key header is required: letters, digits, . _ : - (max 128)`],
  'x-chat-user-id': ['missing_chat_user', 'the X-Chat-User-Id header is required (printable, max 200)'],
};

export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof SelfServiceError) {
    const [status, code] = SELF_SERVICE_ERROR[err.code];
    return new HttpError(status, code, err.message, undefined, err.code === 'busy' ? BUSY_RETRY_AFTER_S : undefined);
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = err.validation.map((v) => ({ path: v.instancePath.replace(/^\//, '').replace(/\//g, '.'), message: v.message ?? 'invalid' }));
    if (err.validationContext === 'headers') {
      const header = Object.keys(HEADER_ERRORS).find((h) => issues.some((i) => i.path === h)) ?? 'idempotency-key';
      const [code, message] = HEADER_ERRORS[header]!;
      return new HttpError(400, code, message);
    }
    if (err.validationContext === 'params') return new HttpError(400, 'invalid_path', 'the path is not valid', { issues });
    return new HttpError(400, 'invalid_request', 'the body does not match the schema', { issues });
  }
  const e = err as Partial<FastifyError> & { statusCode?: number };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, 'body_too_large', 'the body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, 'unsupported_media_type', 'send Content-Type: application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, 'invalid_json', 'the body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpError(400, 'invalid_json', 'the body is not valid JSON');
    case 'FST_ERR_BAD_URL':
      return new HttpError(400, 'invalid_path', 'the path is not valid percent-encoding');
  }
  if (err instanceof SyntaxError && e.statusCode === 400) return new HttpError(400, 'invalid_json', 'the body is not valid JSON');
  // Not every error's code is a string (gRPC errors carry a number).
  if (typeof e.code === 'string' && e.code.startsWith('FST_ERR_CTP_') && e.statusCode === 400) return new HttpError(400, 'invalid_body', e.message ?? 'the body could not be read');
  if (e.statusCode === 429) return new HttpError(429, 'rate_limited', e.message ?? 'too many requests');
  return undefined;
}

export function sendError(reply: FastifyReply, err: HttpError): FastifyReply {
  if (err.retryAfter !== undefined) void reply.header('Retry-After', String(err.retryAfter));
  return reply
    .code(err.statusCode)
    .header('Cache-Control', 'no-store')
    .send({ error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } });
}

export type HttpApiLog = (level: 'info' | 'warn', message: string, meta?: Record<string, unknown>) => void;

/** Fastify's error handler: the one error shape; unknown failures are logged by name only (no payloads). */
export function errorHandler(log: HttpApiLog | undefined) {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const known = toHttpError(err);
    if (known) return sendError(reply, known);
    log?.('warn', 'http api: internal error', { path: request.url.split('?')[0], error: err instanceof Error ? err.name : 'unknown' });
    return sendError(reply, new HttpError(500, 'internal', 'internal error'));
  };
}
