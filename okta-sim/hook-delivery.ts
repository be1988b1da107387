/**
 * Event hook delivery as Okta does it: subscribed, eligible events of active, verified hooks are
 * POSTed as `data.events[]` with the hook's headers, at least once, 3 s timeout, one retry on a
 * timeout, connection failure or 5xx; a delivery that still fails writes an `event_hook.delivery`
 * event to the System Log. Events are queued (bounded) and sent in the background, so delivery
 * never slows the API call that caused the event. Faults can drop, delay or duplicate deliveries.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { hookHeaders, HOOK_TIMEOUT_MS, type EventHookStore, type SimEventHook } from './event-hooks.js';
import { Prng } from './prng.js';
import type { LogEvent } from './types.js';

export const DEFAULT_HOOK_QUEUE_LIMIT = 10_000;
const MAX_IN_FLIGHT = 8;
const MAX_BATCH = 50;
const MAX_RECORDS = 5_000;

export const deliveryFaultSchema = z.object({
  /** drop: never sent (a lost push); delay: sent `delayMs` late; duplicate: sent twice (at-least-once). */
  type: z.enum(['drop', 'delay', 'duplicate']),
  /** Only deliveries to this hook (all hooks when absent). */
  hookId: z.string().max(64).optional(),
  probability: z.number().min(0).max(1).default(1),
  delayMs: z.number().int().min(0).max(60_000).default(1000),
  /** Stop after this many hits (unlimited when absent). */
  times: z.number().int().positive().optional(),
});
export type DeliveryFaultInput = z.input<typeof deliveryFaultSchema>;
export type DeliveryFault = z.output<typeof deliveryFaultSchema> & { hits: number };

export interface DeliveryAttempt {
  /** The delivery's `eventId` (the same on its retry and on a duplicate). */
  deliveryId: string;
  hookId: string;
  eventUuids: string[];
  attempt: number;
  at: string;
  /** HTTP status, 0 when there was no answer. */
  status: number;
  outcome: 'delivered' | 'failed' | 'dropped';
  problem?: string;
  durationMs: number;
  fault?: string;
}

interface Queued {
  hookId: string;
  event: LogEvent;
}

export interface DeliveryDeps {
  hooks: EventHookStore;
  baseUrl: () => string;
  /** Writes Okta's `event_hook.delivery` failure event. */
  logFailure: (hook: SimEventHook, problem: string, eventUuids: string[]) => void;
}

export class HookDelivery {
  private queue: Queued[] = [];
  private inFlight = 0;
  private scheduled = false;
  private stopped = new AbortController();
  private records: DeliveryAttempt[] = [];
  private faults: DeliveryFault[] = [];
  private prng: Prng;
  /** Events not queued because the queue was full. */
  overflowed = 0;

  constructor(private readonly deps: DeliveryDeps, private readonly seed: string, private readonly queueLimit = DEFAULT_HOOK_QUEUE_LIMIT) {
    this.prng = new Prng(`${seed}:hook-faults`);
  }

