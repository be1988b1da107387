/**
 * HTTP API for chat frontends in any language, on Fastify: zod-validated requests (fastify-type-provider-zod),
 * body limit (413), rate limits per frontend and per chat user (429 + Retry-After), CORS, and the
 * OpenAPI document generated from the same zod schemas (`GET /openapi.json`).
 *
 * One plugin per area (health probes, self-service, lockout replies, and the web chat and helpdesk
 * console under /web/ when WEB_USERS names people).
 * Auth: `Authorization: Bearer <token>` per frontend (HTTP_API_TOKENS, constant-time compare);
 * approvals need a helpdesk person's own token (HTTP_API_APPROVER_TOKENS) and approve as that person. `Idempotency-Key` on creates =
 * the frontend's request ID. Errors: `{error: {code, message, details}}`. Start in-process with
 * `startHttpApi` (port 0 in tests).
 */
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, validatorCompiler } from 'fastify-type-provider-zod';
import type { SelfServiceClient } from '../self-service-client.js';
import { errorHandler, type HttpApiLog, HttpError, sendError, toHttpError } from './errors.js';
import { healthRoutes } from './routes/health.js';
import { lockoutRoutes } from './routes/lockout.js';
import { selfServiceRoutes } from './routes/self-service.js';
import { webRoutes, type WebRoutesOptions } from './routes/web.js';

export interface HttpApiOptions {
  selfService: SelfServiceClient;
  /** For lockout replies (signals) and readiness; default the self-service client's. */
  client?: Client;
  tokens: { frontend: string; token: string }[];
  /**
   * Bearer tokens of helpdesk tools allowed to post approvals (HTTP_API_APPROVER_TOKENS). Frontend
   * tokens cannot approve; with none configured, approvals go through the CLI only.
   */
  approverTokens?: { name: string; token: string }[];
  host?: string;
  port?: number;
  /** Requests per minute per frontend token (or per address without one). Default 600. */
  perFrontendPerMinute?: number;
  /** Creates and factor choices per minute per chat user of a frontend. Default 20. */
  perChatUserPerMinute?: number;
  /** Browser origins allowed by CORS (a web chat page elsewhere); default none. */
  corsOrigins?: string[];
  log?: HttpApiLog;
  /** The web chat and helpdesk console (`/web/`), served when people are configured (WEB_USERS). */
  web?: Omit<WebRoutesOptions, 'selfService' | 'client'>;
}

export interface RunningHttpApi {
  url: string;
  server: Server;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Largest JSON body accepted; larger ones answer 413. */
export const MAX_BODY_BYTES = 16 * 1024;

/** The frontend a request's token names, for the per-frontend limit (hashed: keys are kept in memory). */
function frontendKey(request: FastifyRequest): string {
  const token = /^Bearer\s+(.+)$/i.exec(request.headers.authorization?.trim() ?? '')?.[1];
  return token ? `token:${createHash('sha256').update(token).digest('base64url').slice(0, 22)}` : `ip:${request.ip}`;
}

export async function buildHttpApi(opts: HttpApiOptions): Promise<FastifyInstance> {
  if (opts.tokens.length === 0) throw new Error('HTTP API: HTTP_API_TOKENS is empty, no frontend could call it');
  const client = opts.client ?? opts.selfService.client;
  const tokens = { tokens: opts.tokens, approverTokens: opts.approverTokens ?? [] };
  const app = Fastify({
    bodyLimit: MAX_BODY_BYTES,
    // Request references are opaque and longer than the router's default 100 characters.
    routerOptions: { maxParamLength: 1200 },
    logger: false,
    return503OnClosing: true,
    // Errors Fastify raises before routing (bad percent-encoding...) get the same error shape.
    frameworkErrors: (err, _request, reply) => {
      void sendError(reply, toHttpError(err) ?? new HttpError(400, 'bad_request', 'the request could not be read'));
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  // Answers are the typed client's values; their schemas document them (OpenAPI) but do not filter them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler(errorHandler(opts.log));
  app.setNotFoundHandler((request, reply) => sendError(reply, new HttpError(404, 'not_found', `no route for ${request.method} ${request.url.split('?')[0]}`)));
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('Cache-Control')) void reply.header('Cache-Control', 'no-store');
    return payload;
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'okta-account-access self-service API',
        version: '1.0.0',
        description:
          'For chat frontends: password reset links and MFA resets for the employee who asks, with helpdesk approvals. ' +
          'Authenticate with `Authorization: Bearer <frontend token>` (HTTP_API_TOKENS). Errors are `{error: {code, message, details}}`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Chat frontend token (HTTP_API_TOKENS)' },
          approverBearer: { type: 'http', scheme: 'bearer', description: 'Helpdesk approver tool token (HTTP_API_APPROVER_TOKENS)' },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(cors, { origin: opts.corsOrigins && opts.corsOrigins.length > 0 ? opts.corsOrigins : false });
  await app.register(rateLimit, {
    global: true,
    max: opts.perFrontendPerMinute ?? 600,
    timeWindow: 60_000,
    keyGenerator: frontendKey,
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'rate_limited', `too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`, undefined, Math.ceil(context.ttl / 1000)),
  });

  await app.register(healthRoutes, { client });
  await app.register(selfServiceRoutes, { ...tokens, selfService: opts.selfService, perChatUserPerMinute: opts.perChatUserPerMinute ?? 20, ...(opts.log ? { log: opts.log } : {}) });
  await app.register(lockoutRoutes, { ...tokens, client });
  if (opts.web && opts.web.users.length > 0) await app.register(webRoutes, { ...opts.web, selfService: opts.selfService, client });
  app.get('/openapi.json', { config: { rateLimit: false }, schema: { hide: true } }, async (request) => {
    const doc = app.swagger() as Record<string, unknown>;
    return { ...doc, servers: [{ url: `${request.protocol}://${request.host}` }] };
  });
  return app;
}

export async function startHttpApi(opts: HttpApiOptions): Promise<RunningHttpApi> {
  const app = await buildHttpApi(opts);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? 0 });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, server: app.server, app, close: () => app.close() };
}

export type { SelfServiceReply } from '../self-service-client.js';
