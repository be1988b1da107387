/**
 * Unlock policies that hold up during an attack, as pure rules (deterministic, no Temporal APIs):
 * the poller asks `PolicyBook.decide` once per new episode and hands the decision to the child.
 *
 * - Storm breaker: more than `threshold` lockouts within `windowMs` switches new episodes to a safer
 *   mode until an operator resumes or `quietMs` pass without a lockout.
 * - Threat-aware: Okta's `threatSuspected`, a configured risk level, or a network (IP) the user has
 *   not been seen locked out from before means no automatic unlock.
 * - Re-lock loops across episodes: the (K+1)-th lockout within a day is not unlocked again.
 * - Notification caps: at most `perDay` informational chat messages per user per day.
 * Protected accounts are checked by the child itself (one group read, only when it would unlock).
 *
 * All state is bounded (users, IPs, timestamps) and carried through continue-as-new.
 */
import { z } from 'zod';
import { builtOnce } from '../built-once.js';
import type { LockoutEvent } from './messages.js';

const DAY_MS = 86_400_000;
/** Users whose recent lockouts are remembered; the least recently locked are forgotten first. */
export const MAX_TRACKED_USERS = 500;
/** Recent IPs remembered per user. */
export const MAX_IPS_PER_USER = 4;
const MAX_REASON = 200;

export const UnlockPoliciesSchema = builtOnce('lockout/policies:UnlockPoliciesSchema', () => z.object({
  breaker: z
    .object({
      /** More than this many new episodes within the window trips the breaker. */
      threshold: z.number().int().min(1).max(5_000).default(50),
      windowMs: z.number().int().min(1_000).max(DAY_MS).default(300_000),
      /** What new episodes do while tripped. */
      mode: z.enum(['hold', 'ask-user']).default('hold'),
      /** Closes by itself after this long without a lockout (an operator can resume earlier). */
      quietMs: z.number().int().min(1_000).max(7 * DAY_MS).default(1_800_000),
    })
    .default({ threshold: 50, windowMs: 300_000, mode: 'hold', quietMs: 1_800_000 }),
  threat: z
    .object({
      /** Okta risk levels (`debugContext.debugData.risk` level) that count as a threat; empty: none. */
      riskLevels: z.array(z.string().min(1).max(32)).max(5).default(['HIGH']),
      /** A lockout from an IP the user was not locked out from before (when we know some) counts too. */
      newNetwork: z.boolean().default(true),
      mode: z.enum(['ask-user', 'helpdesk']).default('ask-user'),
    })
    // Defaults holding arrays are built per parse: zod copies a default one level deep, and the schema is shared by every run (built-once.ts).
    .default(() => ({ riskLevels: ['HIGH'], newNetwork: true, mode: 'ask-user' as const })),
  /** Episodes per user within 24 h that are handled normally; the next one is told what to fix. 0: off. */
  relockMaxPerDay: z.number().int().min(0).max(100).default(3),
  /** Informational chat messages per user per 24 h (questions that need an answer always go). 0: off. */
  notifyMaxPerDay: z.number().int().min(0).max(100).default(4),
  /** Okta group names whose members are never unlocked automatically. */
  protectedGroups: z.array(z.string().min(1).max(200)).max(20).default([]),
  /** Who may approve an unlock of a protected account. */
  helpdesk: z.object({ group: z.string().max(200).optional(), logins: z.array(z.string().max(320)).max(50).default([]) }).default(() => ({ logins: [] })),
}));
export type UnlockPolicies = z.infer<typeof UnlockPoliciesSchema>;

/** What the poller decided for one episode; the child follows it. */
export const EpisodeDecisionSchema = builtOnce('lockout/policies:EpisodeDecisionSchema', () => z.object({
  /** `default`: the configured policy; the others override it with something safer. */
  mode: z.enum(['default', 'ask-user', 'helpdesk', 'hold', 'relock-stop']),
  reasons: z.array(z.string().max(MAX_REASON)).max(5),
  /** Informational messages this episode may send (questions needing an answer are exempt). */
  notifyBudget: z.number().int().min(0).max(100).optional(),
  protectedGroups: z.array(z.string().min(1).max(200)).max(20).optional(),
  helpdesk: UnlockPoliciesSchema.shape.helpdesk.optional(),
}));
export type EpisodeDecision = z.infer<typeof EpisodeDecisionSchema>;
export type DecisionMode = EpisodeDecision['mode'];

