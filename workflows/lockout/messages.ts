/**
 * The lockout family's public contract: workflow IDs, signals, queries and the shapes they carry.
 * Shared by the workflows, the client, the CLI and the HTTP API.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { builtOnce } from '../built-once.js';
import { ApprovalDecisionSchema } from '../self-service/messages.js';
import { ProjectedLogEventSchema } from './log-event.js';
import { UnlockPoliciesSchema, type BreakerView } from './policies.js';

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

/**
 * Task queue priority of episodes (1 highest, 5 lowest; 3 is Temporal's default). The poller and its
 * hand-overs run at POLLER_PRIORITY, so during a storm their workflow tasks (reading the log, starting
 * episodes) go ahead of the thousands of episodes' own; episodes would otherwise inherit it.
 */
export const EPISODE_PRIORITY = 3;
export const POLLER_PRIORITY = 1;

/** The child for a user's current lockout episode; a new episode reuses the ID in a new run. */
export function lockoutWorkflowId(userId: string): string {
  return `lockout/${userId}`;
}

/**
 * A workflow that starts the episodes of one slice of a large page for the poller (fan-out): the
 * poller's first run ID and a sequence number carried through continue-as-new (both survive a
 * reset of the poller, so a replayed start names the same workflow); its parent names the poller.
 */
export function lockoutHandOverWorkflowId(pollerFirstRunId: string, seq: number): string {
  return `lockout-hand-over/${pollerFirstRunId}/${seq}`;
}

/** What the poller hands a child about one lockout event (no secrets, small). */
export const LockoutEventSchema = builtOnce('lockout/messages:LockoutEventSchema', () => z.object({
  uuid: z.string().min(1),
  eventType: z.string().min(1),
  published: z.string().min(1),
  reason: z.string().optional(),
  /** Where the sign-in came from and Okta's risk signals (bounded, see log-event.ts); for the unlock policies. */
  client: ProjectedLogEventSchema.shape.client,
  risk: ProjectedLogEventSchema.shape.risk,
}));
export type LockoutEvent = z.infer<typeof LockoutEventSchema>;

export const LockedUserSchema = builtOnce('lockout/messages:LockedUserSchema', () => z.object({ id: z.string().min(1), login: z.string().optional() }));
export type LockedUser = z.infer<typeof LockedUserSchema>;

/**
 * How a poller runs. Sent in full by the starter at every start-up (`reconfigurePoller`), so a running
 * poller follows the deployment's settings; carried through continue-as-new.
 */
export const PollerSettingsSchema = builtOnce('lockout/messages:PollerSettingsSchema', () => z.object({
  /** Okta user calls (check, unlock) of the children: paced by the server at the Okta rate. */
  oktaTaskQueue: z.string().min(1).max(200),
  /** System Log reads: a queue and rate of their own, so a spray of unlocks never delays detection. */
  logTaskQueue: z.string().min(1).max(200).optional(),
  /**
   * Where the poller runs: a queue of its own, so a storm's episodes neither delay its workflow tasks
   * nor push it out of the worker's cache. A poller elsewhere moves there when it continues as new.
   */
  pollerTaskQueue: z.string().min(1).max(200).optional(),
  /** Where hand-overs and episodes run (the main queue); absent: the poller's own queue. */
  episodeTaskQueue: z.string().min(1).max(200).optional(),
  pollIntervalMs: z.number().int().min(100).max(86_400_000),
  lookbackMs: z.number().int().positive().max(90 * 86_400_000),
  pageSize: z.number().int().min(1).max(1000),
  /** A poll follows `next` links while pages are non-empty, up to this many pages; then polls again at once. */
  maxPagesPerPoll: z.number().int().min(1).max(1000).default(10),
  /** Upper bound of one page activity's result in bytes; a larger page is read in parts. */
  maxPageBytes: z.number().int().min(16_384).max(1_500_000).default(262_144),
  /**
   * Children started by one run before it continues as new. Every child counts against the run's
   * pending-child limit (`limit.numPendingChildExecutions.error`, 2,000 by default) until it ends,
   * even when abandoned; a new run starts from zero.
   */
  maxChildrenPerRun: z.number().int().min(1).max(50_000).default(1_000),
  /** When the cursor is lost (foreign or rejected next link), polling restarts this long before the last good poll. */
  fallbackOverlapMs: z.number().int().min(0).max(86_400_000).default(300_000),
  unlock: z.object({
    policy: z.enum(['auto', 'ask-user', 'notify-only']),
    askUserTimeoutMs: z.number().int().positive(),
    recoveryHint: z.string().max(500).optional(),
    oktaCallTimeoutMs: z.number().int().positive().default(30_000),
  }),
  /** Attack-safe unlock policies (storm breaker, threats, protected accounts, re-lock loops, caps); absent: none. */
  policies: UnlockPoliciesSchema.optional(),
  /** Continue-as-new after this many history events even before the server suggests it (tests use a low value). */
  maxHistoryEvents: z.number().int().min(20).default(10_000),
  /**
   * Episodes a storm's hand-overs start per second, one hand-over at a time, in log order: about
   * what the Okta rate can serve (2 calls each). Starting ten thousand at once only
   * queues them on the server (an unrelated lockout's start waits behind all of them) and in the
   * worker's memory. Absent: hand-overs start their episodes all at once.
   */
  stormStartsPerSecond: z.number().min(0.01).max(10_000).optional(),
}));
export type PollerSettings = z.infer<typeof PollerSettingsSchema>;
export type PollerSettingsInput = z.input<typeof PollerSettingsSchema>;

