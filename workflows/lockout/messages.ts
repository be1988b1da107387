/**
 * The lockout family's public contract: workflow IDs, signals, queries and the shapes they carry.
 * Shared by the workflows, the client, the CLI and the HTTP API.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { ProjectedLogEventSchema } from './log-event.js';

export type UnlockPolicy = 'auto' | 'ask-user' | 'notify-only';

/** One poller per Okta org: starting it twice finds the running one. */
export function lockoutPollerWorkflowId(orgUrl: string): string {
  let host = orgUrl;
  try {
    host = new URL(orgUrl).host;
  } catch {
    // Not a URL: use the value as given.
  }
  return `lockout-poller/${host}`;
}

/** The child for a user's current lockout episode; a new episode reuses the ID in a new run. */
export function lockoutWorkflowId(userId: string): string {
  return `lockout/${userId}`;
}

/** What the poller hands a child about one lockout event (no secrets, small). */
export const LockoutEventSchema = z.object({
  uuid: z.string().min(1),
  eventType: z.string().min(1),
  published: z.string().min(1),
  reason: z.string().optional(),
});
export type LockoutEvent = z.infer<typeof LockoutEventSchema>;

export const LockedUserSchema = z.object({ id: z.string().min(1), login: z.string().optional() });
export type LockedUser = z.infer<typeof LockedUserSchema>;

// Poller → child: another event of the same episode.
export const lockoutEventSignal = defineSignal<[LockoutEvent]>('lockoutEvent');
// Child → poller: the episode is over, a new event for this user starts a new child.
export const lockoutEpisodeEndedSignal = defineSignal<[{ userId: string; runId: string }]>('lockoutEpisodeEnded');

/**
 * Push → poller: System Log events delivered by an Okta event hook, already projected
 * (`projectLogEvent`). They join exactly the poller's own dispatch: deduplicated by event UUID with
 * what polling reads, one episode per user. The validator refuses malformed or oversized batches
 * and a full queue, so a refused push is never half-taken (Okta retries; polling is the backstop).
 */
export const MAX_PUSHED_EVENTS = 100;
export const PushLockoutEventsSchema = z.object({
  events: z.array(ProjectedLogEventSchema).min(1).max(MAX_PUSHED_EVENTS),
  /** Where the events came from, for the audit trail, e.g. "event-hook". */
  source: z.string().min(1).max(64),
});
export type PushLockoutEvents = z.infer<typeof PushLockoutEventsSchema>;
export interface PushLockoutEventsResult {
  /** New lockout events queued for dispatch. */
  accepted: number;
  /** Already seen (by an earlier push or a poll). */
  duplicates: number;
  /** Not lockout events, or naming no valid user. */
  skipped: number;
}
export const pushLockoutEventsUpdate = defineUpdate<PushLockoutEventsResult, [PushLockoutEvents]>('pushLockoutEvents');

// Operators → poller.
export const pausePollerSignal = defineSignal<[{ by?: string; reason?: string }?]>('pausePoller');
export const resumePollerSignal = defineSignal<[{ by?: string }?]>('resumePoller');
export const pollNowSignal = defineSignal('pollNow');

export interface SkippedEventReport {
  uuid: string;
  eventType: string;
  published: string;
  why: string;
}

export interface PollerState {
  orgUrl: string;
  paused: boolean;
  /** A poll is in flight (a pause takes effect when it ends). */
  polling: boolean;
  pausedBy?: string;
  /** The `next` link Okta returned last: where the next poll starts. */
  cursor?: string;
  lastPollAt?: string;
  lastPollError?: string;
  polls: number;
  eventsSeen: number;
  lockoutsStarted: number;
  eventsForwarded: number;
  skippedEvents: number;
  recentSkipped: SkippedEventReport[];
  activeEpisodes: number;
  runsSoFar: number;
}
export const pollerStateQuery = defineQuery<PollerState>('pollerState');

// The locked-out user (via the chat frontend) → child, under the ask-user policy.
export const UnlockReplySchema = z.object({
  answer: z.enum(['yes', 'no']),
  /**
   * The answering person's email as the chat platform verified it. The workflow checks it belongs to
   * the locked-out user: nobody else (say, the person spraying passwords) can answer "yes".
   */
  email: z.string().trim().min(3).max(320),
  chatUserId: z.string().max(200).optional(),
  /** Free-form label for the audit trail (e.g. "slack:U123"). */
  respondent: z.string().max(200).optional(),
});
export type UnlockReply = z.infer<typeof UnlockReplySchema>;
/**
 * What the workflow accepts: replies sent before the email was required lack it. Such a reply is
 * honoured only by runs that began before replies were verified; newer runs ignore it.
 */
export const ReceivedUnlockReplySchema = UnlockReplySchema.extend({ email: UnlockReplySchema.shape.email.optional() });
export type ReceivedUnlockReply = z.infer<typeof ReceivedUnlockReplySchema>;
export const unlockReplySignal = defineSignal<[UnlockReply]>('unlockReply');

export type LockoutPhase = 'checking' | 'awaiting-user' | 'unlocking' | 'notifying' | 'done';
export type LockoutOutcome =
  | 'unlocked'
  | 'already-unlocked'
  | 'not-locked'
  | 'user-not-found'
  | 'declined'
  | 'expired'
  | 'notified-only'
  | 'unlock-unconfirmed'
  | 'failed';

export interface LockoutState {
  userId: string;
  login?: string;
  policy: UnlockPolicy;
  phase: LockoutPhase;
  outcome?: LockoutOutcome;
  statusBefore?: string;
  statusAfter?: string;
  events: LockoutEvent[];
  eventsReceived: number;
  reply?: ReceivedUnlockReply;
  /** Replies ignored because they did not come from the locked-out user. */
  rejectedReplies?: number;
  /** Passes over the user's state: more than one when the user was locked again meanwhile. */
  passes?: number;
  notified: boolean;
  notificationError?: string;
}
export const lockoutStateQuery = defineQuery<LockoutState>('lockoutState');