/** Most restrictive first. */
const STRICTNESS: DecisionMode[] = ['relock-stop', 'hold', 'helpdesk', 'ask-user', 'default'];

const UserRecordSchema = builtOnce('lockout/policies:UserRecordSchema', () => z.object({
  id: z.string().max(64),
  ips: z.array(z.string().max(64)).max(MAX_IPS_PER_USER),
  /** Episode start times (ms) within the last day, at most relockMaxPerDay + 1. */
  locks: z.array(z.number()).max(101),
  /** Times (ms) an episode was granted a chat message, within the last day. */
  notices: z.array(z.number()).max(100),
}));
type UserRecord = z.infer<typeof UserRecordSchema>;

export const BreakerStateSchema = builtOnce('lockout/policies:BreakerStateSchema', () => z.object({
  /** Episode start times within the window, at most threshold + 1 kept. */
  recent: z.array(z.number()).max(5_001),
  trippedAt: z.number().optional(),
  reason: z.string().max(MAX_REASON).optional(),
  lastLockoutAt: z.number().optional(),
  trips: z.number().int().nonnegative(),
  resumedBy: z.string().max(200).optional(),
}));
export type BreakerState = z.infer<typeof BreakerStateSchema>;

export const PolicyCarriedSchema = builtOnce('lockout/policies:PolicyCarriedSchema', () => z.object({
  breaker: BreakerStateSchema,
  users: z.array(UserRecordSchema).max(MAX_TRACKED_USERS),
}));
export type PolicyCarried = z.infer<typeof PolicyCarriedSchema>;

export interface BreakerView {
  state: 'closed' | 'tripped';
  since?: string;
  reason?: string;
  lockoutsInWindow: number;
  trips: number;
  resumedBy?: string;
}

export class PolicyBook {
  readonly breaker: BreakerState;
  /** Insertion order = least recently locked first (Map keeps it; re-inserting moves to the end). */
  private readonly users = new Map<string, UserRecord>();

  constructor(carried?: PolicyCarried) {
    this.breaker = carried ? { ...carried.breaker, recent: [...carried.breaker.recent] } : { recent: [], trips: 0 };
    for (const u of carried?.users ?? []) this.users.set(u.id, { ...u });
  }

  /**
   * One new episode of `userId`, starting with `event`, at `nowMs`. Records it (breaker window, the
   * user's IPs, lockouts and messages) and says how to handle it; `tripped` is true when this episode
   * tripped the breaker (the caller alerts the helpdesk once).
   */
  decide(userId: string, event: LockoutEvent, nowMs: number, p: UnlockPolicies): { decision: EpisodeDecision; tripped: boolean; closedByQuiet: boolean } {
    const closedByQuiet = this.expireQuiet(nowMs, p);
    const tripped = this.countLockout(nowMs, p);
    const candidates: { mode: DecisionMode; reason: string }[] = [];
    const user = this.user(userId);
    user.locks = user.locks.filter((t) => nowMs - t < DAY_MS);
    if (p.relockMaxPerDay > 0 && user.locks.length >= p.relockMaxPerDay) {
      candidates.push({ mode: 'relock-stop', reason: `locked out ${user.locks.length + 1} times within a day` });
    }
    if (this.breaker.trippedAt !== undefined) candidates.push({ mode: p.breaker.mode, reason: 'lockout storm: breaker tripped' });
    const threat = threatReason(event, user, p);
    if (threat) candidates.push({ mode: p.threat.mode, reason: threat });
    const mode = STRICTNESS.find((m) => candidates.some((c) => c.mode === m)) ?? 'default';

    user.locks.push(nowMs);
    if (user.locks.length > p.relockMaxPerDay + 1) user.locks.splice(0, user.locks.length - (p.relockMaxPerDay + 1));
    const ip = event.client?.ip;
    if (ip) {
      user.ips = [...user.ips.filter((known) => known !== ip), ip].slice(-MAX_IPS_PER_USER);
    }
    let notifyBudget: number | undefined;
    if (p.notifyMaxPerDay > 0) {
      user.notices = user.notices.filter((t) => nowMs - t < DAY_MS);
      notifyBudget = user.notices.length < p.notifyMaxPerDay ? 1 : 0;
      if (notifyBudget) user.notices.push(nowMs);
    }
    this.touch(user);
    const decision: EpisodeDecision = {
      mode,
      reasons: candidates.filter((c) => c.mode !== 'default').map((c) => c.reason.slice(0, MAX_REASON)).slice(0, 5),
      ...(notifyBudget !== undefined ? { notifyBudget } : {}),
      ...(p.protectedGroups.length ? { protectedGroups: p.protectedGroups, helpdesk: p.helpdesk } : {}),
    };
    return { decision, tripped, closedByQuiet };
  }

