import { z } from 'zod';
import { OKTA_SCOPES, type Auth } from './auth.js';
import { oktaError } from './errors.js';
import type { EventHookStore } from './event-hooks.js';
import { faultSchema, type FaultInjector } from './faults.js';
import { deliveryFaultSchema, type HookDelivery } from './hook-delivery.js';
import { userRef, type Org } from './org.js';
import { FAMILIES, mergeRateLimits, type PartialRateLimits, type RateLimiter } from './rate-limit.js';
import type { RequestLog } from './request-log.js';
import { Router, type Ctx, type Reply } from './router.js';
import { FACTOR_TYPES, USER_STATUSES, type LogTargetRef } from './types.js';

export class ControlInputError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; '));
  }
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new ControlInputError(r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  return r.data;
}

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date-time');

const factorInput = z.object({
  factorType: z.enum(FACTOR_TYPES as [string, ...string[]]),
  provider: z.string().optional(),
  status: z.enum(['ACTIVE', 'PENDING_ACTIVATION', 'NOT_SETUP', 'INACTIVE']).optional(),
  profile: z.record(z.string(), z.unknown()).optional(),
  id: z.string().min(3).optional(),
});

const createUser = z.object({
  id: z.string().min(3).optional(),
  login: z.string().min(5).max(100),
  email: z.email().optional(),
  firstName: z.string().min(1).max(50).optional(),
  lastName: z.string().min(1).max(50).optional(),
  status: z.enum(USER_STATUSES as [string, ...string[]]).optional(),
  profile: z.record(z.string(), z.unknown()).optional(),
  groups: z.array(z.string().min(1)).optional(),
  factors: z.array(factorInput).optional(),
});

const refSchema = z.object({ id: z.string(), type: z.string(), alternateId: z.string(), displayName: z.string() });

const addEvent = z.object({
  eventType: z.string().min(1),
  /** A user id or login: the actor becomes that User, as Okta names the person signing in. */
  actorUser: z.string().optional(),
  actor: refSchema.optional(),
  targetUser: z.string().optional(),
  target: z.array(refSchema).nullable().optional(),
  outcome: z.object({ result: z.string(), reason: z.string().optional() }).optional(),
  published: isoDate.optional(),
  visible: z.boolean().default(true),
  displayMessage: z.string().optional(),
  severity: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).optional(),
  legacyEventType: z.string().optional(),
  debugData: z.record(z.string(), z.unknown()).optional(),
  ipAddress: z.string().optional(),
});

const lockUser = z.object({
  via: z.enum(['failed-signins', 'session-start']),
  attempts: z.number().int().min(1).max(100).optional(),
  published: isoDate.optional(),
});

const familyLimit = z.object({ limit: z.number().int().min(0), windowMs: z.number().int().min(1) }).partial();
const rateLimits = z.object({
  ...Object.fromEntries(FAMILIES.map((f) => [f, familyLimit.optional()])),
  tokenShare: z.number().gt(0).max(1).optional(),
  concurrency: z.number().int().min(1).optional(),
});

const oauthClient = z.object({
  clientId: z.string().min(1),
  publicJwk: z.looseObject({ kty: z.string() }),
  scopes: z.array(z.enum(OKTA_SCOPES)).min(1),
  requireDpop: z.boolean().optional(),
  dpopResourceNonce: z.boolean().optional(),
});

const resetBody = z.object({ seed: z.string().min(1).optional(), users: z.number().int().min(0).optional(), events: z.number().int().min(0).optional() });

export interface ControlDeps {
  org: Org;
  auth: Auth;
  limiter: RateLimiter;
  faults: FaultInjector;
  requests: RequestLog;
  hooks: EventHookStore;
  delivery: HookDelivery;
  reseed(opts: { seed?: string; users?: number; events?: number }): void;
  info(): Record<string, unknown>;
}

