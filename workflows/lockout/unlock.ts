/**
 * One lockout episode of one user: check the user is still locked, unlock (or ask first, or only
 * tell them how to recover), and tell the user in chat. Durable on its own: it outlives the poller
 * that started it (parent close policy ABANDON).
 *
 * Lean on purpose — a spray starts thousands of these: two Okta calls in the common case (Okta's
 * 200 to the unlock already means ACTIVE; only an unexpected answer gets a second look) and about
 * 25 history events. Search attributes and memo come with the start, not as extra commands.
 *
 * No event is accepted and then dropped: the decision to complete is taken synchronously after the
 * last await, so an event signalled after the final status check either arrives in the same
 * activation (and is looked at in another pass) or makes the server reject the completion and
 * deliver it first. Events that keep coming after MAX_PASSES end the episode as a re-lock loop,
 * which the user is told about.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { z } from 'zod';
import type { NotifyActivities } from '../../activities/notify/activities.js';
import type { UserNotification } from '../../activities/notify/notifier.js';
import type { OktaActivities } from '../../activities/okta-activities.js';
import { AccessActionKey, AccessOutcomeKey, OktaLoginKey, OktaUserIdKey } from '../search-attributes.js';
import { lockoutWorkflowV1, type LockoutInputV1 } from './legacy/unlock-v1.js';
import {
  LockedUserSchema,
  LockoutEventSchema,
  ReceivedUnlockReplySchema,
  lockoutEpisodeFailedSignal,
  lockoutEventSignal,
  lockoutStateQuery,
  unlockReplySignal,
  type LockoutOutcome,
  type LockoutState,
  type ReceivedUnlockReply,
} from './messages.js';

export const LockoutInputSchema = z.object({
  user: LockedUserSchema,
  firstEvent: LockoutEventSchema,
  policy: z.enum(['auto', 'ask-user', 'notify-only']),
  askUserTimeoutMs: z.number().int().positive(),
  /** Okta activities run on their own, rate-paced task queue. */
  oktaTaskQueue: z.string().min(1),
  /** The poller to tell when this episode fails (absent when started by hand). */
  pollerWorkflowId: z.string().optional(),
  /** Where to send the user for self-service recovery (notify-only policy). */
  recoveryHint: z.string().optional(),
  /** How long one Okta call may take before Temporal retries it elsewhere (e.g. after a worker crash). */
  oktaCallTimeoutMs: z.number().int().positive().default(30_000),
  /** More events of the same user from the same page, handed over with the start instead of as signals. */
  moreEvents: z.array(LockoutEventSchema).max(20).optional(),
  /** The starter set the search attributes and memo with the start (saves a command per child). */
  attributesAtStart: z.boolean().optional(),
});
export type LockoutInput = z.input<typeof LockoutInputSchema>;

/** Keep the per-run event list small: the count says how many there were. */
const MAX_EVENTS_KEPT = 20;
/** A user locked again this many times within one episode is left to a human. */
const MAX_PASSES = 3;
/** Outcomes after which a newer event may mean a new lock (the others keep the lock on purpose). */
const RECHECK_AFTER = new Set<LockoutOutcome>(['unlocked', 'already-unlocked', 'not-locked', 'unlock-unconfirmed']);
/** Workflow versioning marker: runs without it began on the first release and replay its code. */
export const LOCKOUT_V2 = 'lockout-child-v2';

