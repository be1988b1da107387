/**
 * HTTP API for chat frontends in any language (node:http, JSON, zod-validated bodies).
 * Auth: `Authorization: Bearer <token>` per frontend (HTTP_API_TOKENS, constant-time compare).
 * `Idempotency-Key` on creates = the frontend's request ID. Errors: `{error: {code, message, details}}`.
 * The OpenAPI document is served at `GET /openapi.json`. Start in-process with `startHttpApi` (port 0 in tests).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { z } from 'zod';
import { lockoutWorkflowId, unlockReplySignal } from '../../workflows/lockout/messages.js';
import type { RefusalCode } from '../../workflows/self-service/messages.js';
import { bearer, readBody, tokenMatches } from '../codec-server.js';
import { decodeRequestRef, type SelfServiceClient, SelfServiceError, type SelfServiceReply } from '../self-service-client.js';
import { openApiDocument } from './openapi.js';
import {
  ApprovalBodySchema,
  ChatUserIdHeaderSchema,
  ChooseFactorsBodySchema,
  IdempotencyKeySchema,
  LockoutReplyBodySchema,
  ResetRequestBodySchema,
} from './schemas.js';

export interface HttpApiOptions {
  selfService: SelfServiceClient;
  /** For lockout replies (signals); default the self-service client's. */
  client?: Client;
  tokens: { frontend: string; token: string }[];
  /**
   * Bearer tokens of helpdesk tools allowed to post approvals (HTTP_API_APPROVER_TOKENS). Frontend
   * tokens cannot approve; with none configured, approvals go through the CLI only.
   */
  approverTokens?: { name: string; token: string }[];
  host?: string;
  port?: number;
  log?: (level: 'info' | 'warn', message: string, meta?: Record<string, unknown>) => void;
}

