import type { EventHookStore } from './event-hooks.js';
import type { OktaRouteMeta } from './okta-api.js';
import { SIM_ADMIN } from './org.js';
import type { Router } from './router.js';

/** `/api/v1/eventHooks`: Okta's Event Hooks API (create, list, get, replace, delete, lifecycle). */
export function addEventHookRoutes(r: Router<OktaRouteMeta>, hooks: () => EventHookStore): void {
  const read = { scope: 'okta.eventHooks.read' };
  const manage = { scope: 'okta.eventHooks.manage' };
  const withBody = { ...manage, jsonBody: true };
  const id = (p: Record<string, string>) => p.eventHookId ?? '';

  r.add('GET', '/api/v1/eventHooks', read, (ctx) => ({ status: 200, body: hooks().list().map((h) => hooks().toOkta(h, ctx.baseUrl)) }));
  r.add('POST', '/api/v1/eventHooks', withBody, (ctx) => {
    const createdBy = ctx.principal?.clientId ?? SIM_ADMIN.id;
    return { status: 200, body: hooks().toOkta(hooks().create(ctx.body, createdBy), ctx.baseUrl) };
  });
  r.add('GET', '/api/v1/eventHooks/:eventHookId', read, (ctx) => ({ status: 200, body: hooks().toOkta(hooks().get(id(ctx.params)), ctx.baseUrl) }));
  r.add('PUT', '/api/v1/eventHooks/:eventHookId', withBody, (ctx) => ({
    status: 200,
    body: hooks().toOkta(hooks().replace(id(ctx.params), ctx.body), ctx.baseUrl),
  }));
  r.add('DELETE', '/api/v1/eventHooks/:eventHookId', manage, (ctx) => {
    hooks().delete(id(ctx.params));
    return { status: 204 };
  });
  r.add('POST', '/api/v1/eventHooks/:eventHookId/lifecycle/activate', manage, (ctx) => ({
    status: 200,
    body: hooks().toOkta(hooks().setStatus(id(ctx.params), 'ACTIVE'), ctx.baseUrl),
  }));
  r.add('POST', '/api/v1/eventHooks/:eventHookId/lifecycle/deactivate', manage, (ctx) => ({
    status: 200,
    body: hooks().toOkta(hooks().setStatus(id(ctx.params), 'INACTIVE'), ctx.baseUrl),
  }));
  r.add('POST', '/api/v1/eventHooks/:eventHookId/lifecycle/verify', manage, async (ctx) => ({
    status: 200,
    body: hooks().toOkta(await hooks().verify(id(ctx.params)), ctx.baseUrl),
  }));
}
