import { oktaError } from './errors.js';
import { filterAttributes, FilterSyntaxError, matchesFilter, parseFilter, type FilterNode } from './filter.js';
import type { LogEvent } from './types.js';

interface Stored {
  seq: number;
  persistedAt: number;
  publishedMs: number;
  event: LogEvent;
}

export interface LogQuery {
  since?: string;
  until?: string;
  after?: string;
  filter?: string;
  q?: string;
  limit?: string;
  sortOrder?: string;
}

export interface LogPage {
  events: LogEvent[];
  /** Query parameters for the `rel="next"` link, absent when a bounded request has ended. */
  next?: Record<string, string>;
}

const DAY = 86_400_000;
// A filtered page stops after this many non-matching events and hands back a cursor, so a page's
// cost is bounded even when a filter matches almost nothing (Okta, too, may return short pages).
const SCAN_BUDGET = 20_000;

function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(parts.join('.'), 'utf8').toString('base64url');
}

function decodeCursor(after: string): string[] {
  return Buffer.from(after, 'base64url').toString('utf8').split('.');
}

function parseTime(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw oktaError('E0000001', name, [`${name}: The date format in your query is not recognized.`]);
  return ms;
}

/**
 * Events in persist order (index == sequence number) plus a second index sorted by `published`.
 * Polling pages walk the first from a cursor; bounded pages binary-search the second.
 */
export class LogStore {
  private byPersist: Stored[] = [];
  private byPublished: Stored[] = [];
  private held = new Map<string, LogEvent>();
  private lastPersist = 0;
  private readonly listeners: ((event: LogEvent) => void)[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.byPersist.length;
  }

  clear(): void {
    this.byPersist = [];
    this.byPublished = [];
    this.held.clear();
    this.lastPersist = 0;
  }

