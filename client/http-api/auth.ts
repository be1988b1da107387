/**
 * Bearer-token callers of the HTTP API: chat frontends (HTTP_API_TOKENS) and helpdesk approvers
 * (HTTP_API_APPROVER_TOKENS). An approver token belongs to one person (its name is their Okta login) and
 * approves only as that person, so a tool holding it cannot name arbitrary approvers.
 */
import type { FastifyRequest } from 'fastify';
import { bearer, tokenMatches } from '../codec-server.js';
import { HttpError } from './errors.js';

export interface ApiTokens {
  tokens: { frontend: string; token: string }[];
  approverTokens: { name: string; token: string }[];
}

/** Every token is compared (no early exit), so timing says nothing about which one matched. */
function identify(tokens: ApiTokens, request: FastifyRequest): { frontend?: string; approver?: string } {
  const given = bearer(request.raw);
  let frontend: string | undefined;
  let approver: string | undefined;
  for (const t of tokens.tokens) if (tokenMatches(given, t.token) && !frontend) frontend = t.frontend;
  for (const t of tokens.approverTokens) if (tokenMatches(given, t.token) && !approver) approver = t.name;
  return { ...(frontend ? { frontend } : {}), ...(approver ? { approver } : {}) };
}

const callers = new WeakMap<FastifyRequest, string>();

/** onRequest hook: a chat frontend's token (before the body is even read). */
export function requireFrontend(tokens: ApiTokens) {
  return async (request: FastifyRequest) => {
    const { frontend } = identify(tokens, request);
    if (!frontend) throw new HttpError(401, 'unauthorized', 'missing or invalid bearer token');
    callers.set(request, frontend);
  };
}

/** onRequest hook: a helpdesk approver tool's token; a frontend token cannot approve. */
export function requireApprover(tokens: ApiTokens) {
  return async (request: FastifyRequest) => {
    const who = identify(tokens, request);
    if (who.approver) return void callers.set(request, who.approver);
    if (who.frontend) throw new HttpError(403, 'approver_token_required', 'approvals need an approver token (HTTP_API_APPROVER_TOKENS), not a frontend token');
    throw new HttpError(401, 'unauthorized', 'missing or invalid bearer token');
  };
}

/** The person an approver token belongs to (lower-cased login), when the caller used one. */
export function approverOf(request: FastifyRequest): string {
  return callerOf(request).toLowerCase();
}

/** The authenticated caller's name (frontend, or the approver token's person). */
export function callerOf(request: FastifyRequest): string {
  const who = callers.get(request);
  if (!who) throw new HttpError(401, 'unauthorized', 'missing or invalid bearer token');
  return who;
}
