/** Self-service routes for chat frontends: password/MFA resets, polling, factor choice, approvals. */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { decodeRequestRef, type SelfServiceClient, type SelfServiceReply } from '../../self-service-client.js';
import { type ApiTokens, approverOf, callerOf, requireApprover, requireFrontend } from '../auth.js';
import { type HttpApiLog, HttpError, REFUSAL_STATUS } from '../errors.js';
import {
  ApprovalBodySchema,
  ApprovalResultSchema,
  ChatUserHeadersSchema,
  ChooseFactorsBodySchema,
  ErrorSchema,
  IdempotencyHeadersSchema,
  RequestIdParamsSchema,
  RequestSchema,
  ResetRequestBodySchema,
} from '../schemas.js';

export interface SelfServiceRoutesOptions extends ApiTokens {
  selfService: SelfServiceClient;
  /** Per chat user (of one frontend) per minute, on the calls that start or change a request. */
  perChatUserPerMinute: number;
  log?: HttpApiLog;
}

const errors = (codes: Record<number, string>) => Object.fromEntries(Object.entries(codes).map(([code, description]) => [code, ErrorSchema.describe(description)]));

/** A refused request answers with its status and code (shared with the web chat). */
export const refusedOr = (reply: SelfServiceReply): SelfServiceReply => {
  if (reply.status === 'refused' && reply.refusal) {
    const [status, code] = REFUSAL_STATUS[reply.refusal.code];
    throw new HttpError(status, code, reply.refusal.message, { request: reply });
  }
  return reply;
};