export interface RunningHttpApi {
  url: string;
  server: Server;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const REFUSAL_STATUS: Record<RefusalCode, [number, string]> = {
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

export async function startHttpApi(opts: HttpApiOptions): Promise<RunningHttpApi> {
  if (opts.tokens.length === 0) throw new Error('HTTP API: HTTP_API_TOKENS is empty, no frontend could call it');
  const temporal = opts.client ?? opts.selfService.client;
  const host = opts.host ?? '127.0.0.1';
  let baseUrl = '';

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return sendError(res, err);
      opts.log?.('warn', 'http api: internal error', { path: safePath(req), error: err instanceof Error ? err.name : 'unknown' });
      sendError(res, new HttpError(500, 'internal', 'internal error'));
    });
  });

  const approverTokens = opts.approverTokens ?? [];

  /** The caller: a chat frontend or an approver tool (every token is compared, no early exit). */
  function identify(req: IncomingMessage): { frontend?: string; approver?: string } {
    const given = bearer(req);
    let frontend: string | undefined;
    let approver: string | undefined;
    for (const t of opts.tokens) if (tokenMatches(given, t.token) && !frontend) frontend = t.frontend;
    for (const t of approverTokens) if (tokenMatches(given, t.token) && !approver) approver = t.name;
    return { ...(frontend ? { frontend } : {}), ...(approver ? { approver } : {}) };
  }

  function authenticate(req: IncomingMessage): string {
    const { frontend } = identify(req);
    if (!frontend) throw new HttpError(401, 'unauthorized', 'missing or invalid bearer token');
    return frontend;
  }

  function authenticateApprover(req: IncomingMessage): string {
    const who = identify(req);
    if (who.approver) return who.approver;
    if (who.frontend) throw new HttpError(403, 'approver_token_required', 'approvals need an approver token (HTTP_API_APPROVER_TOKENS), not a frontend token');
    throw new HttpError(401, 'unauthorized', 'missing or invalid bearer token');
  }

  async function jsonBody<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.infer<S>> {
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'unsupported_media_type', 'send Content-Type: application/json');
    let raw: unknown;
    try {
      raw = JSON.parse(await readBody(req, 64 * 1024));
    } catch {
      throw new HttpError(400, 'invalid_json', 'the body is not valid JSON (max 64 KiB)');
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new HttpError(400, 'invalid_request', 'the body does not match the schema', {
        issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    return parsed.data;
  }

  function ownRequest(frontend: string, id: string): string {
    const ref = decodeRequestRef(id);
    if (!ref || !ref.requestId.startsWith(`${frontend}:`)) throw new HttpError(404, 'not_found', 'no such request');
    return id;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://api');
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (path === '/openapi.json' && method === 'GET') return send(res, 200, openApiDocument(baseUrl));
    if (path === '/healthz' && method === 'GET') return send(res, 200, { ok: true });

    let m: RegExpExecArray | null;

    if ((m = /^\/v1\/requests\/([^/]+)\/approval$/.exec(path))) {
      // Approvals come from a helpdesk tool with its own token; the workflow still checks the approver.
      const tool = authenticateApprover(req);
      if (method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'use POST');
      const id = pathParam(m[1]!);
      if (!decodeRequestRef(id)) throw new HttpError(404, 'not_found', 'no such request');
      const body = await jsonBody(req, ApprovalBodySchema);
      const result = await selfServiceCall(() => opts.selfService.decideApproval(id, body));
      opts.log?.('info', 'http api: approval', { via: tool, approver: body.approver, decision: body.decision, accepted: result.accepted });
      if (!result.accepted) {
        const code = result.code ?? (result.view.phase === 'awaiting-approval' && !result.view.approval?.decision ? 'not-allowed' : 'not-awaiting');
        if (code === 'check-failed') throw new HttpError(503, 'approver_check_failed', result.message);
        throw new HttpError(code === 'not-allowed' ? 403 : 409, code === 'not-allowed' ? 'approver_not_allowed' : 'not_awaiting_approval', result.message);
      }
      return send(res, 200, { accepted: true, message: result.message, request: result.view });
    }

    const frontend = authenticate(req);

    if ((m = /^\/v1\/(password-resets|mfa-resets)$/.exec(path))) {
      if (method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'use POST');
      const key = IdempotencyKeySchema.safeParse(req.headers['idempotency-key']);
      if (!key.success) throw new HttpError(400, 'invalid_idempotency_key', 'the Idempotency-Key header is required: letters, digits, . _ : - (max 200)');
      const body = await jsonBody(req, ResetRequestBodySchema);
      const input = { requestId: key.data, frontend, requester: body.requester, ...(body.target ? { target: body.target } : {}) };
      const reply = await selfServiceCall(() =>
        m![1] === 'password-resets' ? opts.selfService.requestPasswordReset(input) : opts.selfService.requestMfaReset(input),
      );
      opts.log?.('info', 'http api: request', { frontend, action: reply.action, status: reply.status, workflowId: reply.workflowId });
      if (reply.status === 'refused' && reply.refusal) {
        const [status, code] = REFUSAL_STATUS[reply.refusal.code];
        throw new HttpError(status, code, reply.refusal.message, { request: reply });
      }
      return send(res, 200, reply);
    }

    if ((m = /^\/v1\/requests\/([^/]+)$/.exec(path))) {
      if (method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'use GET');
      const id = ownRequest(frontend, pathParam(m[1]!));
      const chatUser = ChatUserIdHeaderSchema.safeParse(req.headers['x-chat-user-id']);
      if (!chatUser.success) throw new HttpError(400, 'missing_chat_user', 'the X-Chat-User-Id header is required');
      return send(res, 200, await selfServiceCall(() => opts.selfService.getRequest(id, chatUser.data)));
    }

    if ((m = /^\/v1\/requests\/([^/]+)\/factors$/.exec(path))) {
      if (method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'use POST');
      const id = ownRequest(frontend, pathParam(m[1]!));
      const body = await jsonBody(req, ChooseFactorsBodySchema);
      return send(res, 200, await selfServiceCall(() => opts.selfService.chooseFactors(id, body.chatUserId, body.factorIds)));
    }

    if ((m = /^\/v1\/lockouts\/([^/]+)\/reply$/.exec(path))) {
      if (method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'use POST');
      const userId = pathParam(m[1]!);
      if (!/^[A-Za-z0-9]{1,64}$/.test(userId)) throw new HttpError(400, 'invalid_user_id', 'expected an Okta user ID');
      // `email` is the answering person's email as the chat platform verified it: the lockout workflow
      // accepts the answer only from the locked-out user.
      const body = await jsonBody(req, LockoutReplyBodySchema);
      try {
        await temporal.workflow.getHandle(lockoutWorkflowId(userId)).signal(unlockReplySignal, body);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'not_found', 'no open lockout for this user');
        throw err;
      }
      return send(res, 202, { delivered: true });
    }

    throw new HttpError(404, 'not_found', `no route for ${method} ${path}`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: baseUrl,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function selfServiceCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SelfServiceError) {
      const [status, code] = SELF_SERVICE_ERROR[err.code];
      throw new HttpError(status, code, err.message);
    }
    throw err;
  }
}

/** A percent-decoded path segment; bad encoding is the caller's error (400), not ours. */
function pathParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'invalid_path', 'the path is not valid percent-encoding');
  }
}

function safePath(req: IncomingMessage): string {
  return (req.url ?? '').split('?')[0] ?? '';
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(body));
}

function sendError(res: ServerResponse, err: HttpError): void {
  if (res.headersSent) return;
  if (err.status === 503) res.setHeader('Retry-After', '2');
  send(res, err.status, { error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } });
}

export type { SelfServiceReply };
