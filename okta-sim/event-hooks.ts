/**
 * Okta's Event Hooks API as the simulator keeps it: registered hooks, their lifecycle
 * (ACTIVE/INACTIVE, UNVERIFIED/VERIFIED) and the one-time verification call. Delivery of events
 * lives in hook-delivery.ts.
 */
import { z } from 'zod';
import { oktaError } from './errors.js';
import type { Prng } from './prng.js';
import { readSharedJson } from './shared.js';

/** Okta allows this many active event hooks per org. */
export const MAX_ACTIVE_HOOKS = 10;
/** Okta's timeout for every outbound hook call (verification and delivery). */
export const HOOK_TIMEOUT_MS = 3_000;
const MAX_HOOKS = 100;

// Used only when ../shared/okta/event-types.json is absent.
const BUILT_IN_ELIGIBLE = ['user.account.lock', 'user.session.start', 'user.account.unlock', 'user.account.unlock_by_admin'];

let eligible: ReadonlySet<string> | undefined;
/** Event types Okta can deliver through a hook: those tagged `event-hook-eligible` in Okta's catalog. */
export function hookEligibleEventTypes(): ReadonlySet<string> {
  if (eligible) return eligible;
  const raw = readSharedJson('event-types.json') as { eventTypes?: { id?: unknown; tags?: unknown }[] } | undefined;
  const ids = (raw?.eventTypes ?? [])
    .filter((e) => typeof e.id === 'string' && Array.isArray(e.tags) && e.tags.includes('event-hook-eligible'))
    .map((e) => e.id as string);
  eligible = new Set(ids.length > 0 ? ids : BUILT_IN_ELIGIBLE);
  return eligible;
}

const header = z.object({ key: z.string().min(1).max(255), value: z.string().max(4096) });

/** What a client may send (create or replace); read-only properties are accepted and ignored, as Okta does. */
export const EventHookInputSchema = z.object({
  name: z.string().trim().min(1).max(255),
  description: z.string().max(1024).nullable().optional(),
  events: z.object({
    type: z.literal('EVENT_TYPE'),
    items: z.array(z.string().min(1).max(255)).min(1).max(100),
    filter: z.unknown().optional(),
  }),
  channel: z.object({
    type: z.literal('HTTP'),
    version: z.literal('1.0.0'),
    config: z.object({
      uri: z.url().max(2048),
      headers: z.array(header.nullable()).max(20).nullable().optional(),
      authScheme: z.object({ type: z.literal('HEADER'), key: z.string().min(1).max(255), value: z.string().min(1).max(4096) }).nullable().optional(),
    }),
  }),
});
export type EventHookInput = z.infer<typeof EventHookInputSchema>;

export interface SimEventHook {
  id: string;
  name: string;
  description: string | null;
  status: 'ACTIVE' | 'INACTIVE';
  verificationStatus: 'UNVERIFIED' | 'VERIFIED';
  eventTypes: string[];
  uri: string;
  headers: { key: string; value: string }[];
  auth?: { key: string; value: string };
  created: string;
  lastUpdated: string;
  createdBy: string;
}

function parseInput(body: unknown): EventHookInput {
  const r = EventHookInputSchema.safeParse(body);
  if (!r.success) throw oktaError('E0000001', r.error.issues.map((i) => i.path.join('.')).join(', '), r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const notEligible = r.data.events.items.filter((t) => !hookEligibleEventTypes().has(t));
  if (notEligible.length > 0) throw oktaError('E0000001', 'events', notEligible.map((t) => `events.items: ${t} is not an event-hook-eligible event type`));
  const uri = new URL(r.data.channel.config.uri);
  // Okta requires HTTPS; the simulator also accepts http on loopback so tests need no certificates.
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(uri.hostname);
  if (uri.protocol !== 'https:' && !(uri.protocol === 'http:' && loopback)) {
    throw oktaError('E0000001', 'channel', ['channel.config.uri: must be an HTTPS URL']);
  }
  return r.data;
}

/** One-time verification (GET with `x-okta-verification-challenge`), tried twice as Okta does. */
async function verifyEndpoint(hook: SimEventHook, challenge: string): Promise<string | undefined> {
  let problem = 'no answer';
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const res = await fetch(hook.uri, {
        method: 'GET',
        headers: { ...hookHeaders(hook), 'x-okta-verification-challenge': challenge },
        redirect: 'manual',
        signal: AbortSignal.timeout(HOOK_TIMEOUT_MS),
      });
      const text = (await res.text()).slice(0, 64 * 1024);
      if (!res.ok) {
        problem = `HTTP ${res.status}`;
        continue;
      }
      let answer: unknown;
      try {
        answer = JSON.parse(text);
      } catch {
        return 'the response is not JSON';
      }
      const verification = (answer as { verification?: unknown } | null)?.verification;
      return verification === challenge ? undefined : 'the response does not echo the verification value';
    } catch (err) {
      problem = err instanceof Error && err.name === 'TimeoutError' ? 'timed out after 3 s' : 'connection failed';
    }
  }
  return problem;
}