export async function lockoutWorkflow(rawInput: LockoutInput): Promise<LockoutState> {
  if (!patched(LOCKOUT_V2)) return lockoutWorkflowV1(rawInput as LockoutInputV1);
  const parsed = LockoutInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    // Fail the run (visible in the UI) rather than retry a workflow task forever.
    throw ApplicationFailure.nonRetryable(`invalid lockout input: ${z.prettifyError(parsed.error)}`, 'InvalidWorkflowInput');
  }
  const input = parsed.data;
  const okta = oktaActivities(input.oktaTaskQueue, input.oktaCallTimeoutMs);
  const { workflowId, runId } = workflowInfo();
  const initial = [input.firstEvent, ...(input.moreEvents ?? [])];
  const state: LockoutState = {
    userId: input.user.id,
    ...(input.user.login ? { login: input.user.login } : {}),
    policy: input.policy,
    phase: 'checking',
    events: initial.slice(0, MAX_EVENTS_KEPT),
    eventsReceived: initial.length,
    notified: false,
  };
  let reply: ReceivedUnlockReply | undefined;
  const ignore = (what: string, problem: string) => {
    state.ignoredMessages = (state.ignoredMessages ?? 0) + 1;
    log.warn(`ignored a malformed ${what}`, { problem: problem.slice(0, 300) });
  };

  setHandler(lockoutStateQuery, () => state);
  setHandler(lockoutEventSignal, (raw) => {
    const event = LockoutEventSchema.safeParse(raw);
    if (!event.success) return ignore('lockout event', z.prettifyError(event.error));
    state.eventsReceived += 1;
    if (state.events.length < MAX_EVENTS_KEPT && !state.events.some((e) => e.uuid === event.data.uuid)) state.events.push(event.data);
  });
  setHandler(unlockReplySignal, (raw) => {
    const parsedReply = ReceivedUnlockReplySchema.safeParse(raw);
    if (!parsedReply.success) return ignore('unlock reply', z.prettifyError(parsedReply.error));
    reply ??= parsedReply.data;
  });

  // The poller sets these with the start; a run started by hand sets them here.
  if (!input.attributesAtStart) {
    upsertSearchAttributes([
      { key: OktaUserIdKey, value: input.user.id },
      ...(input.user.login ? [{ key: OktaLoginKey, value: input.user.login }] : []),
      { key: AccessActionKey, value: 'unlock' },
      { key: AccessOutcomeKey, value: 'pending' },
    ]);
  }

  const notify = async (kind: UserNotification['kind'], text: string, data?: Record<string, unknown>) => {
    state.phase = 'notifying';
    try {
      await notifyUser({ kind, userId: input.user.id, ...(state.login ? { login: state.login } : {}), text, workflowId, ...(data ? { data } : {}) });
      state.notified = true;
    } catch (err) {
      // A chat outage must not undo or fail the unlock: record it for operators and move on.
      state.notificationError = err instanceof Error ? err.message : String(err);
      log.warn('user notification failed', { userId: input.user.id, error: state.notificationError });
    }
  };

  /** Waits for a reply from the locked-out user themselves; false when time runs out. */
  const awaitOwnReply = async (): Promise<boolean> => {
    const deadline = new Date().getTime() + input.askUserTimeoutMs;
    for (;;) {
      const remaining = deadline - new Date().getTime();
      if (remaining <= 0 || !(await condition(() => reply !== undefined, remaining))) return false;
      const responder = reply!.email ? await okta.oktaFindUser(reply!.email) : null;
      if (responder?.id === input.user.id) return true;
      // Someone else (or an unknown email) answered: maybe the very person spraying passwords.
      state.rejectedReplies = (state.rejectedReplies ?? 0) + 1;
      log.warn('ignored an unlock reply from someone other than the locked-out user', { userId: input.user.id });
      reply = undefined;
    }
  };

  /** One pass over the user's current state: check, (ask), unlock, tell. */
  const handleEpisode = async (): Promise<{ outcome: LockoutOutcome; eventsAtCheck: number }> => {
    state.phase = 'checking';
    const before = await okta.oktaGetUser(input.user.id);
    const eventsAtCheck = state.eventsReceived;
    if (!before) return { outcome: 'user-not-found', eventsAtCheck };
    state.statusBefore = before.status;
    state.login ??= before.login;
    if (before.status !== 'LOCKED_OUT') return { outcome: 'not-locked', eventsAtCheck };

    if (input.policy === 'notify-only') {
      await notify('lockout-notify-only', notifyOnlyText(input.recoveryHint));
      return { outcome: 'notified-only', eventsAtCheck };
    }
    if (input.policy === 'ask-user') {
      await notify('lockout-ask-user', 'Your Okta account is locked after too many sign-in attempts. Was that you? Reply "yes" to unlock it now, or "no" if it was not you.', {
        replySignal: 'unlockReply',
        answers: ['yes', 'no'],
        expiresInMs: input.askUserTimeoutMs,
      });
      state.phase = 'awaiting-user';
      if (!(await awaitOwnReply())) {
        await notify('lockout-ask-expired', 'Your Okta account is still locked: we did not hear back in time. Ask again in chat or contact the helpdesk.');
        return { outcome: 'expired', eventsAtCheck };
      }
      state.reply = reply;
      if (reply?.answer === 'no') {
        await notify('lockout-declined', 'Understood: your account stays locked. If it was not you, someone may be trying your password: tell the helpdesk.');
        return { outcome: 'declined', eventsAtCheck };
      }
    }

    state.phase = 'unlocking';
    const unlock = await okta.oktaUnlockUser(input.user.id);
    if (unlock.outcome === 'unlocked') {
      // Okta answers 200 only after returning the user to ACTIVE: no need to read the user again.
      state.statusAfter = 'ACTIVE';
      await notify('lockout-unlocked', UNLOCKED_TEXT);
      return { outcome: 'unlocked', eventsAtCheck };
    }
    // "Not locked": someone (an admin, Okta's timer, or our own earlier attempt cut short by a worker
    // crash) changed the user between our check and our call. The unexpected answer gets a look.
    const after = await okta.oktaGetUser(input.user.id);
    if (after) state.statusAfter = after.status;
    if (after?.status !== 'ACTIVE') {
      log.warn('user not ACTIVE after unlock', { userId: input.user.id, status: after?.status ?? 'gone' });
      return { outcome: 'unlock-unconfirmed', eventsAtCheck };
    }
    await notify('lockout-unlocked', UNLOCKED_TEXT);
    return { outcome: 'already-unlocked', eventsAtCheck };
  };

  /** Okta refused (401/403...) or stayed unreachable through every retry: say so to everyone who needs to know. */
  const fail = async (err: unknown): Promise<LockoutOutcome> => {
    state.error = describeFailure(err);
    log.error('lockout episode failed', { userId: input.user.id, error: state.error });
    await notify('lockout-failed', 'Your Okta account is locked and we could not unlock it automatically. The helpdesk has been told; contact them to get back in.');
    if (input.pollerWorkflowId) {
      try {
        await getExternalWorkflowHandle(input.pollerWorkflowId).signal(lockoutEpisodeFailedSignal, { userId: input.user.id, runId, outcome: 'failed', error: state.error });
      } catch {
        // The poller is gone (stopped by an operator): the failed run and its search attribute remain.
      }
    }
    return 'failed';
  };

  let outcome: LockoutOutcome | undefined;
  for (let round = 1; ; round++) {
    let pass: { outcome: LockoutOutcome; eventsAtCheck: number };
    const eventsAtStart = state.eventsReceived;
    try {
      pass = await handleEpisode();
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      pass = { outcome: await fail(err), eventsAtCheck: eventsAtStart };
    }
    // A later pass that finds the user not locked does not undo what an earlier pass did.
    if (!outcome || pass.outcome !== 'not-locked') outcome = pass.outcome;
    // From here to the return there is no await: see the module comment.
    const newer = state.eventsReceived > pass.eventsAtCheck;
    if (!newer || !RECHECK_AFTER.has(pass.outcome)) break;
    if (round >= MAX_PASSES) {
      log.warn('user keeps getting locked out: leaving it to a human', { userId: input.user.id, passes: round });
      outcome = 'relock-loop';
      await notify('lockout-relock-loop', RELOCK_LOOP_TEXT);
      break;
    }
    state.passes = round + 1;
  }
  state.outcome = outcome;
  state.phase = 'done';
  upsertSearchAttributes([{ key: AccessOutcomeKey, value: outcome }]);
  return state;
}

