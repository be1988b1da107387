import type { Fault, FaultInput } from './faults.js';
import type { DeliveryAttempt, DeliveryFault, DeliveryFaultInput } from './hook-delivery.js';
import type { OutboxMail } from './org.js';
import type { PartialRateLimits, RateLimitConfig } from './rate-limit.js';
import type { RecordedRequest } from './request-log.js';
import type { FactorType, LogActorRef, LogEvent, LogTargetRef, UserStatus } from './types.js';

export type { DeliveryAttempt, DeliveryFault, DeliveryFaultInput, Fault, FaultInput, OutboxMail, PartialRateLimits, RateLimitConfig, RecordedRequest };

/** Okta-shaped JSON objects as the simulator returns them. */
export type OktaUser = Record<string, unknown> & { id: string; status: UserStatus; profile: Record<string, unknown> & { login: string; email: string } };
export type OktaFactor = Record<string, unknown> & { id: string; factorType: FactorType; provider: string; status: string };
export type OktaGroup = Record<string, unknown> & { id: string; profile: { name: string; description?: string } };

export interface FactorSpec {
  factorType: FactorType;
  provider?: string;
  status?: 'ACTIVE' | 'PENDING_ACTIVATION' | 'NOT_SETUP' | 'INACTIVE';
  profile?: Record<string, unknown>;
  id?: string;
}

export interface CreateUserInput {
  id?: string;
  login: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  status?: UserStatus;
  profile?: Record<string, unknown>;
  /** Group names; missing groups are created. Every user is also in Everyone. */
  groups?: string[];
  factors?: FactorSpec[];
}

export interface LockOptions {
  via: 'failed-signins' | 'session-start';
  /** Failed sign-ins before the lock, or session-start FAILURE events to write (defaults 3 / 1). */
  attempts?: number;
  published?: string;
}

export interface AddEventInput {
  eventType: string;
  /** User id or login: becomes a User actor. */
  actorUser?: string;
  actor?: LogActorRef;
  /** User id or login: becomes a single User target. */
  targetUser?: string;
  target?: LogTargetRef[] | null;
  outcome?: { result: string; reason?: string };
  /** Earlier than now: persisted now, so polling sees it after events published later. */
  published?: string;
  /** false: held invisible until releaseEvent(uuid). */
  visible?: boolean;
  displayMessage?: string;
  severity?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  legacyEventType?: string;
  debugData?: Record<string, unknown>;
  ipAddress?: string;
}

export interface OAuthClientInput {
  clientId: string;
  publicJwk: { kty?: string; alg?: string; [k: string]: unknown };
  scopes: ('okta.logs.read' | 'okta.users.read' | 'okta.users.manage' | 'okta.eventHooks.read' | 'okta.eventHooks.manage')[];
  /** Okta's "Require DPoP" app setting (default false here; on in Okta for new apps). */
  requireDpop?: boolean;
  /** Ask for the server nonce in proofs sent to the API too (Okta's own API does not). */
  dpopResourceNonce?: boolean;
}

export class SimControlError extends Error {
  constructor(readonly status: number, readonly body: unknown) {
    super(`okta-sim control request failed with ${status}: ${JSON.stringify(body)}`);
  }
}

