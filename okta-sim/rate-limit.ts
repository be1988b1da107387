export type RateLimitFamily = 'logs' | 'userGet' | 'userList' | 'userLifecycle' | 'factors' | 'groups' | 'oauthToken' | 'default';

export interface FamilyLimit {
  /** Requests allowed per window for the whole org. */
  limit: number;
  windowMs: number;
}

export type RateLimitConfig = Record<RateLimitFamily, FamilyLimit> & {
  /** Share of an org bucket one token may use (Okta's default: 50%). */
  tokenShare: number;
  /** Requests in flight at once for the org before 429. */
  concurrency: number;
};

/** Okta's published per-minute limits for a typical org (System Log 120/min, users 600/min, concurrency 75). */
export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  logs: { limit: 120, windowMs: 60_000 },
  userGet: { limit: 600, windowMs: 60_000 },
  userList: { limit: 600, windowMs: 60_000 },
  userLifecycle: { limit: 600, windowMs: 60_000 },
  factors: { limit: 600, windowMs: 60_000 },
  groups: { limit: 600, windowMs: 60_000 },
  oauthToken: { limit: 600, windowMs: 60_000 },
  default: { limit: 600, windowMs: 60_000 },
  tokenShare: 0.5,
  concurrency: 75,
};

export const FAMILIES: readonly RateLimitFamily[] = ['logs', 'userGet', 'userList', 'userLifecycle', 'factors', 'groups', 'oauthToken', 'default'];

export function familyOf(method: string, path: string): RateLimitFamily {
  if (path === '/api/v1/logs') return 'logs';
  if (path === '/oauth2/v1/token') return 'oauthToken';
  if (/^\/api\/v1\/users\/[^/]+\/factors/.test(path)) return 'factors';
  if (/^\/api\/v1\/users\/[^/]+\/lifecycle\//.test(path)) return 'userLifecycle';
  if (path === '/api/v1/users') return 'userList';
  // Okta's "create or list groups" bucket: /api/v1/groups and everything under it except /api/v1/groups/{id} itself.
  if (path === '/api/v1/groups' || /^\/api\/v1\/groups\/[^/]+\/./.test(path)) return 'groups';
  if (/^\/api\/v1\/users\/[^/]+/.test(path) && method === 'GET') return 'userGet';
  return 'default';
}

export type PartialRateLimits = Partial<Record<RateLimitFamily, Partial<FamilyLimit>>> & { tokenShare?: number; concurrency?: number };

export function mergeRateLimits(base: RateLimitConfig, patch: PartialRateLimits | undefined): RateLimitConfig {
  const out: RateLimitConfig = { ...base };
  if (!patch) return out;
  for (const f of FAMILIES) {
    const p = patch[f];
    if (p) out[f] = { ...base[f], ...p };
  }
  if (patch.tokenShare !== undefined) out.tokenShare = patch.tokenShare;
  if (patch.concurrency !== undefined) out.concurrency = patch.concurrency;
  return out;
}

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

interface Window {
  start: number;
  used: number;
}

/** Fixed windows, one per org family and one per token and family. */
export class RateLimiter {
  private windows = new Map<string, Window>();
  private inFlight = 0;

  constructor(public config: RateLimitConfig, private readonly now: () => number = Date.now) {}

  reset(): void {
    this.windows.clear();
  }

  private window(key: string, windowMs: number, t: number): Window {
    let w = this.windows.get(key);
    // A window opens with the first request after the previous one ended, so a test's burst never
    // straddles a boundary by chance (Okta's minute buckets behave the same for a single burst).
    if (!w || t >= w.start + windowMs) {
      w = { start: t, used: 0 };
      this.windows.set(key, w);
    }
    return w;
  }

  /** Counts one request against the org bucket and the token's share; the headers show the tighter of the two. */
  take(family: RateLimitFamily, tokenKey: string | undefined): RateDecision {
    const { limit, windowMs } = this.config[family];
    const t = this.now();
    const org = this.window(`org:${family}`, windowMs, t);
    const tokenLimit = Math.max(1, Math.floor(limit * this.config.tokenShare));
    const tok = tokenKey ? this.window(`tok:${family}:${tokenKey}`, windowMs, t) : undefined;
    const effLimit = tok ? tokenLimit : limit;
    const allowed = org.used < limit && (!tok || tok.used < tokenLimit);
    if (allowed) {
      org.used++;
      if (tok) tok.used++;
    }
    const remaining = Math.max(0, Math.min(limit - org.used, tok ? tokenLimit - tok.used : Infinity));
    const reset = Math.ceil((org.start + windowMs) / 1000);
    return {
      allowed,
      headers: {
        'X-Rate-Limit-Limit': String(effLimit),
        'X-Rate-Limit-Remaining': String(remaining),
        'X-Rate-Limit-Reset': String(reset),
      },
    };
  }

  /** Returns a release function, or undefined when the org already has `concurrency` requests in flight. */
  acquire(): (() => void) | undefined {
    if (this.inFlight >= this.config.concurrency) return undefined;
    this.inFlight++;
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.inFlight--;
      }
    };
  }

  concurrencyHeaders(): Record<string, string> {
    return {
      'X-Rate-Limit-Limit': String(this.config.concurrency),
      'X-Rate-Limit-Remaining': '0',
      'X-Rate-Limit-Reset': String(Math.ceil(this.now() / 1000) + 1),
    };
  }
}
