/**
 * The web chat for employees (`/web/`) and the helpdesk console (`/web/console`), served by the HTTP
 * API as one more plugin: static pages plus JSON endpoints under `/web/api/` that call the same typed
 * client as the chat-frontend routes, as the frontend `web`. People sign in (per-person tokens,
 * WEB_USERS); the signed-in person is the requester, the one answering a lockout question, and the
 * approver recorded in the workflow — never a name typed into a form.
 *
 * CSRF: the session cookie is SameSite=Strict, every state-changing call needs the session's
 * X-CSRF-Token header, bodies must be JSON (a cross-site form cannot send that without CORS, which
 * /web never allows), and a present Origin must be this server's.
 */
import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { lockoutWorkflowId, unlockReplySignal } from '../../../workflows/lockout/messages.js';
import { ApprovalDecisionSchema, LOGIN_CHARS, MAX_IDEMPOTENCY_KEY } from '../../../workflows/self-service/messages.js';
import { lockoutState } from '../../lockout-client.js';
import { decodeRequestRef, type SelfServiceClient } from '../../self-service-client.js';
import { listRuns } from '../../visibility.js';
import { HttpError } from '../errors.js';
import { consoleData } from '../web/console-data.js';
import { cookieValue, csrfMatches, SESSION_COOKIE, sessionCookie, type WebSession, WebSessions } from '../web/sessions.js';
import { aggregateReport, collectReportRuns, formatReport } from '../../report.js';
import { refusedOr } from './self-service.js';

export interface WebRoutesOptions {
  selfService: SelfServiceClient;
  client: Client;
  users: { email: string; token: string }[];
  /** Who may open the console (HELPDESK_LOGINS); the workflow still checks every approval. */
  helpdeskLogins: string[];
  /** The self-service workflows' task queue (the console lists only their runs). */
  taskQueue: string;
  /** The poller's org, for its status on the console. */
  orgUrl?: string;
  sessionTtlMs?: number;
  /** Helpdesk minutes one avoided ticket costs (the console's report). */
  minutesPerTicket?: number;
}

/** Requests from the web chat are scoped to this frontend name. */
export const WEB_FRONTEND = 'web';
const chatUserOf = (email: string) => `web:${email}`;

const PUBLIC = new URL('../web/public/', import.meta.url);
const ASSETS: Record<string, string> = { 'style.css': 'text/css', 'common.js': 'text/javascript', 'chat.js': 'text/javascript', 'console.js': 'text/javascript' };
const PAGES: Record<string, string> = { '/web/': 'chat.html', '/web/console': 'console.html' };
// Scripts and styles from this origin only: an injected string can never run.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SignInSchema = z.object({ email: z.string().trim().min(3).max(254).regex(LOGIN_CHARS), token: z.string().min(1).max(200) }).strict();
const KeyHeaders = z.object({ 'idempotency-key': z.string().regex(/^[A-Za-z0-9._:-]+$/).max(MAX_IDEMPOTENCY_KEY) });
const IdParams = z.object({ id: z.string().min(1).max(1200) });
const FactorsBody = z.object({ factorIds: z.array(z.string().min(1).max(64)).min(1).max(20) }).strict();
const LockoutReplyBody = z.object({ answer: z.enum(['yes', 'no']) }).strict();
const ReportQuery = z.object({ days: z.coerce.number().int().min(1).max(400).default(30) });
const ApprovalBody = z.object({ id: z.string().min(1).max(1200), decision: ApprovalDecisionSchema.shape.decision, reason: ApprovalDecisionSchema.shape.reason }).strict();

