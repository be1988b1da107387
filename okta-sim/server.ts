import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Auth, OAuthError } from './auth.js';
import { ControlInputError, controlRoutes } from './control.js';
import { errorBody, oktaError, OktaApiError } from './errors.js';
import { EventHookStore } from './event-hooks.js';
import { FaultInjector } from './faults.js';
import { oktaRoutes } from './okta-api.js';
import { HookDelivery } from './hook-delivery.js';
import { Org, SIM_SYSTEM } from './org.js';
import { endUserSettingsPage, resetPasswordPage } from './pages.js';
import { familyOf, RateLimiter, type RateLimitConfig } from './rate-limit.js';
import { RequestLog, type RecordedRequest } from './request-log.js';
import type { Ctx, Reply } from './router.js';
import type { Principal } from './types.js';
import { seedOrg } from './seed.js';

const MAX_BODY = 1 << 20;

export interface SimCoreOptions {
  seed: string;
  users: number;
  events: number;
  apiToken: string;
  rateLimits: RateLimitConfig;
  /** Events waiting for event hook delivery; more are not delivered (counted as overflowed). */
  hookQueueLimit?: number;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(oktaError('E0000003'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJsonBody(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw oktaError('E0000003');
  }
}

/** The request log shows decoded paths (`/users/bob@example.com`), whatever escaping the client chose. */
function safeDecode(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

function send(res: ServerResponse, reply: Reply): void {
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  if (reply.html !== undefined) {
    res.writeHead(reply.status, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(reply.html);
  } else if (reply.body === undefined || reply.status === 204) {
    res.writeHead(reply.status);
    res.end();
  } else {
    res.writeHead(reply.status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(reply.body));
  }
}

function errorReply(err: OktaApiError, requestId: string, headers: Record<string, string> = {}): Reply {
  return { status: err.status, body: errorBody(err, `oae${requestId.slice(-19)}`), headers: { ...headers, ...err.headers } };
}

/** Wires the org, auth, limits and faults to one HTTP server; `/__sim` is the control surface, the rest is Okta. */
export class SimServer {
  readonly org: Org;
  readonly auth: Auth;
  readonly limiter: RateLimiter;
  faults: FaultInjector;
  readonly requests = new RequestLog();
  private server: Server;
  private requestCounter = 0;
  url = '';
  readonly hooks: EventHookStore;
  readonly delivery: HookDelivery;
  private readonly okta = oktaRoutes(() => this.org, () => this.hooks);
  private readonly control;

  constructor(private opts: SimCoreOptions) {
    this.org = new Org(opts.seed);
    this.hooks = new EventHookStore(() => this.org.prng, () => this.org.nowIso());
    this.delivery = new HookDelivery({
      hooks: this.hooks,
      baseUrl: () => this.url,
      logFailure: (hook, problem, uuids) => {
        this.org.logs.append(this.org.event({
          eventType: 'event_hook.delivery',
          actor: SIM_SYSTEM,
          target: [{ id: hook.id, type: 'EventHook', alternateId: hook.uri, displayName: hook.name }],
          outcome: { result: 'FAILURE', reason: problem },
          severity: 'WARN',
          displayMessage: 'Event hook delivery failed',
          debugData: { eventHookId: hook.id, failureReason: problem, eventUuids: uuids.join(',') },
        }));
      },
    }, opts.seed, opts.hookQueueLimit);
    this.org.logs.onAppend((event) => this.delivery.enqueue(event));
    this.auth = new Auth(opts.apiToken);
    this.limiter = new RateLimiter(opts.rateLimits);
    this.faults = new FaultInjector(opts.seed);
    this.reseed({});
    this.control = controlRoutes({
      org: this.org,
      auth: this.auth,
      limiter: this.limiter,
      faults: this.faults,
      requests: this.requests,
      hooks: this.hooks,
      delivery: this.delivery,
      reseed: (o) => this.reseed(o),
      info: () => ({ url: this.url, seed: this.org.seed, users: this.org.users.size, events: this.org.logs.size }),
    });
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) send(res, errorReply(oktaError('E0000009'), 'internal'));
        if (!(e instanceof OktaApiError)) console.error('[okta-sim]', e);
      });
    });
    // Keep-alive sockets would otherwise hold close() open for the SDK's agent.
    this.server.keepAliveTimeout = 1000;
  }

  reseed(o: { seed?: string; users?: number; events?: number }): void {
    const seed = o.seed ?? this.opts.seed;
    this.opts = { ...this.opts, seed, users: o.users ?? this.opts.users, events: o.events ?? this.opts.events };
    // Hooks first: re-seeding writes events, and none of them may be delivered.
    this.hooks.clear();
    this.delivery.reset();
    this.org.clear(seed);
    this.auth.reset();
    this.limiter.reset();
    this.faults.set([]);
    this.requests.clear();
    seedOrg(this.org, { seed, users: this.opts.users, events: this.opts.events });
  }

  async listen(port: number, host: string): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.url = `http://${h === '0.0.0.0' ? '127.0.0.1' : h}:${addr.port}`;
    return this.url;
  }

  close(): Promise<void> {
    this.delivery.stop();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private nextRequestId(): string {
    this.requestCounter++;
    return `sim${this.requestCounter.toString(36).padStart(10, '0')}${Math.random().toString(36).slice(2, 12).padEnd(10, '0')}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = this.nextRequestId();
    res.setHeader('X-Okta-Request-Id', requestId);
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const baseUrl = req.headers.host ? `http://${req.headers.host}` : this.url;
    const method = (req.method ?? 'GET').toUpperCase();
    const ctx: Ctx = { req, url, params: {}, query: url.searchParams, body: undefined, requestId, baseUrl };

    if (url.pathname.startsWith('/__sim/')) {
      send(res, await this.handleControl(ctx, method));
      return;
    }
    const started = Date.now();
    const authHeader = req.headers.authorization;
    const entry: RecordedRequest = {
      requestId, at: new Date(started).toISOString(), method, path: safeDecode(url.pathname),
      query: Object.fromEntries(url.searchParams), status: 0, durationMs: 0,
      auth: authHeader ? ((authHeader.split(' ')[0] ?? null) as RecordedRequest['auth']) : null,
    };
    const retry = req.headers['x-okta-retry-count'];
    if (typeof retry === 'string') entry.retryCount = Number(retry);
    this.requests.add(entry);
    res.on('close', () => {
      entry.status = res.headersSent ? res.statusCode : 0;
      entry.durationMs = Date.now() - started;
    });
    const reply = await this.handleOkta(ctx, method, entry);
    const reset = reply.headers?.['X-Rate-Limit-Reset'];
    if (reply.status === 429 && typeof reset === 'string') entry.rateLimitReset = Number(reset);
    // Status 0: the connection was dropped on purpose (fault injection); nothing to send.
    if (reply.status !== 0) send(res, reply);
  }

  private async handleControl(ctx: Ctx, method: string): Promise<Reply> {
    try {
      const m = this.control.match(method, ctx.url.pathname);
      if (m === undefined) return { status: 404, body: { error: 'not_found', message: `no control endpoint ${ctx.url.pathname}` } };
      if (m === 'method-not-allowed') return { status: 405, body: { error: 'method_not_allowed' } };
      const raw = await readBody(ctx.req);
      if (raw) {
        try {
          ctx.body = JSON.parse(raw) as unknown;
        } catch {
          return { status: 400, body: { error: 'invalid_json', message: 'request body is not valid JSON' } };
        }
      }
      ctx.params = m.params;
      return await m.route.handler(ctx);
    } catch (e) {
      if (e instanceof ControlInputError) return { status: 400, body: { error: 'invalid_request', message: e.message, issues: e.issues } };
      if (e instanceof OktaApiError) return errorReply(e, ctx.requestId);
      throw e;
    }
  }

  private async handleOkta(ctx: Ctx, method: string, entry: RecordedRequest): Promise<Reply> {
    const path = ctx.url.pathname;
    if (method === 'GET' && path.startsWith('/reset_password/')) return resetPasswordPage(this.org, decodeURIComponent(path.slice('/reset_password/'.length)));
    if (method === 'GET' && path === '/enduser/settings') return endUserSettingsPage();

    let rateHeaders: Record<string, string> = {};
    let release: (() => void) | undefined;
    try {
      const isToken = path === '/oauth2/v1/token';
      const m = isToken ? undefined : this.okta.match(method, path);
      if (!isToken && m === undefined) throw oktaError('E0000007', `Resource not found: ${path} (ApiResource)`);
      if (!isToken && m === 'method-not-allowed') throw oktaError('E0000022');
      if (isToken && method !== 'POST') throw oktaError('E0000022');

      let principal: Principal | undefined;
      let authError: unknown;
      try {
        principal = isToken
          ? undefined
          : await this.auth.authenticate({ headers: ctx.req.headers, method, htu: `${ctx.baseUrl}${safeDecode(path)}` });
      } catch (e) {
        authError = e;
      }
      if (principal?.clientId) entry.clientId = principal.clientId;
      // Unauthenticated calls still count against (and report) the org bucket, as on Okta.
      const decision = this.limiter.take(familyOf(method, path), principal?.tokenKey);
      rateHeaders = decision.headers;
      if (authError) throw authError;
      if (!decision.allowed) throw oktaError('E0000047');
      release = this.limiter.acquire();
      if (!release) {
        rateHeaders = this.limiter.concurrencyHeaders();
        throw oktaError('E0000047');
      }

      const fault = this.faults.pick(method, path);
      if (fault.latencyMs > 0) await sleep(fault.latencyMs);
      if (fault.failure) {
        entry.fault = fault.failure.type;
        if (fault.failure.type === 'drop') {
          ctx.req.socket.destroy();
          return { status: 0 };
        }
        if (fault.failure.type === '429') {
          rateHeaders = { ...rateHeaders, 'X-Rate-Limit-Remaining': '0', 'X-Rate-Limit-Reset': String(Math.ceil(Date.now() / 1000) + 1) };
          throw oktaError('E0000047');
        }
        if (fault.failure.type === '403') throw oktaError('E0000006');
        throw oktaError('E0000009');
      }

      if (isToken) return await this.tokenEndpoint(ctx, rateHeaders);
      if (m === undefined || m === 'method-not-allowed') throw oktaError('E0000022');
      if (principal) this.auth.requireScope(principal, m.route.meta.scope);
      ctx.params = m.params;
      ctx.principal = principal;
      if (m.route.meta.jsonBody) ctx.body = parseJsonBody(await readBody(ctx.req));
      if (fault.shortPage) ctx.query.set('limit', String(Math.max(1, Math.ceil(Number(ctx.query.get('limit') ?? '100') / 2))));
      const reply = await m.route.handler(ctx);
      const headers = { ...rateHeaders, ...(reply.headers ?? {}) };
      if (fault.foreignLinks && headers.Link) headers.Link = foreignLinks(headers.Link);
      return { ...reply, headers };
    } catch (e) {
      if (e instanceof OktaApiError) return errorReply(e, ctx.requestId, rateHeaders);
      throw e;
    } finally {
      release?.();
    }
  }

  private async tokenEndpoint(ctx: Ctx, headers: Record<string, string>): Promise<Reply> {
    const form = new URLSearchParams(await readBody(ctx.req));
    const audiences = [...new Set([`${this.url}/oauth2/v1/token`, `${ctx.baseUrl}/oauth2/v1/token`])];
    try {
      return { status: 200, body: await this.auth.token(form, audiences, ctx.req.headers.dpop), headers: { ...headers, 'Cache-Control': 'no-store', Pragma: 'no-cache' } };
    } catch (e) {
      if (e instanceof OAuthError) {
        return { status: e.status, body: { error: e.error, error_description: e.description }, headers: { ...headers, ...e.headers } };
      }
      throw e;
    }
  }
}

/** A proxy that rewrites `Link` headers to its own host. */
function foreignLinks(link: string | string[]): string[] {
  return (Array.isArray(link) ? link : [link]).map((l) => l.replace(/<https?:\/\/[^/>]+/, '<https://proxy.example.invalid'));
}