/** Starter → running poller: the settings it should run with from now on (answered with what it applied). */
export const reconfigurePollerUpdate = defineUpdate<PollerSettings, [PollerSettingsInput]>('reconfigurePoller');
/** Starter (poller disabled) or operator → poller: finish the current step and complete. */
export const stopPollerUpdate = defineUpdate<void, [{ by?: string; reason?: string }]>('stopPoller');
/** Operator → poller: forget the cursor and read again from `since` (event UUIDs still deduplicate). */
export const ResetCursorSchema = builtOnce('lockout/messages:ResetCursorSchema', () => z.object({ since: z.iso.datetime({ offset: true }), by: z.string().max(200).optional() }));
export const resetPollerCursorUpdate = defineUpdate<{ since: string }, [z.input<typeof ResetCursorSchema>]>('resetPollerCursor');

/** Operator → poller: close a tripped storm breaker (new episodes follow the configured policy again). */
export const ResumeBreakerSchema = builtOnce('lockout/messages:ResumeBreakerSchema', () => z.object({ by: z.string().max(200).optional() }));
export const resumeBreakerUpdate = defineUpdate<BreakerView, [z.input<typeof ResumeBreakerSchema>]>('resumeBreaker');

// Poller → child: another event of the same episode.
export const lockoutEventSignal = defineSignal<[LockoutEvent]>('lockoutEvent');
// Child → poller (first release only; the current poller ignores it): the episode is over.
export const lockoutEpisodeEndedSignal = defineSignal<[{ userId: string; runId: string }]>('lockoutEpisodeEnded');
/** Child → poller: an episode ended without the user's account being handled (Okta refused or was down). */
export const EpisodeFailureSchema = builtOnce('lockout/messages:EpisodeFailureSchema', () => z.object({
  userId: z.string().max(64),
  runId: z.string().max(64),
  outcome: z.string().max(64),
  error: z.string().max(500).optional(),
}));
export type EpisodeFailure = z.infer<typeof EpisodeFailureSchema>;
export const lockoutEpisodeFailedSignal = defineSignal<[EpisodeFailure]>('lockoutEpisodeFailed');

/** Hand-over → poller: what a fan-out slice did, so the poller's counters and policy memory stay right. */
export const HandOverReportSchema = builtOnce('lockout/messages:HandOverReportSchema', () => z.object({
  /** The reporting hand-over's workflow ID: the poller takes one report per hand-over it started. */
  handOverId: z.string().max(200),
  started: z.number().int().min(0).max(100_000),
  forwarded: z.number().int().min(0).max(1_000_000),
  /** Users whose events joined an open episode after a decision was taken (not a new lockout after all). */
  joined: z.array(z.object({ userId: z.string().max(64), decidedAtMs: z.number() })).max(1_000),
}));
export type HandOverReport = z.infer<typeof HandOverReportSchema>;
export const lockoutHandOverReportSignal = defineSignal<[HandOverReport]>('lockoutHandOverReport');
/** Poller → waiting hand-over: its turn to start its episodes (the one before it has reported), at this rate. */
export const HandOverTurnSchema = builtOnce('lockout/messages:HandOverTurnSchema', () => z.object({ startsPerSecond: z.number().min(0.01).max(10_000).optional() }));
export const lockoutHandOverTurnSignal = defineSignal<[z.infer<typeof HandOverTurnSchema>?]>('lockoutHandOverTurn');

/**
 * Push → poller: System Log events delivered by an Okta event hook, already projected
 * (`projectLogEvent`). They join exactly the poller's own dispatch: deduplicated by event UUID with
 * what polling reads, one episode per user. The validator refuses malformed or oversized batches
 * and a full queue, so a refused push is never half-taken (Okta retries; polling is the backstop).
 */