export const selfServiceRoutes: FastifyPluginAsync<SelfServiceRoutesOptions> = async (app, opts) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const frontendAuth = requireFrontend(opts);
  // Per chat user: one employee mashing the button cannot use up their frontend's budget. (A second
  // limiter, checked by hand: the plugin runs one limiter hook per request.)
  const chatUserLimit = app.createRateLimit({
    max: opts.perChatUserPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request: FastifyRequest) => {
      const body = request.body as { requester?: { chatUserId?: unknown }; chatUserId?: unknown } | undefined;
      return `chat:${callerOf(request)}:${String(body?.requester?.chatUserId ?? body?.chatUserId ?? '')}`;
    },
  });
  const perChatUser = async (request: FastifyRequest) => {
    const limit = await chatUserLimit(request);
    if (!limit.isAllowed && limit.isExceeded) {
      throw new HttpError(429, 'rate_limited', `too many requests from this chat user; try again in ${limit.ttlInSeconds} s`, undefined, limit.ttlInSeconds);
    }
  };

  /** A reference this frontend may use: a self-service request it created. */
  const ownRequest = (request: FastifyRequest, id: string): string => {
    const ref = decodeRequestRef(id);
    if (!ref || !ref.requestId.startsWith(`${callerOf(request)}:`)) throw new HttpError(404, 'not_found', 'no such request');
    return id;
  };

  for (const [path, action] of [['/v1/password-resets', 'reset-password'], ['/v1/mfa-resets', 'reset-mfa']] as const) {
    api.post(
      path,
      {
        onRequest: frontendAuth,
        preHandler: perChatUser,
        schema: {
          summary: action === 'reset-password' ? 'Request a single-use password reset link' : 'Request an MFA reset (all factors, or a choice of factors)',
          operationId: action === 'reset-password' ? 'createPasswordReset' : 'createMfaReset',
          headers: IdempotencyHeadersSchema,
          body: ResetRequestBodySchema,
          response: {
            200: RequestSchema,
            ...errors({
              400: 'Malformed JSON, body or Idempotency-Key',
              401: 'Missing or wrong bearer token',
              403: 'not_your_account (the same answer for every account that is not yours, whether it exists or not) or not_allowed',
              404: 'user_not_found / requester_not_found: no Okta user for your own account',
              409: 'idempotency_conflict: the key was used for a different request; nothing_to_reset',
              413: 'Body larger than 16 KiB',
              429: 'daily_limit for this account, or rate_limited (Retry-After)',
              503: 'busy: too many requests for this account at once, or Temporal unavailable (Retry-After)',
            }),
          },
        },
      },
      async (request) => {
        const frontend = callerOf(request);
        const input = { requestId: request.headers['idempotency-key'], frontend, requester: request.body.requester, ...(request.body.target ? { target: request.body.target } : {}) };
        const reply = action === 'reset-password' ? await opts.selfService.requestPasswordReset(input) : await opts.selfService.requestMfaReset(input);
        opts.log?.('info', 'http api: request', { frontend, action: reply.action, status: reply.status, workflowId: reply.workflowId });
        return refusedOr(reply);
      },
    );
  }

  api.get(
    '/v1/requests/:id',
    {
      onRequest: frontendAuth,
      schema: {
        summary: 'The current state of a request (poll while checking or awaiting approval)',
        operationId: 'getRequest',
        params: RequestIdParamsSchema,
        headers: ChatUserHeadersSchema,
        response: { 200: RequestSchema, ...errors({ 400: 'Missing X-Chat-User-Id', 401: 'Unauthorized', 404: 'No such request for this frontend and chat user' }) },
      },
    },
    async (request) => opts.selfService.getRequest(ownRequest(request, request.params.id), request.headers['x-chat-user-id']),
  );

  api.post(
    '/v1/requests/:id/factors',
    {
      onRequest: frontendAuth,
      preHandler: perChatUser,
      schema: {
        summary: 'Choose the MFA factors to reset (MFA mode `choose`)',
        operationId: 'chooseFactors',
        params: RequestIdParamsSchema,
        body: ChooseFactorsBodySchema,
        response: { 200: RequestSchema, ...errors({ 400: 'Malformed body', 401: 'Unauthorized', 404: 'No such request', 409: 'Not waiting for a choice, or a factor that may not be reset' }) },
      },
    },
    async (request) => opts.selfService.chooseFactors(ownRequest(request, request.params.id), request.body.chatUserId, request.body.factorIds),
  );

  api.post(
    '/v1/requests/:id/approval',
    {
      onRequest: requireApprover(opts),
      schema: {
        summary: 'A helpdesk approver approves or denies a request',
        description:
          'Needs a personal approver token (HTTP_API_APPROVER_TOKENS, `login:token`), not a chat frontend token. The approver is ' +
          'the person the token belongs to (`approver` may be omitted; naming anyone else is 403 approver_not_allowed). The ' +
          'workflow still checks that person: helpdesk staff, neither the account owner nor a requester of the run.',
        operationId: 'decideApproval',
        security: [{ approverBearer: [] }],
        params: RequestIdParamsSchema,
        body: ApprovalBodySchema,
        response: {
          200: ApprovalResultSchema,
          ...errors({
            400: 'Malformed body',
            401: 'Unauthorized',
            403: 'approver_token_required: a frontend token was used; approver_not_allowed: the token belongs to someone else than `approver`, or that person may not decide this request',
            404: 'No such request',
            409: 'Not waiting for approval',
            503: 'approver_check_failed: the approver could not be checked in Okta right now; try again',
          }),
        },
      },
    },
    async (request) => {
      const id = request.params.id;
      if (!decodeRequestRef(id)) throw new HttpError(404, 'not_found', 'no such request');
      const approver = approverOf(request);
      if (request.body.approver !== undefined && request.body.approver.trim().toLowerCase() !== approver) {
        throw new HttpError(403, 'approver_not_allowed', 'this approver token belongs to another person: it approves only as that person');
      }
      const result = await opts.selfService.decideApproval(id, { ...request.body, approver });
      opts.log?.('info', 'http api: approval', { approver, decision: request.body.decision, accepted: result.accepted });
      if (!result.accepted) {
        const code = result.code ?? (result.view.phase === 'awaiting-approval' && !result.view.approval?.decision ? 'not-allowed' : 'not-awaiting');
        if (code === 'check-failed') throw new HttpError(503, 'approver_check_failed', result.message);
        throw new HttpError(code === 'not-allowed' ? 403 : 409, code === 'not-allowed' ? 'approver_not_allowed' : 'not_awaiting_approval', result.message);
      }
      return { accepted: true as const, message: result.message, request: result.view as unknown as Record<string, unknown> };
    },
  );
};