  /** Called for every event as it is persisted (event hook delivery listens here). */
  onAppend(listener: (event: LogEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Persists an event now (or at `persistedAt` for seeded history); persist time never goes backwards. */
  append(event: LogEvent, persistedAt = this.now()): void {
    const at = Math.max(persistedAt, this.lastPersist);
    this.lastPersist = at;
    const stored: Stored = { seq: this.byPersist.length, persistedAt: at, publishedMs: Date.parse(event.published), event };
    this.byPersist.push(stored);
    const last = this.byPublished[this.byPublished.length - 1];
    if (!last || last.publishedMs <= stored.publishedMs) {
      this.byPublished.push(stored);
    } else {
      this.byPublished.splice(this.upperBound(stored.publishedMs, stored.seq), 0, stored);
    }
    for (const listener of this.listeners) listener(event);
  }

  hold(event: LogEvent): void {
    this.held.set(event.uuid, event);
  }

  release(uuid: string): LogEvent | undefined {
    const event = this.held.get(uuid);
    if (!event) return undefined;
    this.held.delete(uuid);
    this.append(event);
    return event;
  }

  heldIds(): string[] {
    return [...this.held.keys()];
  }

  all(): LogEvent[] {
    return this.byPersist.map((s) => s.event);
  }

  /** First index in byPublished whose (publishedMs, seq) is greater than the given key. */
  private upperBound(publishedMs: number, seq: number): number {
    let lo = 0;
    let hi = this.byPublished.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.byPublished[mid] as Stored;
      if (s.publishedMs < publishedMs || (s.publishedMs === publishedMs && s.seq <= seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private firstPersistedAtOrAfter(ms: number): number {
    let lo = 0;
    let hi = this.byPersist.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.byPersist[mid] as Stored).persistedAt < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  query(q: LogQuery): LogPage {
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 0 || limit > 1000) {
      throw oktaError('E0000001', 'limit', ['limit: The limit must be between 0 and 1000.']);
    }
    if (q.since !== undefined && q.after !== undefined) {
      throw oktaError('E0000001', 'since', ['since: since and after cannot be used together.']);
    }
    const sortOrder = (q.sortOrder ?? 'ASCENDING').toUpperCase();
    if (sortOrder !== 'ASCENDING' && sortOrder !== 'DESCENDING') {
      throw oktaError('E0000001', 'sortOrder', ['sortOrder: must be ASCENDING or DESCENDING']);
    }
    let filter: FilterNode | undefined;
    if (q.filter !== undefined && q.filter !== '') {
      try {
        filter = parseFilter(q.filter);
      } catch (e) {
        if (e instanceof FilterSyntaxError) throw oktaError('E0000053', undefined, [`filter: ${e.message}`]);
        throw e;
      }
      if (filterAttributes(filter).includes('published')) {
        throw oktaError('E0000053', undefined, ['filter: published is not a filterable attribute; use since and until.']);
      }
    }
    const terms = (q.q ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const matches = (s: Stored): boolean => {
      if (filter && !matchesFilter(filter, s.event)) return false;
      if (terms.length === 0) return true;
      const text = JSON.stringify(s.event).toLowerCase();
      return terms.every((t) => text.includes(t));
    };
    const carry: Record<string, string> = { limit: String(limit) };
    if (q.filter) carry.filter = q.filter;
    if (q.q) carry.q = q.q;

    const now = this.now();
    const oldest = now - 90 * DAY;
    let sinceMs = parseTime('since', q.since);
    const untilMs = parseTime('until', q.until);
    const polling = q.until === undefined && sortOrder === 'ASCENDING';

    if (polling) {
      let start: number;
      if (q.after !== undefined) {
        const [kind, idx] = decodeCursor(q.after);
        start = Number(idx);
        if (kind !== 'p' || !Number.isInteger(start) || start < 0) throw oktaError('E0000001', 'after', ['after: invalid cursor']);
        sinceMs = oldest;
      } else {
        sinceMs = Math.max(sinceMs ?? now - 7 * DAY, oldest);
        start = this.firstPersistedAtOrAfter(sinceMs);
      }
      const events: LogEvent[] = [];
      let i = start;
      let scanned = 0;
      for (; i < this.byPersist.length && events.length < limit && scanned < SCAN_BUDGET; i++, scanned++) {
        const s = this.byPersist[i] as Stored;
        if (s.publishedMs >= sinceMs && matches(s)) events.push(s.event);
      }
      // Polling never ends: the next link always exists, pointing just past what this page covered.
      return { events, next: { ...carry, sortOrder: 'ASCENDING', after: encodeCursor(['p', i]) } };
    }

    const until = Math.min(untilMs ?? now, now);
    let since: number;
    let cursorKey: [number, number] | undefined;
    if (q.after !== undefined) {
      const [kind, pub, seq, s] = decodeCursor(q.after).map((p, n) => (n === 0 ? p : Number(p))) as [string, number, number, number];
      if (kind !== 'b' || ![pub, seq, s].every(Number.isFinite)) throw oktaError('E0000001', 'after', ['after: invalid cursor']);
      cursorKey = [pub, seq];
      since = s;
    } else {
      since = Math.max(sinceMs ?? until - 7 * DAY, oldest);
    }
    const lo = this.upperBound(since - 1, Number.MAX_SAFE_INTEGER);
    const hi = this.upperBound(until, Number.MAX_SAFE_INTEGER);
    const events: LogEvent[] = [];
    let scanned = 0;
    let lastKey: [number, number] | undefined;
    let more = false;
    if (sortOrder === 'ASCENDING') {
      let i = cursorKey ? Math.max(lo, this.upperBound(cursorKey[0], cursorKey[1])) : lo;
      for (; i < hi && events.length < limit && scanned < SCAN_BUDGET; i++, scanned++) {
        const s = this.byPublished[i] as Stored;
        lastKey = [s.publishedMs, s.seq];
        if (matches(s)) events.push(s.event);
      }
      more = i < hi;
    } else {
      let i = (cursorKey ? Math.min(hi, this.upperBound(cursorKey[0], cursorKey[1] - 1)) : hi) - 1;
      for (; i >= lo && events.length < limit && scanned < SCAN_BUDGET; i--, scanned++) {
        const s = this.byPublished[i] as Stored;
        lastKey = [s.publishedMs, s.seq];
        if (matches(s)) events.push(s.event);
      }
      more = i >= lo;
    }
    if (!more || !lastKey) return { events };
    const next: Record<string, string> = { ...carry, sortOrder, until: new Date(until).toISOString(), after: encodeCursor(['b', lastKey[0], lastKey[1], since]) };
    return { events, next };
  }
}