/** The test harness's hand on the org: JSON under `/__sim`, no Okta auth, never rate limited. */
export function controlRoutes(d: ControlDeps): Router<null> {
  const r = new Router<null>();
  const ok = (body: unknown, status = 200): Reply => ({ status, body });
  const userOf = (ctx: Ctx) => d.org.users.get(ctx.params.id ?? '');

  r.add('GET', '/__sim/health', null, () => ok({ ok: true, ...d.info() }));
  r.add('POST', '/__sim/reset', null, (ctx) => {
    d.reseed(parse(resetBody, ctx.body));
    return ok({ ok: true, ...d.info() });
  });

  r.add('POST', '/__sim/users', null, (ctx) => {
    const b = parse(createUser, ctx.body);
    const u = d.org.users.add({ ...b, status: b.status as never, factors: b.factors as never, created: d.org.nowIso() });
    return ok(d.org.users.toOkta(u, ctx.baseUrl), 201);
  });
  r.add('GET', '/__sim/users/:id', null, (ctx) => ok(d.org.users.toOkta(userOf(ctx), ctx.baseUrl)));
  r.add('POST', '/__sim/users/:id/status', null, (ctx) => {
    const { status } = parse(z.object({ status: z.enum(USER_STATUSES as [string, ...string[]]) }), ctx.body);
    const u = userOf(ctx);
    d.org.users.setStatus(u, status as never, d.org.nowIso());
    return ok(d.org.users.toOkta(u, ctx.baseUrl));
  });
  r.add('GET', '/__sim/users/:id/factors', null, (ctx) => {
    const u = userOf(ctx);
    return ok(d.org.users.factorsOf(u).map((f) => d.org.users.factorToOkta(u, f, ctx.baseUrl)));
  });
  r.add('POST', '/__sim/users/:id/factors', null, (ctx) => {
    const b = parse(factorInput, ctx.body);
    const u = userOf(ctx);
    return ok(d.org.users.factorToOkta(u, d.org.users.addFactor(u, b as never), ctx.baseUrl), 201);
  });
  r.add('POST', '/__sim/users/:id/lock', null, (ctx) => {
    const b = parse(lockUser, ctx.body);
    const events = d.org.lock(ctx.params.id ?? '', b.via, b.attempts ?? (b.via === 'failed-signins' ? 3 : 1), b.published);
    return ok({ user: d.org.users.toOkta(userOf(ctx), ctx.baseUrl), events });
  });
  r.add('POST', '/__sim/groups', null, (ctx) => {
    const b = parse(z.object({ name: z.string().min(1), description: z.string().optional() }), ctx.body);
    return ok(d.org.users.groupToOkta(d.org.users.ensureGroup(b.name, b), ctx.baseUrl), 201);
  });

  r.add('POST', '/__sim/events', null, (ctx) => {
    const b = parse(addEvent, ctx.body);
    const actor = b.actor ?? (b.actorUser ? userRef(d.org.users.get(b.actorUser)) : undefined);
    if (!actor) throw new ControlInputError([{ path: 'actor', message: 'actor or actorUser is required' }]);
    let target: LogTargetRef[] | null | undefined = b.target;
    if (b.targetUser) target = [userRef(d.org.users.get(b.targetUser))];
    const event = d.org.event({
      eventType: b.eventType, actor, target, outcome: b.outcome, published: b.published, displayMessage: b.displayMessage,
      severity: b.severity, legacyEventType: b.legacyEventType, debugData: b.debugData, ipAddress: b.ipAddress,
    });
    if (b.visible) d.org.logs.append(event);
    else d.org.logs.hold(event);
    return ok({ event, held: !b.visible }, 201);
  });
  r.add('POST', '/__sim/events/:uuid/release', null, (ctx) => {
    const event = d.org.logs.release(ctx.params.uuid ?? '');
    if (!event) throw oktaError('E0000007', `Resource not found: ${ctx.params.uuid} (held event)`);
    return ok({ event });
  });
  r.add('GET', '/__sim/events', null, (ctx) => {
    const type = ctx.query.get('eventType');
    const events = d.org.logs.all().filter((e) => !type || e.eventType === type);
    return ok({ events, held: d.org.logs.heldIds() });
  });

  r.add('GET', '/__sim/faults', null, () => ok(d.faults.list()));
  r.add('PUT', '/__sim/faults', null, (ctx) => {
    d.faults.set(parse(z.array(faultSchema), ctx.body));
    return ok(d.faults.list());
  });
  r.add('DELETE', '/__sim/faults', null, () => {
    d.faults.clear();
    return ok([]);
  });

  r.add('GET', '/__sim/requests', null, (ctx) => ok(d.requests.list({
    pathPrefix: ctx.query.get('pathPrefix') ?? undefined,
    method: ctx.query.get('method') ?? undefined,
  })));
  r.add('DELETE', '/__sim/requests', null, () => {
    d.requests.clear();
    return ok([]);
  });

  r.add('GET', '/__sim/rate-limits', null, () => ok(d.limiter.config));
  r.add('PUT', '/__sim/rate-limits', null, (ctx) => {
    d.limiter.config = mergeRateLimits(d.limiter.config, parse(rateLimits, ctx.body) as PartialRateLimits);
    d.limiter.reset();
    return ok(d.limiter.config);
  });

  r.add('POST', '/__sim/oauth/clients', null, (ctx) => {
    const b = parse(oauthClient, ctx.body);
    d.auth.registerClient({
      clientId: b.clientId,
      publicJwk: b.publicJwk as never,
      scopes: b.scopes,
      requireDpop: b.requireDpop ?? false,
      dpopResourceNonce: b.dpopResourceNonce ?? false,
    });
    return ok({ clientId: b.clientId, scopes: b.scopes, tokenUrl: `${ctx.baseUrl}/oauth2/v1/token` }, 201);
  });
  // A new server nonce: proofs carrying the old one are answered `use_dpop_nonce`.
  r.add('POST', '/__sim/oauth/dpop-nonce', null, () => ok({ nonce: d.auth.dpop.rotateNonce() }));

  r.add('GET', '/__sim/outbox', null, () => ok(d.org.outbox));

  r.add('GET', '/__sim/event-hooks', null, (ctx) => ok(d.hooks.list().map((h) => d.hooks.toOkta(h, ctx.baseUrl))));
  r.add('GET', '/__sim/event-hooks/deliveries', null, (ctx) => ok({
    ...d.delivery.status(),
    attempts: d.delivery.attempts(ctx.query.get('hookId') ?? undefined),
  }));
  r.add('GET', '/__sim/event-hooks/faults', null, () => ok(d.delivery.listFaults()));
  r.add('PUT', '/__sim/event-hooks/faults', null, (ctx) => {
    d.delivery.setFaults(parse(z.array(deliveryFaultSchema).max(20), ctx.body));
    return ok(d.delivery.listFaults());
  });
  r.add('DELETE', '/__sim/event-hooks/faults', null, () => {
    d.delivery.setFaults([]);
    return ok([]);
  });
  return r;
}