const UNLOCKED_TEXT = 'Your Okta account was locked after too many sign-in attempts and is now unlocked. Your password is unchanged; sign in again.';
const RELOCK_LOOP_TEXT =
  'Your Okta account keeps getting locked again right after it is unlocked. Usually a phone, laptop or mail app is still signing in with an old password: ' +
  'update or remove the saved password on your devices, then ask the helpdesk to unlock the account.';

function notifyOnlyText(recoveryHint: string | undefined): string {
  return (
    'Your Okta account is locked after too many sign-in attempts. ' +
    (recoveryHint ? `To recover it, ${recoveryHint}` : 'Ask the helpdesk, or wait for the lock to expire, to sign in again.')
  );
}

/** "OktaForbidden E0000006: You do not have permission..." — type and code from the activity edge, bounded. */
function describeFailure(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const type = cause instanceof ApplicationFailure && cause.type ? `${cause.type}: ` : '';
  const message = cause instanceof Error ? cause.message : String(cause);
  return `${type}${message}`.slice(0, 500);
}

function oktaActivities(taskQueue: string, timeoutMs: number) {
  return proxyActivities<OktaActivities>({
    taskQueue,
    startToCloseTimeout: timeoutMs,
    // Okta-aware: 429s carry their own nextRetryDelay; 4xx are non-retryable at the activity edge.
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
  });
}

const { notifyUser } = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 },
});
