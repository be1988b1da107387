import { oktaError } from './errors.js';
import { addEventHookRoutes } from './event-hooks-api.js';
import type { EventHookStore } from './event-hooks.js';
import type { Org } from './org.js';
import { Router, type Ctx, type Reply } from './router.js';

export interface OktaRouteMeta {
  /** OAuth scope the endpoint requires; SSWS tokens carry every scope. */
  scope: string;
  /** The route reads a JSON request body (parsed into `ctx.body`). */
  jsonBody?: boolean;
}

function linkHeader(ctx: Ctx, path: string, params: Record<string, string> | undefined, rel: string): string | undefined {
  if (!params) return undefined;
  const u = new URL(path, ctx.baseUrl);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return `<${u.toString()}>; rel="${rel}"`;
}

function selfLink(ctx: Ctx): string {
  return `<${new URL(ctx.url.pathname + ctx.url.search, ctx.baseUrl).toString()}>; rel="self"`;
}

function boolParam(ctx: Ctx, name: string, dflt: boolean): boolean {
  const v = ctx.query.get(name);
  if (v === null) return dflt;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw oktaError('E0000001', name, [`${name}: must be true or false`]);
}

function intParam(ctx: Ctx, name: string, dflt: number, max: number): number {
  const raw = ctx.query.get(name);
  if (raw === null) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw oktaError('E0000001', name, [`${name}: must be a positive integer`]);
  return Math.min(n, max);
}

function actionCtx(ctx: Ctx) {
  if (!ctx.principal) throw oktaError('E0000011');
  return { principal: ctx.principal, requestId: ctx.requestId, requestUri: ctx.url.pathname, baseUrl: ctx.baseUrl };
}

