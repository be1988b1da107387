/**
 * Pure rules for reading lockout events (deterministic, so they run inside workflows and in unit
 * tests alike). Facts from Okta's docs: the locked-out user is the event's *actor* (type `User`);
 * a `User` target is only a fallback; an event that names no user, or names it with something that
 * is not an Okta user ID, is skipped and reported — it never becomes a workflow ID.
 */
import { OKTA_USER_ID, isLockoutEvent, type ProjectedLogEvent } from './log-event.js';
import type { LockedUser, LockoutEvent } from './messages.js';

/** Okta System Log filter for lockouts, exactly as the product documents it. */
export const LOCKOUT_EVENT_FILTER =
  'eventType eq "user.account.lock" or eventType eq "user.session.start" and outcome.reason eq "LOCKED_OUT"';

export type ReadLockout = { kind: 'lockout'; user: LockedUser; event: LockoutEvent } | { kind: 'skip'; why: string };

export function readLockoutEvent(event: ProjectedLogEvent): ReadLockout {
  if (!isLockoutEvent(event)) return { kind: 'skip', why: `not a lockout event (${event.eventType})` };
  const named = event.actor?.type === 'User' && event.actor.id ? event.actor : event.targets?.find((t) => t.type === 'User' && t.id);
  if (!named?.id) return { kind: 'skip', why: 'the event names no user (no User actor or target)' };
  if (!OKTA_USER_ID.test(named.id)) return { kind: 'skip', why: 'the user id is not an Okta user id' };
  if (!event.published) return { kind: 'skip', why: 'the event has no published time' };
  const user: LockedUser = { id: named.id, ...(named.alternateId ? { login: named.alternateId } : {}) };
  return {
    kind: 'lockout',
    user,
    event: {
      uuid: event.uuid,
      eventType: event.eventType,
      published: event.published,
      ...(event.outcomeReason ? { reason: event.outcomeReason } : {}),
      ...(event.client ? { client: event.client } : {}),
      ...(event.risk ? { risk: event.risk } : {}),
    },
  };
}