export const webRoutes: FastifyPluginAsync<WebRoutesOptions> = async (app, opts) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const sessions = new WebSessions(opts.users, opts.sessionTtlMs);
  const helpdesk = new Set(opts.helpdeskLogins.map((l) => l.toLowerCase()));
  const files = new Map<string, Buffer>();
  for (const name of [...Object.keys(ASSETS), ...Object.values(PAGES)]) files.set(name, readFileSync(new URL(name, PUBLIC)));
  const sessionOf = new WeakMap<FastifyRequest, WebSession>();

  const secure = (request: FastifyRequest) => request.protocol === 'https';
  const signedIn = async (request: FastifyRequest) => {
    const session = sessions.get(cookieValue(request.headers.cookie, SESSION_COOKIE));
    if (!session) throw new HttpError(401, 'unauthorized', 'sign in first');
    sessionOf.set(request, session);
  };
  const sameOrigin = (request: FastifyRequest) => {
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `${request.protocol}://${request.host}`) throw new HttpError(403, 'cross_origin', 'cross-origin requests are refused');
  };
  /** For calls that change something: a session, its CSRF token, this origin. */
  const changing = async (request: FastifyRequest) => {
    sameOrigin(request);
    await signedIn(request);
    if (!csrfMatches(sessionOf.get(request)!, request.headers['x-csrf-token'])) throw new HttpError(403, 'csrf', 'missing or wrong X-CSRF-Token');
  };
  const person = (request: FastifyRequest) => sessionOf.get(request)!;
  const requireHelpdesk = async (request: FastifyRequest) => {
    if (!helpdesk.has(person(request).email)) throw new HttpError(403, 'not_allowed', 'the console is for helpdesk staff');
  };
  const me = (s: WebSession) => ({ email: s.email, helpdesk: helpdesk.has(s.email), csrf: s.csrf });
  const send = (reply: FastifyReply, name: string, type: string) =>
    reply.header('Content-Type', `${type}; charset=utf-8`).header('Content-Security-Policy', CSP).header('X-Content-Type-Options', 'nosniff').header('Referrer-Policy', 'no-referrer').send(files.get(name));

  const hidden = { schema: { hide: true } } as const;
  for (const [path, page] of Object.entries(PAGES)) app.get(path, hidden, (_request, reply) => send(reply, page, 'text/html'));
  app.get('/web', hidden, (_request, reply) => reply.redirect('/web/'));
  api.get('/web/assets/:name', { schema: { hide: true, params: z.object({ name: z.string().max(40) }) } }, (request, reply) => {
    const type = ASSETS[request.params.name];
    if (!type) throw new HttpError(404, 'not_found', 'no such file');
    return send(reply, request.params.name, type);
  });

  // Sign-in is the one call without a session: its own tight limit per address against guessing.
  api.post('/web/api/session', { config: { rateLimit: { max: 30, timeWindow: 60_000, keyGenerator: (r: FastifyRequest) => `web-sign-in:${r.ip}` } }, schema: { hide: true, body: SignInSchema } }, async (request, reply) => {
    sameOrigin(request);
    const signed = sessions.signIn(request.body.email, request.body.token);
    if (!signed) throw new HttpError(401, 'unauthorized', 'unknown email or token');
    void reply.header('Set-Cookie', sessionCookie(signed.id, secure(request), Math.floor((signed.session.expiresAt - Date.now()) / 1000)));
    return me(signed.session);
  });
  app.get('/web/api/session', { ...hidden, onRequest: signedIn }, async (request) => me(person(request)));
  app.delete('/web/api/session', { ...hidden, onRequest: changing }, async (request, reply) => {
    sessions.signOut(cookieValue(request.headers.cookie, SESSION_COOKIE));
    return reply.header('Set-Cookie', sessionCookie('', secure(request), 0)).code(204).send();
  });

  // Employee: their own account only (no target), as the signed-in person.
  for (const [path, action] of [['/web/api/password-reset', 'reset-password'], ['/web/api/mfa-reset', 'reset-mfa']] as const) {
    api.post(path, { onRequest: changing, schema: { hide: true, headers: KeyHeaders } }, async (request) => {
      const { email } = person(request);
      const input = { requestId: request.headers['idempotency-key'], frontend: WEB_FRONTEND, requester: { chatUserId: chatUserOf(email), email } };
      return refusedOr(action === 'reset-password' ? await opts.selfService.requestPasswordReset(input) : await opts.selfService.requestMfaReset(input));
    });
  }
  const ownRequest = (id: string) => {
    if (!decodeRequestRef(id)?.requestId.startsWith(`${WEB_FRONTEND}:`)) throw new HttpError(404, 'not_found', 'no such request');
    return id;
  };
  api.get('/web/api/requests/:id', { onRequest: signedIn, schema: { hide: true, params: IdParams } }, async (request) =>
    opts.selfService.getRequest(ownRequest(request.params.id), chatUserOf(person(request).email)),
  );
  api.post('/web/api/requests/:id/factors', { onRequest: changing, schema: { hide: true, params: IdParams, body: FactorsBody } }, async (request) =>
    opts.selfService.chooseFactors(ownRequest(request.params.id), chatUserOf(person(request).email), request.body.factorIds),
  );

  /** The signed-in person's open lockout episode, if any (found by their login in visibility). */
  const openLockout = async (email: string) => {
    const { runs } = await listRuns(opts.client, `AccessAction = "unlock" AND ExecutionStatus = "Running" AND OktaLogin = ${JSON.stringify(email)}`, 1);
    const userId = runs[0]?.keywords.OktaUserId;
    return userId ? lockoutState(opts.client, userId).catch(() => undefined) : undefined;
  };
  app.get('/web/api/lockout', { ...hidden, onRequest: signedIn }, async (request) => {
    const state = await openLockout(person(request).email);
    return { question: state?.phase === 'awaiting-user' ? { userId: state.userId, since: state.events[0]?.published } : null };
  });
  api.post('/web/api/lockout/reply', { onRequest: changing, schema: { hide: true, body: LockoutReplyBody } }, async (request, reply) => {
    const { email } = person(request);
    const state = await openLockout(email);
    if (state?.phase !== 'awaiting-user') throw new HttpError(404, 'not_found', 'no lockout question is waiting for you');
    try {
      await opts.client.workflow.getHandle(lockoutWorkflowId(state.userId)).signal(unlockReplySignal, { answer: request.body.answer, email, chatUserId: chatUserOf(email) });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'not_found', 'no lockout question is waiting for you');
      throw err;
    }
    return reply.code(202).send({ delivered: true });
  });

  // Helpdesk console.
  app.get('/web/api/console', { ...hidden, onRequest: signedIn, preHandler: requireHelpdesk }, async () => consoleData(opts.client, opts.selfService, opts.taskQueue, opts.orgUrl));
  // The same report as `npm run cli -- report`, for the helpdesk lead.
  api.get('/web/api/report', { onRequest: signedIn, preHandler: requireHelpdesk, schema: { hide: true, querystring: ReportQuery } }, async (request) => {
    const until = new Date();
    const since = new Date(until.getTime() - request.query.days * 86_400_000);
    const { runs, truncated } = await collectReportRuns(opts.client, { since });
    const report = aggregateReport(runs, { since, until, minutesPerTicket: opts.minutesPerTicket ?? 15 });
    return { report, truncated, text: formatReport(report, truncated) };
  });
  api.post('/web/api/console/approval', { onRequest: changing, preHandler: requireHelpdesk, schema: { hide: true, body: ApprovalBody } }, async (request) => {
    if (!decodeRequestRef(request.body.id) && !/^reset-(password|mfa)\//.test(request.body.id)) throw new HttpError(404, 'not_found', 'no such request');
    const approver = person(request).email;
    const result = await opts.selfService.decideApproval(request.body.id, { decision: request.body.decision, approver, reason: request.body.reason });
    if (!result.accepted) throw new HttpError(result.code === 'check-failed' ? 503 : result.code === 'not-allowed' ? 403 : 409, result.code === 'not-allowed' ? 'approver_not_allowed' : 'not_accepted', result.message);
    return { accepted: true, message: result.message, request: result.view };
  });
};
