/**
 * Reading the System Log for the lockout poller. Runs on its own task queue with its own rate, so
 * detection is never queued behind thousands of unlock calls during a password spray.
 *
 * What it returns is safe to put in workflow history whatever Okta (or a proxy in front of it)
 * sends: every event is projected to the bounded shape of `ProjectedLogEvent`, the result is
 * bounded in bytes (a page too large is returned in parts: `nextOffset`), and a next link that
 * points elsewhere is reported instead of being handed to the workflow as a cursor.
 */
import type { OktaClient } from './okta/client.js';
import { toApplicationFailure } from './okta/errors.js';
import { clip, projectLogEvent, projectedSize, type ProjectedLogEvent } from '../workflows/lockout/log-event.js';

export interface ReadLockoutLogInput {
  /** The cursor (a next link Okta returned); when set, `since`/`filter`/`limit` are carried by the link. */
  nextUrl?: string;
  /** ISO 8601 start of a new polling cursor; used only without `nextUrl`. */
  since?: string;
  filter: string;
  limit: number;
  /** Events of this same page already returned by an earlier call (the page was split). */
  offset?: number;
  /** Upper bound of the result's JSON size; a page above it comes back in parts. */
  maxResultBytes?: number;
}

export interface UnreadableLogEvent {
  uuid?: string;
  problem: string;
}

export interface LockoutLogPage {
  /** Projected events from `offset` on, within `maxResultBytes`. */
  events: ProjectedLogEvent[];
  /** Items that are not readable events (at most MAX_UNREADABLE reported, the rest counted). */
  unreadable: UnreadableLogEvent[];
  unreadableCount: number;
  /** How many items Okta's page held in all. */
  eventsOnPage: number;
  /** Set when the page was split: read the same request again from this offset before moving on. */
  nextOffset?: number;
  /** The next link, present only when it is a link into this org's System Log. */
  nextUrl?: string;
  /** Why there is no usable next link (missing, another host, another path). */
  cursorProblem?: string;
}

const DEFAULT_MAX_RESULT_BYTES = 256 * 1024;
const MAX_UNREADABLE = 10;

export function createOktaLogActivities(okta: OktaClient) {
  return {
    async oktaReadLockoutLog(input: ReadLockoutLogInput): Promise<LockoutLogPage> {
      let page: Awaited<ReturnType<OktaClient['listLogEventsRaw']>>;
      try {
        page = input.nextUrl
          ? await okta.listLogEventsRaw({ nextUrl: input.nextUrl })
          : await okta.listLogEventsRaw({ ...(input.since ? { since: input.since } : {}), filter: input.filter, limit: input.limit });
      } catch (err) {
        throw toApplicationFailure(err);
      }
      return boundPage(page.items, input.offset ?? 0, input.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES, nextLinkOf(okta, page.nextUrl));
    },
  };
}

export type OktaLogActivities = ReturnType<typeof createOktaLogActivities>;

function nextLinkOf(okta: OktaClient, nextUrl: string | undefined): Pick<LockoutLogPage, 'nextUrl' | 'cursorProblem'> {
  // Polling requests always carry a next link; without one (or with a foreign one) the poller
  // falls back to `since` and says so, instead of storing a cursor every later poll fails on.
  if (!nextUrl) return { cursorProblem: 'Okta sent no Link rel="next" header' };
  const problem = okta.nextLinkProblem(nextUrl);
  return problem ? { cursorProblem: clip(problem, 200) ?? 'unusable next link' } : { nextUrl };
}

/** Projects the page from `offset`, stopping before the result would exceed `maxBytes`. Pure. */
export function boundPage(items: unknown[], offset: number, maxBytes: number, link: Pick<LockoutLogPage, 'nextUrl' | 'cursorProblem'>): LockoutLogPage {
  const events: ProjectedLogEvent[] = [];
  const unreadable: UnreadableLogEvent[] = [];
  let unreadableCount = 0;
  // Room for the envelope (links, counters, unreadable reports).
  let bytes = 2_048 + (link.nextUrl?.length ?? 0);
  let index = Math.max(0, offset);
  for (; index < items.length; index++) {
    const projected = projectLogEvent(items[index]);
    if (!projected.ok) {
      unreadableCount += 1;
      if (unreadable.length < MAX_UNREADABLE) unreadable.push({ ...(projected.uuid ? { uuid: projected.uuid } : {}), problem: projected.problem });
      continue;
    }
    const size = projectedSize(projected.event) + 1;
    // Always make progress: one event alone is bounded far below any budget.
    if (events.length > 0 && bytes + size > maxBytes) break;
    bytes += size;
    events.push(projected.event);
  }
  return {
    events,
    unreadable,
    unreadableCount,
    eventsOnPage: items.length,
    ...(index < items.length ? { nextOffset: index } : {}),
    ...link,
  };
}
