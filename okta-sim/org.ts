import { oktaError } from './errors.js';
import { buildEvent, type EventSpec } from './events.js';
import { LogStore } from './log-store.js';
import { Prng } from './prng.js';
import type { LogActorRef, LogEvent, LogTargetRef, Principal } from './types.js';
import { UserStore, type SimUser } from './users.js';

export interface ResetToken {
  token: string;
  userId: string;
  expiresAt: number;
  used: boolean;
}

export interface OutboxMail {
  to: string;
  subject: string;
  resetPasswordUrl?: string;
  at: string;
}

export interface ActionContext {
  principal: Principal;
  requestId: string;
  requestUri: string;
  baseUrl: string;
}

const RESET_TOKEN_TTL_MS = 60 * 60 * 1000;

/** The API token's owner: admin events name it as actor, as Okta names the admin who created the token. */
export const SIM_ADMIN: LogActorRef = {
  id: '00usimadmin000000000',
  type: 'User',
  alternateId: 'sim.admin@example.com',
  displayName: 'Simulator Admin',
};

/** Okta itself, as actor of events no person caused (failed hook deliveries). */
export const SIM_SYSTEM: LogActorRef = { id: '0oasystem00000000000', type: 'SystemPrincipal', alternateId: 'system@okta.com', displayName: 'Okta System' };

export function userRef(u: SimUser): LogTargetRef {
  const name = [u.profile.firstName, u.profile.lastName].filter(Boolean).join(' ') || u.profile.login;
  return { id: u.id, type: 'User', alternateId: u.profile.login, displayName: name };
}

function actorFor(p: Principal): LogActorRef {
  if (p.kind === 'oauth' && p.clientId) {
    return { id: p.clientId, type: 'PublicClientApp', alternateId: p.clientId, displayName: `Service app ${p.clientId}` };
  }
  return SIM_ADMIN;
}

/** The simulated org: users, groups, factors, the System Log and the state changes Okta's lifecycle API makes. */
export class Org {
  prng: Prng;
  users: UserStore;
  readonly logs: LogStore;
  private resetTokens = new Map<string, ResetToken>();
  outbox: OutboxMail[] = [];

  constructor(public seed: string, private readonly now: () => number = Date.now) {
    this.prng = new Prng(seed);
    this.users = new UserStore(this.prng, seed);
    this.logs = new LogStore(now);
  }

