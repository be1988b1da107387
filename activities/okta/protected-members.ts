/**
 * Worker-level cache of who is in the protected groups (PROTECTED_GROUPS), so that the lockout check
 * answers "is this user protected?" without a per-user group read. A spray locks thousands of users
 * at once: without the cache each unlock costs a third Okta call; with it, the group members are read
 * once per TTL and shared by every check on this worker.
 *
 * Never answers "not protected" from a guess: a group that cannot be read whole (too many members,
 * an ambiguous name query, missing scope, Okta down) gives `undefined`, and the caller reads the
 * user's own groups as before.
 */
import { OktaApiError, toApplicationFailure } from './errors.js';

/** The two Okta reads the cache needs (OktaClient has them; tests pass a typed fake). */
export interface GroupMembershipSource {
  findGroupsByName(name: string): Promise<{ groups: { id: string }[]; complete: boolean }>;
  listGroupMemberIds(groupId: string, maxMembers: number): Promise<{ ids: string[]; complete: boolean }>;
}

export interface ProtectedMembersOptions {
  /** How long a group's member list is trusted; 0 = no cache (every check reads the user's groups). */
  ttlMs: number;
  /** A protected group (all groups of that name together) with more members is not cached. */
  maxMembers?: number;
  /** After a failed read, checks go to the per-user read for this long before the next attempt. */
  retryAfterFailureMs?: number;
  now?: () => number;
  /** Why a group is not cached (failures, oversize): for operators, no secrets. */
  warn?: (message: string, meta: Record<string, unknown>) => void;
}

export const DEFAULT_MAX_PROTECTED_MEMBERS = 20_000;
const DEFAULT_RETRY_AFTER_FAILURE_MS = 5_000;
/** Distinct group names kept: the config allows 20; the rest is headroom for a reconfiguration. */
const MAX_NAMES = 64;

/** `members` undefined: not known from the cache (the caller falls back to the per-user read). */
interface Entry {
  expiresAt: number;
  members: ReadonlySet<string> | undefined;
}

export class ProtectedMembersCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<ReadonlySet<string> | undefined>>();
  private readonly maxMembers: number;
  private readonly retryAfterFailureMs: number;
  private readonly now: () => number;
  /** Group reads started (one per refresh of one name): what a storm must not multiply. */
  refreshes = 0;

  constructor(
    private readonly source: GroupMembershipSource,
    private readonly opts: ProtectedMembersOptions,
  ) {
    this.maxMembers = opts.maxMembers ?? DEFAULT_MAX_PROTECTED_MEMBERS;
    this.retryAfterFailureMs = opts.retryAfterFailureMs ?? DEFAULT_RETRY_AFTER_FAILURE_MS;
    this.now = opts.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.opts.ttlMs > 0;
  }

  /** true/false when every group is known (or the user is in one that is); undefined otherwise. */
  async isMember(userId: string, groupNames: readonly string[]): Promise<boolean | undefined> {
    if (!this.enabled || groupNames.length === 0) return undefined;
    const sets = await Promise.all([...new Set(groupNames)].map((name) => this.membersOf(name)));
    if (sets.some((s) => s?.has(userId))) return true;
    return sets.every((s) => s !== undefined) ? false : undefined;
  }

  private membersOf(name: string): Promise<ReadonlySet<string> | undefined> {
    const entry = this.entries.get(name);
    if (entry && this.now() < entry.expiresAt) return Promise.resolve(entry.members);
    // Concurrent checks share one read: a storm of checks makes one set of group calls per TTL.
    const pending = this.inFlight.get(name);
    if (pending) return pending;
    const refresh = this.refresh(name).finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, refresh);
    return refresh;
  }

  private async refresh(name: string): Promise<ReadonlySet<string> | undefined> {
    this.refreshes += 1;
    let members: ReadonlySet<string> | undefined;
    let keepMs = this.opts.ttlMs;
    try {
      members = await this.readMembers(name);
    } catch (err) {
      // Not cached as "not protected": the checks read the user's own groups until a retry succeeds.
      // A 403 (no okta.groups.read scope) will not fix itself soon: keep the fallback for a whole TTL.
      const forbidden = err instanceof OktaApiError && err.status === 403;
      if (!forbidden) keepMs = Math.min(keepMs, this.retryAfterFailureMs);
      this.opts.warn?.('protected group members could not be read: checking each user\'s groups instead', {
        group: name,
        error: toApplicationFailure(err).message.slice(0, 300),
      });
    }
    this.store(name, { expiresAt: this.now() + keepMs, members });
    return members;
  }

  private async readMembers(name: string): Promise<ReadonlySet<string> | undefined> {
    const found = await this.source.findGroupsByName(name);
    if (!found.complete) {
      this.opts.warn?.('protected group name query was cut off: checking each user\'s groups instead', { group: name });
      return undefined;
    }
    const members = new Set<string>();
    for (const group of found.groups) {
      const page = await this.source.listGroupMemberIds(group.id, this.maxMembers - members.size);
      for (const id of page.ids) members.add(id);
      if (!page.complete || members.size > this.maxMembers) {
        this.opts.warn?.('protected group too large to cache: checking each user\'s groups instead', { group: name, maxMembers: this.maxMembers });
        return undefined;
      }
    }
    return members;
  }

  private store(name: string, entry: Entry): void {
    this.entries.delete(name);
    if (this.entries.size >= MAX_NAMES) {
      const t = this.now();
      for (const [k, e] of this.entries) if (e.expiresAt <= t) this.entries.delete(k);
      const oldest = this.entries.keys().next();
      if (this.entries.size >= MAX_NAMES && !oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(name, entry);
  }
}