/** Headers Okta sends on every call to the hook: its custom headers, then the auth header. */
export function hookHeaders(hook: SimEventHook): Record<string, string> {
  const h: Record<string, string> = {};
  for (const { key, value } of hook.headers) h[key] = value;
  if (hook.auth) h[hook.auth.key] = hook.auth.value;
  return h;
}

export class EventHookStore {
  private hooks = new Map<string, SimEventHook>();

  constructor(private readonly prng: () => Prng, private readonly now: () => string) {}

  clear(): void {
    this.hooks.clear();
  }

  list(): SimEventHook[] {
    return [...this.hooks.values()];
  }

  get(id: string): SimEventHook {
    const h = this.hooks.get(id);
    if (!h) throw oktaError('E0000007', `Resource not found: ${id} (EventHook)`);
    return h;
  }

  /** Subscribed, active and verified hooks: the only ones Okta delivers to. */
  receiving(eventType: string): SimEventHook[] {
    return this.list().filter((h) => h.status === 'ACTIVE' && h.verificationStatus === 'VERIFIED' && h.eventTypes.includes(eventType));
  }

  create(body: unknown, createdBy: string): SimEventHook {
    const input = parseInput(body);
    if (this.hooks.size >= MAX_HOOKS) throw oktaError('E0000001', 'eventHook', ['too many event hooks']);
    this.requireActiveSlot();
    const at = this.now();
    const hook: SimEventHook = {
      id: `who${this.prng().chars(17)}`,
      status: 'ACTIVE',
      verificationStatus: 'UNVERIFIED',
      created: at,
      createdBy,
      ...this.fields(input, at),
    };
    this.hooks.set(hook.id, hook);
    return hook;
  }

  replace(id: string, body: unknown): SimEventHook {
    const hook = this.get(id);
    const input = parseInput(body);
    const channelBefore = JSON.stringify([hook.uri, hook.headers, hook.auth]);
    Object.assign(hook, this.fields(input, this.now()));
    if (!input.channel.config.authScheme) delete hook.auth;
    // Changing the channel means verifying again (Okta's note on replaceEventHook).
    if (JSON.stringify([hook.uri, hook.headers, hook.auth]) !== channelBefore) hook.verificationStatus = 'UNVERIFIED';
    return hook;
  }

  delete(id: string): void {
    const hook = this.get(id);
    if (hook.status !== 'INACTIVE') throw oktaError('E0000001', 'eventHook', ['only INACTIVE event hooks can be deleted']);
    this.hooks.delete(id);
  }

  setStatus(id: string, status: SimEventHook['status']): SimEventHook {
    const hook = this.get(id);
    if (status === 'ACTIVE' && hook.status !== 'ACTIVE') this.requireActiveSlot();
    hook.status = status;
    hook.lastUpdated = this.now();
    return hook;
  }

  async verify(id: string): Promise<SimEventHook> {
    const hook = this.get(id);
    const problem = await verifyEndpoint(hook, this.prng().chars(40));
    if (problem) throw oktaError('E0000001', 'verification', [`Verification of the event hook failed: ${problem}`]);
    hook.verificationStatus = 'VERIFIED';
    hook.lastUpdated = this.now();
    return hook;
  }

  toOkta(h: SimEventHook, baseUrl: string): Record<string, unknown> {
    const self = `${baseUrl}/api/v1/eventHooks/${h.id}`;
    const toggle = h.status === 'ACTIVE' ? 'deactivate' : 'activate';
    return {
      id: h.id,
      status: h.status,
      verificationStatus: h.verificationStatus,
      name: h.name,
      description: h.description,
      created: h.created,
      createdBy: h.createdBy,
      lastUpdated: h.lastUpdated,
      events: { type: 'EVENT_TYPE', items: [...h.eventTypes], filter: null },
      channel: {
        type: 'HTTP',
        version: '1.0.0',
        config: {
          uri: h.uri,
          headers: h.headers.map((x) => ({ ...x })),
          method: 'POST',
          // The secret is write-only: Okta never returns it.
          ...(h.auth ? { authScheme: { type: 'HEADER', key: h.auth.key } } : {}),
        },
      },
      _links: {
        self: { href: self, hints: { allow: ['GET', 'PUT', 'DELETE'] } },
        verify: { href: `${self}/lifecycle/verify`, hints: { allow: ['POST'] } },
        [toggle]: { href: `${self}/lifecycle/${toggle}`, hints: { allow: ['POST'] } },
      },
    };
  }

  private requireActiveSlot(): void {
    if (this.list().filter((h) => h.status === 'ACTIVE').length >= MAX_ACTIVE_HOOKS) {
      throw oktaError('E0000001', 'eventHook', [`an org can have at most ${MAX_ACTIVE_HOOKS} active event hooks`]);
    }
  }

  private fields(input: EventHookInput, at: string) {
    const auth = input.channel.config.authScheme;
    return {
      name: input.name,
      description: input.description ?? null,
      eventTypes: [...new Set(input.events.items)],
      uri: input.channel.config.uri,
      headers: (input.channel.config.headers ?? []).filter((x): x is { key: string; value: string } => x !== null),
      ...(auth ? { auth: { key: auth.key, value: auth.value } } : {}),
      lastUpdated: at,
    };
  }
}
