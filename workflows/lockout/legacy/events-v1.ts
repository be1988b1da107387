/**
 * FROZEN with the first poller (legacy/poller-v1.ts). Pure rules for reading lockout events (deterministic, so they run inside workflows and in unit
 * tests alike). Facts from Okta's docs: the locked-out user is the event's *actor* (type `User`);
 * a `User` target is only a fallback; an event that names no user is skipped and reported.
 */
import type { LogEvent } from '../../../activities/okta-activities.js';
import type { LockedUser, LockoutEvent } from '../messages.js';

/** Okta System Log filter for lockouts, exactly as the product documents it. */
export const LOCKOUT_EVENT_FILTER =
  'eventType eq "user.account.lock" or eventType eq "user.session.start" and outcome.reason eq "LOCKED_OUT"';

export type ReadLockout =
  | { kind: 'lockout'; user: LockedUser; event: LockoutEvent }
  | { kind: 'skip'; why: string };

export function readLockoutEvent(event: LogEvent): ReadLockout {
  const isLock = event.eventType === 'user.account.lock';
  const isLockedSession = event.eventType === 'user.session.start' && event.outcome?.reason === 'LOCKED_OUT';
  if (!isLock && !isLockedSession) return { kind: 'skip', why: `not a lockout event (${event.eventType})` };

  const actor = event.actor;
  const target = (event.target ?? []).find((t) => t.type === 'User' && typeof t.id === 'string' && t.id.length > 0);
  let user: LockedUser | undefined;
  if (actor && actor.type === 'User' && actor.id) {
    user = { id: actor.id, ...(actor.alternateId ? { login: actor.alternateId } : {}) };
  } else if (target?.id) {
    user = { id: target.id, ...(target.alternateId ? { login: target.alternateId } : {}) };
  }
  if (!user) return { kind: 'skip', why: 'the event names no user (no User actor or target)' };
  return {
    kind: 'lockout',
    user,
    event: {
      uuid: event.uuid,
      eventType: event.eventType,
      published: event.published,
      ...(event.outcome?.reason ? { reason: event.outcome.reason } : {}),
    },
  };
}