/** Typed client of the simulator's `/__sim` control surface. */
export class OktaSimControl {
  private readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}/__sim${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new SimControlError(res.status, parsed);
    return parsed as T;
  }

  health(): Promise<{ ok: true; url: string; seed: string; users: number; events: number }> {
    return this.call('GET', '/health');
  }

  /** Empties and re-seeds the org (same seed by default); also clears faults, request log, OAuth clients and limit windows. */
  reset(opts: { seed?: string; users?: number; events?: number } = {}): Promise<void> {
    return this.call<unknown>('POST', '/reset', opts).then(() => undefined);
  }

  createUser(input: CreateUserInput): Promise<OktaUser> {
    return this.call('POST', '/users', input);
  }

  getUser(idOrLogin: string): Promise<OktaUser> {
    return this.call('GET', `/users/${encodeURIComponent(idOrLogin)}`);
  }

  setUserStatus(idOrLogin: string, status: UserStatus): Promise<OktaUser> {
    return this.call('POST', `/users/${encodeURIComponent(idOrLogin)}/status`, { status });
  }

  listFactors(idOrLogin: string): Promise<OktaFactor[]> {
    return this.call('GET', `/users/${encodeURIComponent(idOrLogin)}/factors`);
  }

  addFactor(idOrLogin: string, factor: FactorSpec): Promise<OktaFactor> {
    return this.call('POST', `/users/${encodeURIComponent(idOrLogin)}/factors`, factor);
  }

  lockUser(idOrLogin: string, opts: LockOptions): Promise<{ user: OktaUser; events: LogEvent[] }> {
    return this.call('POST', `/users/${encodeURIComponent(idOrLogin)}/lock`, opts);
  }

  createGroup(name: string, description?: string): Promise<OktaGroup> {
    return this.call('POST', '/groups', { name, description });
  }

  addEvent(input: AddEventInput): Promise<{ event: LogEvent; held: boolean }> {
    return this.call('POST', '/events', input);
  }

  /** Adds an event that stays invisible to /api/v1/logs until releaseEvent. */
  holdEvent(input: Omit<AddEventInput, 'visible'>): Promise<{ event: LogEvent; held: boolean }> {
    return this.addEvent({ ...input, visible: false });
  }

  /** Persists a held event now: it appears after everything persisted meanwhile. */
  releaseEvent(uuid: string): Promise<{ event: LogEvent }> {
    return this.call('POST', `/events/${encodeURIComponent(uuid)}/release`);
  }

  events(eventType?: string): Promise<{ events: LogEvent[]; held: string[] }> {
    return this.call('GET', `/events${eventType ? `?eventType=${encodeURIComponent(eventType)}` : ''}`);
  }

  setFaults(faults: FaultInput[]): Promise<Fault[]> {
    return this.call('PUT', '/faults', faults);
  }

  clearFaults(): Promise<void> {
    return this.call<unknown>('DELETE', '/faults').then(() => undefined);
  }

  requests(filter: { pathPrefix?: string; method?: string } = {}): Promise<RecordedRequest[]> {
    const q = new URLSearchParams();
    if (filter.pathPrefix) q.set('pathPrefix', filter.pathPrefix);
    if (filter.method) q.set('method', filter.method);
    const s = q.toString();
    return this.call('GET', `/requests${s ? `?${s}` : ''}`);
  }

  clearRequests(): Promise<void> {
    return this.call<unknown>('DELETE', '/requests').then(() => undefined);
  }

  getRateLimits(): Promise<RateLimitConfig> {
    return this.call('GET', '/rate-limits');
  }

  /** Merges per-family limits (and tokenShare/concurrency) and starts fresh windows. */
  setRateLimits(patch: PartialRateLimits): Promise<RateLimitConfig> {
    return this.call('PUT', '/rate-limits', patch);
  }

  registerOAuthClient(input: OAuthClientInput): Promise<{ clientId: string; scopes: string[]; tokenUrl: string }> {
    return this.call('POST', '/oauth/clients', input);
  }

  /** Rotates the server's DPoP nonce: proofs with the old one are answered `use_dpop_nonce`. */
  rotateDpopNonce(): Promise<{ nonce: string }> {
    return this.call('POST', '/oauth/dpop-nonce');
  }

  /** Event hooks as Okta's API returns them (without their secrets). */
  eventHooks(): Promise<Record<string, unknown>[]> {
    return this.call('GET', '/event-hooks');
  }

  /** Every delivery attempt (newest last), the queue length and events not queued because it was full. */
  hookDeliveries(hookId?: string): Promise<{ queued: number; inFlight: number; overflowed: number; attempts: DeliveryAttempt[] }> {
    return this.call('GET', `/event-hooks/deliveries${hookId ? `?hookId=${encodeURIComponent(hookId)}` : ''}`);
  }

  /** Drops, delays or duplicates event hook deliveries; replaces earlier delivery faults. */
  setDeliveryFaults(faults: DeliveryFaultInput[]): Promise<DeliveryFault[]> {
    return this.call('PUT', '/event-hooks/faults', faults);
  }

  clearDeliveryFaults(): Promise<void> {
    return this.call<unknown>('DELETE', '/event-hooks/faults').then(() => undefined);
  }

  /** Emails the org "sent" (reset_password with sendEmail=true). */
  outbox(): Promise<OutboxMail[]> {
    return this.call('GET', '/outbox');
  }
}