  clear(seed: string): void {
    this.seed = seed;
    this.prng = new Prng(seed);
    this.users = new UserStore(this.prng, seed);
    this.logs.clear();
    this.resetTokens.clear();
    this.outbox = [];
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  event(spec: Omit<EventSpec, 'published'> & { published?: string }): LogEvent {
    return buildEvent({ ...spec, published: spec.published ?? this.nowIso() }, this.prng);
  }

  private adminEvent(ctx: ActionContext, eventType: string, target: LogTargetRef[], debugData?: Record<string, unknown>): LogEvent {
    const e = this.event({
      eventType,
      actor: actorFor(ctx.principal),
      target,
      requestId: ctx.requestId,
      requestUri: ctx.requestUri,
      clientId: ctx.principal.clientId,
      debugData,
    });
    this.logs.append(e);
    return e;
  }

  unlock(idOrLogin: string, ctx: ActionContext): void {
    const u = this.users.get(idOrLogin);
    if (u.status !== 'LOCKED_OUT') throw oktaError('E0000032');
    this.users.setStatus(u, 'ACTIVE', this.nowIso());
    this.adminEvent(ctx, 'user.account.unlock_by_admin', [userRef(u)]);
  }

  resetPassword(idOrLogin: string, sendEmail: boolean, revokeSessions: boolean, ctx: ActionContext): { resetPasswordUrl?: string } {
    const u = this.users.get(idOrLogin);
    if (!['ACTIVE', 'LOCKED_OUT', 'PASSWORD_EXPIRED', 'RECOVERY', 'PROVISIONED'].includes(u.status)) throw oktaError('E0000038');
    // A new link supersedes any earlier one for the same user.
    for (const t of this.resetTokens.values()) if (t.userId === u.id) t.used = true;
    const token = this.prng.chars(20);
    this.resetTokens.set(token, { token, userId: u.id, expiresAt: this.now() + RESET_TOKEN_TTL_MS, used: false });
    this.users.setStatus(u, 'RECOVERY', this.nowIso());
    const resetPasswordUrl = `${ctx.baseUrl}/reset_password/${token}`;
    this.adminEvent(ctx, 'user.account.reset_password', [userRef(u)], { sendEmail, revokeSessions });
    if (sendEmail) {
      this.outbox.push({ to: u.profile.email, subject: 'Account password reset', resetPasswordUrl, at: this.nowIso() });
      return {};
    }
    return { resetPasswordUrl };
  }

  /** Single use: the first visit consumes the link and completes recovery; any later visit sees it expired. */
  consumeResetToken(token: string): { ok: true; user: SimUser } | { ok: false } {
    const t = this.resetTokens.get(token);
    if (!t || t.used || t.expiresAt < this.now()) return { ok: false };
    t.used = true;
    const u = this.users.find(t.userId);
    if (!u) return { ok: false };
    const at = this.nowIso();
    this.users.setStatus(u, 'ACTIVE', at);
    u.passwordChanged = at;
    this.logs.append(this.event({ eventType: 'user.account.update_password', actor: userRef(u), target: [userRef(u)] }));
    return { ok: true, user: u };
  }

  resetFactors(idOrLogin: string, ctx: ActionContext): void {
    const u = this.users.get(idOrLogin);
    if (['DEPROVISIONED', 'STAGED'].includes(u.status)) throw oktaError('E0000038');
    u.factors = [];
    u.lastUpdated = this.nowIso();
    this.adminEvent(ctx, 'user.mfa.factor.reset_all', [userRef(u)]);
  }

  deleteFactor(userId: string, factorId: string, ctx: ActionContext): void {
    const u = this.users.get(userId);
    const factors = this.users.factorsOf(u);
    const idx = factors.findIndex((f) => f.id === factorId);
    const f = factors[idx];
    if (!f) throw oktaError('E0000007', `Resource not found: ${factorId} (UserFactor)`);
    factors.splice(idx, 1);
    this.adminEvent(ctx, 'user.mfa.factor.deactivate', [
      userRef(u),
      { id: f.id, type: 'AuthenticatorEnrollment', alternateId: 'unknown', displayName: f.factorType },
    ], { factorId: f.id, factorType: f.factorType });
  }

  /**
   * Locks a user as Okta does. `failed-signins`: `attempts` failed `user.session.start` events, then
   * `user.account.lock` (actor = the user, target null). `session-start`: the user is locked and each
   * attempt writes `user.session.start` FAILURE/LOCKED_OUT.
   */
  lock(idOrLogin: string, via: 'failed-signins' | 'session-start', attempts: number, published?: string): LogEvent[] {
    const u = this.users.get(idOrLogin);
    const at = published ?? this.nowIso();
    const actor = userRef(u);
    const ip = `198.51.100.${1 + this.prng.int(250)}`;
    const events: LogEvent[] = [];
    if (via === 'failed-signins') {
      for (let i = 0; i < attempts; i++) {
        events.push(this.event({ eventType: 'user.session.start', actor, target: null, outcome: { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' }, ipAddress: ip, published: at }));
      }
      events.push(this.event({ eventType: 'user.account.lock', actor, target: null, outcome: { result: 'FAILURE', reason: 'LOCKED_OUT' }, ipAddress: ip, published: at }));
    } else {
      for (let i = 0; i < attempts; i++) {
        events.push(this.event({ eventType: 'user.session.start', actor, target: null, outcome: { result: 'FAILURE', reason: 'LOCKED_OUT' }, ipAddress: ip, published: at }));
      }
    }
    this.users.setStatus(u, 'LOCKED_OUT', this.nowIso());
    for (const e of events) this.logs.append(e);
    return events;
  }
}
