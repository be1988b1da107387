/**
 * The Okta event hook receiver: Okta pushes System Log events here within a second or two instead of
 * waiting for the next poll.
 *
 *   GET  /okta/event-hook   one-time verification: echoes `X-Okta-Verification-Challenge`
 *   POST /okta/event-hook   deliveries: `data.events[]` System Log events
 *   GET  /healthz           liveness (no auth)
 *
 * Both hook calls must carry the configured auth header (compared in constant time). A delivery is
 * bounded (body size, event count, concurrent deliveries), validated, projected, filtered to lockout
 * events and handed to the poller, all within Okta's 3 s limit; it never calls Okta. 200 means the
 * poller accepted the events; 503 asks Okta to retry (it does, once), and the poller's own reading of
 * the System Log stays the backstop for anything a push loses.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { EVENT_HOOK_PATH } from '../../temporal.config.js';
import { isLockoutEvent, projectLogEvent, type ProjectedLogEvent } from '../../workflows/lockout/log-event.js';
import type { LockoutEventSink } from './forward.js';

export const RECEIVER_LIMITS = {
  maxBodyBytes: 2 * 1024 * 1024,
  maxEventsPerDelivery: 1000,
  maxChallengeLength: 256,
  maxConcurrentDeliveries: 32,
  /** Okta waits 3 s; the answer must be on the wire before that. */
  budgetMs: 2_000,
} as const;

const DeliverySchema = z.object({
  eventType: z.string().max(128).optional(),
  eventId: z.string().max(128).optional(),
  data: z.object({ events: z.array(z.unknown()).max(RECEIVER_LIMITS.maxEventsPerDelivery) }),
});

// Printable ASCII only: the challenge is echoed back, so nothing else may pass through.
const CHALLENGE = new RegExp(`^[\\x21-\\x7e]{1,${RECEIVER_LIMITS.maxChallengeLength}}$`);

export type ReceiverLog = (level: 'info' | 'warn', message: string, meta?: Record<string, unknown>) => void;

export interface EventHookReceiverOptions {
  host: string;
  port: number;
  secret: string;
  /** Header Okta sends the secret in (Okta's authScheme.key), e.g. `Authorization`. */
  authHeader: string;
  sink: LockoutEventSink;
  log?: ReceiverLog;
  limits?: Partial<Record<keyof typeof RECEIVER_LIMITS, number>>;
}

export interface RunningReceiver {
  url: string;
  /** Deliveries answered so far, by HTTP status (for tests and operators). */
  answered: Map<number, number>;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Equal digests compare in constant time whatever the lengths, so timing says nothing about the secret. */
export function secretMatches(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== 'string') return false;
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given), digest(secret));
}

async function readBounded(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, 'body too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new HttpError(413, 'body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The sink's own deadline covers its Temporal calls, but not e.g. connecting to an unreachable server:
 * the answer to Okta must not wait for that. A push that completes after the 503 is harmless (the
 * poller deduplicates Okta's redelivery).
 */
function withinBudget<T>(work: Promise<T>, ms: number, pending: Set<Promise<unknown>>): Promise<T> {
  const settled = work.then(() => undefined, () => undefined);
  pending.add(settled);
  void settled.then(() => pending.delete(settled));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('budget exceeded')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Projects and filters one delivery: the lockout events it carries, once each, and what was dropped. */
export function lockoutEventsOf(rawEvents: unknown[]): { events: ProjectedLogEvent[]; unreadable: number; other: number } {
  const events: ProjectedLogEvent[] = [];
  const seen = new Set<string>();
  let unreadable = 0;
  let other = 0;
  for (const raw of rawEvents) {
    const p = projectLogEvent(raw);
    if (!p.ok) unreadable++;
    else if (!isLockoutEvent(p.event)) other++;
    else if (!seen.has(p.event.uuid)) {
      seen.add(p.event.uuid);
      events.push(p.event);
    }
  }
  return { events, unreadable, other };
}

export async function startEventHookReceiver(opts: EventHookReceiverOptions): Promise<RunningReceiver> {
  const limits = { ...RECEIVER_LIMITS, ...opts.limits };
  const log: ReceiverLog = opts.log ?? (() => undefined);
  const headerName = opts.authHeader.toLowerCase();
  const answered = new Map<number, number>();
  let inFlight = 0;
  /** Pushes still running after their delivery was answered (too slow): awaited on close. */
  const pending = new Set<Promise<unknown>>();

  function send(res: ServerResponse, status: number, body: unknown): void {
    answered.set(status, (answered.get(status) ?? 0) + 1);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  }

  async function deliver(req: IncomingMessage): Promise<Record<string, unknown>> {
    let json: unknown;
    try {
      json = JSON.parse(await readBounded(req, limits.maxBodyBytes));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(400, 'body is not JSON');
    }
    const parsed = DeliverySchema.safeParse(json);
    if (!parsed.success) throw new HttpError(400, `not an Okta event hook delivery: ${parsed.error.issues[0]?.path.join('.') ?? ''}`);
    const { events, unreadable, other } = lockoutEventsOf(parsed.data.data.events);
    const summary = { deliveryId: parsed.data.eventId?.slice(0, 64), received: parsed.data.data.events.length, lockoutEvents: events.length, unreadable, other };
    if (events.length === 0) return summary;
    try {
      const { updates } = await withinBudget(opts.sink(events, Date.now() + limits.budgetMs), limits.budgetMs, pending);
      log('info', 'event hook delivery handed to the poller', { ...summary, updates });
      return summary;
    } catch (err) {
      // Refused by the poller, no poller, Temporal unreachable or too slow: Okta retries once.
      log('warn', 'event hook delivery not accepted', { ...summary, error: err instanceof Error ? err.name : 'unknown' });
      throw new HttpError(503, 'not accepted; retry later');
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://receiver.invalid').pathname;
    if (path === '/healthz' && req.method === 'GET') return send(res, 200, { ok: true });
    if (path !== EVENT_HOOK_PATH) throw new HttpError(404, 'not found');
    if (req.method !== 'GET' && req.method !== 'POST') throw new HttpError(405, 'method not allowed');
    if (!secretMatches(req.headers[headerName], opts.secret)) throw new HttpError(401, 'unauthorized');
    if (req.method === 'GET') {
      const challenge = req.headers['x-okta-verification-challenge'];
      if (typeof challenge !== 'string' || !CHALLENGE.test(challenge)) throw new HttpError(400, 'missing or invalid verification challenge');
      log('info', 'event hook verified by Okta');
      return send(res, 200, { verification: challenge });
    }
    if (inFlight >= limits.maxConcurrentDeliveries) throw new HttpError(503, 'busy; retry later');
    inFlight++;
    try {
      send(res, 200, await deliver(req));
    } finally {
      inFlight--;
    }
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) log('warn', 'event hook receiver error', { error: err instanceof Error ? err.name : 'unknown' });
      if (res.headersSent) return;
      // An unread (refused or oversized) body is not drained: the connection closes after the answer.
      if (!req.complete) res.setHeader('connection', 'close');
      send(res, status, { error: err instanceof HttpError ? err.message : 'internal error' });
    });
  });
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}${EVENT_HOOK_PATH}`,
    answered,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // Callers close the Temporal connection next: let late pushes end first (they are bounded by their deadline).
      await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 5_000).unref())]);
    },
  };
}