/** Okta's own endpoints this project uses, behaving as Okta documents them. */
export function oktaRoutes(org: () => Org, hooks: () => EventHookStore): Router<OktaRouteMeta> {
  const r = new Router<OktaRouteMeta>();
  const read = { scope: 'okta.users.read' };
  const manage = { scope: 'okta.users.manage' };

  r.add('GET', '/api/v1/logs', { scope: 'okta.logs.read' }, (ctx): Reply => {
    const q = Object.fromEntries(['since', 'until', 'after', 'filter', 'q', 'limit', 'sortOrder'].flatMap((k) => {
      const v = ctx.query.get(k);
      return v === null ? [] : [[k, v]];
    }));
    const page = org().logs.query(q);
    const links = [selfLink(ctx), linkHeader(ctx, '/api/v1/logs', page.next, 'next')].filter((x): x is string => !!x);
    return { status: 200, body: page.events, headers: { Link: links } };
  });

  r.add('GET', '/api/v1/users', read, (ctx): Reply => {
    const limitRaw = ctx.query.get('limit');
    const limit = limitRaw === null ? 200 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1) throw oktaError('E0000001', 'limit', ['limit: must be a positive integer']);
    const page = org().users.search({
      after: ctx.query.get('after') ?? undefined,
      limit: Math.min(limit, 200),
      filter: ctx.query.get('filter') ?? undefined,
      search: ctx.query.get('search') ?? undefined,
      q: ctx.query.get('q') ?? undefined,
    });
    const carry: Record<string, string> = {};
    for (const k of ['filter', 'search', 'q', 'limit']) {
      const v = ctx.query.get(k);
      if (v !== null) carry[k] = v;
    }
    const next = page.nextAfter ? linkHeader(ctx, '/api/v1/users', { ...carry, after: page.nextAfter }, 'next') : undefined;
    return {
      status: 200,
      body: page.users.map((u) => org().users.toOkta(u, ctx.baseUrl)),
      headers: { Link: [selfLink(ctx), ...(next ? [next] : [])] },
    };
  });

  r.add('GET', '/api/v1/users/:id', read, (ctx) => ({ status: 200, body: org().users.toOkta(org().users.get(ctx.params.id ?? ''), ctx.baseUrl) }));

  r.add('GET', '/api/v1/users/:id/groups', read, (ctx) => {
    const u = org().users.get(ctx.params.id ?? '');
    const groups = u.groupIds.map((id) => org().users.groups.get(id)).filter((g) => g !== undefined);
    return { status: 200, body: groups.map((g) => org().users.groupToOkta(g, ctx.baseUrl)), headers: { Link: [selfLink(ctx)] } };
  });

  const groupsRead = { scope: 'okta.groups.read' };
  r.add('GET', '/api/v1/groups', groupsRead, (ctx): Reply => {
    const q = ctx.query.get('q') ?? undefined;
    // A query is for pickers: it is not paged and returns at most 300 groups by default.
    const limit = intParam(ctx, 'limit', q !== undefined ? 300 : 10_000, 10_000);
    const page = org().users.searchGroups({ q, limit, after: q !== undefined ? undefined : (ctx.query.get('after') ?? undefined) });
    const carry: Record<string, string> = ctx.query.get('limit') !== null ? { limit: String(limit) } : {};
    const next = page.nextAfter && q === undefined ? linkHeader(ctx, '/api/v1/groups', { ...carry, after: page.nextAfter }, 'next') : undefined;
    return { status: 200, body: page.groups.map((g) => org().users.groupToOkta(g, ctx.baseUrl)), headers: { Link: [selfLink(ctx), ...(next ? [next] : [])] } };
  });

  r.add('GET', '/api/v1/groups/:id/users', groupsRead, (ctx): Reply => {
    const id = ctx.params.id ?? '';
    const limit = intParam(ctx, 'limit', 1000, 10_000);
    const page = org().users.groupMembers(id, { limit, after: ctx.query.get('after') ?? undefined });
    const next = page.nextAfter ? linkHeader(ctx, `/api/v1/groups/${id}/users`, { limit: String(limit), after: page.nextAfter }, 'next') : undefined;
    return { status: 200, body: page.users.map((u) => org().users.toOkta(u, ctx.baseUrl)), headers: { Link: [selfLink(ctx), ...(next ? [next] : [])] } };
  });

  r.add('POST', '/api/v1/users/:id/lifecycle/unlock', manage, (ctx) => {
    org().unlock(ctx.params.id ?? '', actionCtx(ctx));
    return { status: 200, body: {} };
  });

  r.add('POST', '/api/v1/users/:id/lifecycle/reset_password', manage, (ctx) => {
    const body = org().resetPassword(ctx.params.id ?? '', boolParam(ctx, 'sendEmail', true), boolParam(ctx, 'revokeSessions', false), actionCtx(ctx));
    return { status: 200, body };
  });

  r.add('POST', '/api/v1/users/:id/lifecycle/reset_factors', manage, (ctx) => {
    org().resetFactors(ctx.params.id ?? '', actionCtx(ctx));
    return { status: 200, body: {} };
  });

  r.add('GET', '/api/v1/users/:id/factors', read, (ctx) => {
    const u = org().users.get(ctx.params.id ?? '');
    return { status: 200, body: org().users.factorsOf(u).map((f) => org().users.factorToOkta(u, f, ctx.baseUrl)) };
  });

  r.add('GET', '/api/v1/users/:id/factors/:factorId', read, (ctx) => {
    const u = org().users.get(ctx.params.id ?? '');
    const f = org().users.factorsOf(u).find((x) => x.id === ctx.params.factorId);
    if (!f) throw oktaError('E0000007', `Resource not found: ${ctx.params.factorId} (UserFactor)`);
    return { status: 200, body: org().users.factorToOkta(u, f, ctx.baseUrl) };
  });

  r.add('DELETE', '/api/v1/users/:id/factors/:factorId', manage, (ctx) => {
    org().deleteFactor(ctx.params.id ?? '', ctx.params.factorId ?? '', actionCtx(ctx));
    return { status: 204 };
  });

  addEventHookRoutes(r, hooks);
  return r;
}