  /**
   * The episode decided at `atMs` was not started (its events went to the user's open episode):
   * it does not count as a lockout of its own (a trip it caused stands: erring towards safety).
   */
  forget(userId: string, atMs: number): void {
    const user = this.users.get(userId);
    // Reports of fanned-out pages arrive later than newer decisions: the entry may not be the last.
    for (const list of user ? [user.locks, user.notices] : []) {
      const j = list.lastIndexOf(atMs);
      if (j >= 0) list.splice(j, 1);
    }
    const i = this.breaker.recent.lastIndexOf(atMs);
    if (i >= 0) this.breaker.recent.splice(i, 1);
  }

  /** An operator closes the breaker: new episodes follow the configured policy again. */
  resume(by: string | undefined): void {
    delete this.breaker.trippedAt;
    delete this.breaker.reason;
    this.breaker.recent = [];
    if (by) this.breaker.resumedBy = by.slice(0, 200);
    else delete this.breaker.resumedBy;
  }

  /** Closes the breaker when the quiet period has passed; true when it did. */
  expireQuiet(nowMs: number, p: UnlockPolicies): boolean {
    const b = this.breaker;
    if (b.trippedAt === undefined || b.lastLockoutAt === undefined || nowMs - b.lastLockoutAt < p.breaker.quietMs) return false;
    this.resume('quiet period');
    return true;
  }

  view(nowMs: number, p: UnlockPolicies): BreakerView {
    const b = this.breaker;
    return {
      state: b.trippedAt === undefined ? 'closed' : 'tripped',
      ...(b.trippedAt !== undefined ? { since: new Date(b.trippedAt).toISOString() } : {}),
      ...(b.reason ? { reason: b.reason } : {}),
      lockoutsInWindow: b.recent.filter((t) => nowMs - t < p.breaker.windowMs).length,
      trips: b.trips,
      ...(b.resumedBy ? { resumedBy: b.resumedBy } : {}),
    };
  }

  carried(): PolicyCarried {
    return { breaker: { ...this.breaker }, users: [...this.users.values()] };
  }

  get trackedUsers(): number {
    return this.users.size;
  }

  private countLockout(nowMs: number, p: UnlockPolicies): boolean {
    const b = this.breaker;
    b.lastLockoutAt = nowMs;
    b.recent = b.recent.filter((t) => nowMs - t < p.breaker.windowMs);
    b.recent.push(nowMs);
    if (b.recent.length > p.breaker.threshold + 1) b.recent.splice(0, b.recent.length - (p.breaker.threshold + 1));
    if (b.trippedAt !== undefined || b.recent.length <= p.breaker.threshold) return false;
    b.trippedAt = nowMs;
    b.trips += 1;
    b.reason = `${b.recent.length} lockouts within ${Math.round(p.breaker.windowMs / 1000)} s (threshold ${p.breaker.threshold})`;
    delete b.resumedBy;
    return true;
  }

  private user(id: string): UserRecord {
    return this.users.get(id) ?? { id, ips: [], locks: [], notices: [] };
  }

  private touch(user: UserRecord): void {
    this.users.delete(user.id);
    this.users.set(user.id, user);
    while (this.users.size > MAX_TRACKED_USERS) this.users.delete(this.users.keys().next().value as string);
  }
}

/** Why Okta's signals (or a network new for this user) make the lockout suspicious; undefined if they do not. */
export function threatReason(event: LockoutEvent, user: { ips: string[] }, p: UnlockPolicies): string | undefined {
  if (event.risk?.threatSuspected === true) return 'Okta flagged the sign-ins as a suspected threat';
  const level = event.risk?.level?.toUpperCase();
  if (level && p.threat.riskLevels.some((l) => l.toUpperCase() === level)) return `Okta rated the sign-in risk ${level}`;
  const ip = event.client?.ip;
  // Without any history there is nothing to compare with: a first lockout is not "new network".
  if (p.threat.newNetwork && ip && user.ips.length > 0 && !user.ips.includes(ip)) return 'locked out from a network this user was not seen on before';
  return undefined;
}