  /** Called for every persisted event: queue it for each hook that receives it, send later. */
  enqueue(event: LogEvent): void {
    for (const hook of this.deps.hooks.receiving(event.eventType)) {
      if (this.queue.length >= this.queueLimit) {
        this.overflowed++;
        continue;
      }
      this.queue.push({ hookId: hook.id, event });
    }
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      // Next turn: events written by one API call go out together, after that call has answered.
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    }
  }

  setFaults(faults: z.output<typeof deliveryFaultSchema>[]): void {
    this.faults = faults.map((f) => ({ ...f, hits: 0 }));
    this.prng = new Prng(`${this.seed}:hook-faults`);
  }

  listFaults(): DeliveryFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  attempts(hookId?: string): DeliveryAttempt[] {
    return this.records.filter((r) => !hookId || r.hookId === hookId);
  }

  status(): { queued: number; inFlight: number; overflowed: number } {
    return { queued: this.queue.length, inFlight: this.inFlight, overflowed: this.overflowed };
  }

  /** Forgets queue, faults and records (the org was reset); deliveries in flight are abandoned. */
  reset(): void {
    this.stopped.abort();
    this.stopped = new AbortController();
    this.queue = [];
    this.records = [];
    this.faults = [];
    this.overflowed = 0;
    this.prng = new Prng(`${this.seed}:hook-faults`);
  }

  stop(): void {
    this.reset();
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const hookId = this.queue[0]!.hookId;
      const batch: LogEvent[] = [];
      const rest: Queued[] = [];
      for (const q of this.queue) {
        if (q.hookId === hookId && batch.length < MAX_BATCH) batch.push(q.event);
        else rest.push(q);
      }
      this.queue = rest;
      this.inFlight++;
      const signal = this.stopped.signal;
      void this.deliver(hookId, batch, signal).finally(() => {
        this.inFlight--;
        if (!signal.aborted) this.pump();
      });
    }
  }

  private pickFaults(hookId: string): { drop?: DeliveryFault; delayMs: number; duplicate?: DeliveryFault } {
    const out: { drop?: DeliveryFault; delayMs: number; duplicate?: DeliveryFault } = { delayMs: 0 };
    for (const f of this.faults) {
      if (f.hookId && f.hookId !== hookId) continue;
      if (f.times !== undefined && f.hits >= f.times) continue;
      if (this.prng.next() >= f.probability) continue;
      f.hits++;
      if (f.type === 'drop') out.drop ??= f;
      else if (f.type === 'duplicate') out.duplicate ??= f;
      else out.delayMs += f.delayMs;
    }
    return out;
  }

  private async deliver(hookId: string, events: LogEvent[], signal: AbortSignal): Promise<void> {
    const deliveryId = randomUUID();
    const uuids = events.map((e) => e.uuid);
    const fault = this.pickFaults(hookId);
    if (fault.drop) {
      this.record({ deliveryId, hookId, eventUuids: uuids, attempt: 0, at: new Date().toISOString(), status: 0, outcome: 'dropped', durationMs: 0, fault: 'drop' });
      return;
    }
    if (fault.delayMs > 0) await sleep(fault.delayMs, signal);
    const body = JSON.stringify({
      eventType: 'com.okta.event_hook',
      eventTypeVersion: '1.0',
      cloudEventsVersion: '0.1',
      source: `${this.deps.baseUrl()}/api/v1/eventHooks/${hookId}`,
      eventId: deliveryId,
      data: { events },
      eventTime: new Date().toISOString(),
      contentType: 'application/json',
    });
    for (let copy = 0; copy < (fault.duplicate ? 2 : 1); copy++) {
      const faultName = fault.duplicate ? 'duplicate' : fault.delayMs > 0 ? 'delay' : undefined;
      await this.sendWithRetry(hookId, deliveryId, uuids, body, signal, faultName);
    }
  }

  private async sendWithRetry(hookId: string, deliveryId: string, uuids: string[], body: string, signal: AbortSignal, fault?: string): Promise<void> {
    let problem = '';
    for (let attempt = 1; attempt <= 2 && !signal.aborted; attempt++) {
      let hook: SimEventHook;
      try {
        hook = this.deps.hooks.get(hookId);
      } catch {
        return; // deleted meanwhile
      }
      if (hook.status !== 'ACTIVE') return;
      const started = Date.now();
      const r = await post(hook, body, signal);
      const delivered = r.status >= 200 && r.status < 300;
      problem = r.problem ?? (delivered ? '' : `HTTP ${r.status}`);
      this.record({
        deliveryId, hookId, eventUuids: uuids, attempt, at: new Date(started).toISOString(), status: r.status,
        outcome: delivered ? 'delivered' : 'failed', ...(problem ? { problem } : {}), durationMs: Date.now() - started, ...(fault ? { fault } : {}),
      });
      if (delivered) return;
      // Okta retries once after a timeout, a connection failure or a 5xx; a 4xx is final.
      if (r.status !== 0 && r.status < 500) break;
    }
    if (signal.aborted) return;
    try {
      this.deps.logFailure(this.deps.hooks.get(hookId), problem, uuids);
    } catch {
      // The hook was deleted meanwhile.
    }
  }

  private record(a: DeliveryAttempt): void {
    this.records.push(a);
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
  }
}

async function post(hook: SimEventHook, body: string, stop: AbortSignal): Promise<{ status: number; problem?: string }> {
  try {
    const res = await fetch(hook.uri, {
      method: 'POST',
      headers: { ...hookHeaders(hook), 'content-type': 'application/json', accept: 'application/json' },
      body,
      redirect: 'manual',
      signal: AbortSignal.any([AbortSignal.timeout(HOOK_TIMEOUT_MS), stop]),
    });
    await res.body?.cancel();
    return { status: res.status };
  } catch (err) {
    return { status: 0, problem: err instanceof Error && err.name === 'TimeoutError' ? 'timed out after 3 s' : 'connection failed' };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