export const MAX_PUSHED_EVENTS = 100;
export const PushLockoutEventsSchema = builtOnce('lockout/messages:PushLockoutEventsSchema', () => z.object({
  events: z.array(ProjectedLogEventSchema).min(1).max(MAX_PUSHED_EVENTS),
  /** Where the events came from, for the audit trail, e.g. "event-hook". */
  source: z.string().min(1).max(64),
}));
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

export interface PollerHealth {
  /** `ok`; `degraded` when the cursor was lost and polling runs from `since` with an overlap. */
  status: 'ok' | 'degraded';
  reason?: string;
  since?: string;
}

export interface PollerState {
  orgUrl: string;
  settings?: PollerSettings;
  health?: PollerHealth;
  /** When the cursor is lost or reset: where the next poll starts. */
  since?: string;
  lastSuccessfulPollAt?: string;
  /** Pushed events waiting for dispatch. */
  queued?: number;
  pushed?: { accepted: number; duplicates: number; skipped: number };
  /** Children started by this run (bounded by `maxChildrenPerRun`). */
  childrenThisRun?: number;
  episodesFailed?: number;
  recentFailures?: (EpisodeFailure & { at: string })[];
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
  /** The storm breaker (absent when the unlock policies are off). */
  breaker?: BreakerView;
  /** Users whose recent lockouts the policies remember (bounded). */
  policyUsersTracked?: number;
  /** First release only: episodes it knew to be open. */
  activeEpisodes?: number;
  /** A storm's hand-overs: waiting for their turn, and starting episodes now. */
  handOvers?: { waiting: number; active: number };
  runsSoFar: number;
}
export const pollerStateQuery = defineQuery<PollerState>('pollerState');

// The locked-out user (via the chat frontend) → child, under the ask-user policy.
export const UnlockReplySchema = builtOnce('lockout/messages:UnlockReplySchema', () => z.object({
  answer: z.enum(['yes', 'no']),
  /**
   * The answering person's email as the chat platform verified it. The workflow checks it belongs to
   * the locked-out user: nobody else (say, the person spraying passwords) can answer "yes".
   */
  email: z.string().trim().min(3).max(320),
  chatUserId: z.string().max(200).optional(),
  /** Free-form label for the audit trail (e.g. "slack:U123"). */
  respondent: z.string().max(200).optional(),
}));
export type UnlockReply = z.infer<typeof UnlockReplySchema>;
/**
 * What the workflow accepts: replies sent before the email was required lack it. Such a reply is
 * honoured only by runs that began before replies were verified; newer runs ignore it.
 */
export const ReceivedUnlockReplySchema = builtOnce('lockout/messages:ReceivedUnlockReplySchema', () => UnlockReplySchema.extend({ email: UnlockReplySchema.shape.email.optional() }));
export type ReceivedUnlockReply = z.infer<typeof ReceivedUnlockReplySchema>;
export const unlockReplySignal = defineSignal<[UnlockReply]>('unlockReply');

export type LockoutPhase = 'checking' | 'awaiting-user' | 'awaiting-approval' | 'unlocking' | 'notifying' | 'done';
export type LockoutOutcome =
  | 'unlocked'
  | 'relock-loop'
  | 'already-unlocked'
  | 'not-locked'
  | 'user-not-found'
  | 'declined'
  | 'expired'
  | 'notified-only'
  /** Not unlocked on purpose by an unlock policy (storm breaker, re-lock loop across episodes). */
  | 'held'
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
  /** Why the episode failed (Okta's error type and code; never a credential). */
  error?: string;
  /** Why an unlock policy changed how this episode is handled. */
  policyReasons?: string[];
  /** The account is in a protected group: a helpdesk approval decides. */
  approval?: { required: true; decision?: 'approved' | 'denied'; by?: string; rejectedAttempts: number };
  /** Informational messages not sent because of the per-user daily cap. */
  notificationsCapped?: number;
  /** Malformed signals (events or replies) ignored by this run. */
  ignoredMessages?: number;
}
export const lockoutStateQuery = defineQuery<LockoutState>('lockoutState');

/**
 * A helpdesk approver decides on unlocking a protected (or suspicious) account: the same update name
 * and decision shape as the self-service approvals. Verified in the workflow: the approver must be a
 * known Okta user in the helpdesk group (or listed), and nobody approves the unlock of their own account.
 */
export const UnlockApprovalSchema = ApprovalDecisionSchema;
export interface UnlockApprovalResult {
  accepted: boolean;
  code?: 'not-awaiting' | 'not-allowed' | 'check-failed';
  message: string;
}
export const decideUnlockApprovalUpdate = defineUpdate<UnlockApprovalResult, [z.input<typeof ApprovalDecisionSchema>]>('decideApproval');
