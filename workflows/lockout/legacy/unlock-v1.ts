/**
 * FROZEN: the first release of the lockout child, kept so that runs started by older workers still
 * replay; `lockoutWorkflow` runs it for histories that began before the current implementation.
 * Do not change it except to fix an import.
 *
 * One lockout episode of one user: check the user is still locked, unlock (or ask first, or only
 * tell them how to recover), confirm, and tell the user in chat. Durable on its own: it outlives
 * the poller that started it (parent close policy ABANDON).
 */
import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { z } from 'zod';
import { builtOnce } from '../../built-once.js';
import type { NotifyActivities } from '../../../activities/notify/activities.js';
import type { UserNotification } from '../../../activities/notify/notifier.js';
import type { OktaActivities } from '../../../activities/okta-activities.js';
import { AccessActionKey, AccessOutcomeKey, OktaLoginKey, OktaUserIdKey } from '../../search-attributes.js';
import {
  LockedUserSchema,
  LockoutEventSchema,
  ReceivedUnlockReplySchema,
  lockoutEpisodeEndedSignal,
  lockoutEventSignal,
  lockoutStateQuery,
  unlockReplySignal,
  type LockoutOutcome,
  type LockoutState,
  type ReceivedUnlockReply,
} from '../messages.js';

const LockoutInputSchema = builtOnce('lockout/legacy/unlock-v1:LockoutInputSchema', () => z.object({
  user: LockedUserSchema,
  firstEvent: LockoutEventSchema,
  policy: z.enum(['auto', 'ask-user', 'notify-only']),
  askUserTimeoutMs: z.number().int().positive(),
  /** Okta activities run on their own, rate-paced task queue. */
  oktaTaskQueue: z.string().min(1),
  /** The poller to tell when this episode ends (absent when started by hand). */
  pollerWorkflowId: z.string().optional(),
  /** Where to send the user for self-service recovery (notify-only policy). */
  recoveryHint: z.string().optional(),
  /** How long one Okta call may take before Temporal retries it elsewhere (e.g. after a worker crash). */
  oktaCallTimeoutMs: z.number().int().positive().default(30_000),
}));
export type LockoutInputV1 = z.input<typeof LockoutInputSchema>;

/** Keep the per-run event list small: the count says how many there were. */
const MAX_EVENTS_KEPT = 20;

export async function lockoutWorkflowV1(rawInput: LockoutInputV1): Promise<LockoutState> {
  const parsed = LockoutInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    // Fail the run (visible in the UI) rather than retry a workflow task forever.
    throw ApplicationFailure.nonRetryable(`invalid lockout input: ${z.prettifyError(parsed.error)}`, 'InvalidWorkflowInput');
  }
  const input = parsed.data;
  const okta = oktaActivities(input.oktaTaskQueue, input.oktaCallTimeoutMs);
  const { workflowId } = workflowInfo();

  const state: LockoutState = {
    userId: input.user.id,
    ...(input.user.login ? { login: input.user.login } : {}),
    policy: input.policy,
    phase: 'checking',
    events: [input.firstEvent],
    eventsReceived: 1,
    notified: false,
  };
  let reply: ReceivedUnlockReply | undefined;

  setHandler(lockoutStateQuery, () => state);
  setHandler(lockoutEventSignal, (raw) => {
    const event = LockoutEventSchema.safeParse(raw);
    if (!event.success) {
      log.warn('ignored malformed lockout event signal', { problem: z.prettifyError(event.error) });
      return;
    }
    state.eventsReceived += 1;
    if (state.events.length < MAX_EVENTS_KEPT && !state.events.some((e) => e.uuid === event.data.uuid)) state.events.push(event.data);
  });
  setHandler(unlockReplySignal, (raw) => {
    const parsedReply = ReceivedUnlockReplySchema.safeParse(raw);
    if (!parsedReply.success) {
      log.warn('ignored malformed unlock reply', { problem: z.prettifyError(parsedReply.error) });
      return;
    }
    reply ??= parsedReply.data;
  });

  upsertSearchAttributes([
    { key: OktaUserIdKey, value: input.user.id },
    ...(input.user.login ? [{ key: OktaLoginKey, value: input.user.login }] : []),
    { key: AccessActionKey, value: 'unlock' },
    { key: AccessOutcomeKey, value: 'pending' },
  ]);
  upsertMemo({ firstEventUuid: input.firstEvent.uuid, firstEventType: input.firstEvent.eventType, policy: input.policy });

  const finish = async (outcome: LockoutOutcome): Promise<LockoutState> => {
    state.outcome = outcome;
    state.phase = 'done';
    upsertSearchAttributes([{ key: AccessOutcomeKey, value: outcome }]);
    await tellPollerEpisodeEnded(input.pollerWorkflowId, input.user.id);
    return state;
  };
  const notify = async (kind: UserNotification['kind'], text: string, data?: Record<string, unknown>) => {
    state.phase = 'notifying';
    try {
      await notifyUser({ kind, userId: input.user.id, ...(input.user.login ? { login: input.user.login } : {}), text, workflowId, ...(data ? { data } : {}) });
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
      // Runs that began before replies were verified keep their original behaviour on replay.
      if (!patched(VERIFY_REPLY_SENDER)) return true;
      const responder = reply!.email ? await okta.oktaFindUser(reply!.email) : null;
      if (responder?.id === input.user.id) return true;
      // Someone else (or an unknown email) answered: maybe the very person spraying passwords.
      state.rejectedReplies = (state.rejectedReplies ?? 0) + 1;
      log.warn('ignored an unlock reply from someone other than the locked-out user', { userId: input.user.id });
      reply = undefined;
    }
  };

  /** One pass over the user's current state: check, (ask), unlock, confirm, tell. */
  const handleEpisode = async (): Promise<{ outcome: LockoutOutcome; eventsAtCheck: number }> => {
    state.phase = 'checking';
    const before = await okta.oktaGetUser(input.user.id);
    const eventsAtCheck = state.eventsReceived;
    if (!before) return { outcome: 'user-not-found', eventsAtCheck };
    state.statusBefore = before.status;
    if (!state.login) {
      state.login = before.login;
      upsertSearchAttributes([{ key: OktaLoginKey, value: before.login }]);
    }
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
    const after = await okta.oktaGetUser(input.user.id);
    if (after) state.statusAfter = after.status;
    if (after?.status !== 'ACTIVE') {
      log.warn('user not ACTIVE after unlock', { userId: input.user.id, status: after?.status ?? 'gone' });
      return { outcome: 'unlock-unconfirmed', eventsAtCheck };
    }
    // "Not locked" here means someone (an admin, Okta's timer, or our own earlier attempt cut short by
    // a worker crash) unlocked between our check and our call: the user is ACTIVE either way, so say so.
    await notify('lockout-unlocked', 'Your Okta account was locked after too many sign-in attempts and is now unlocked. Your password is unchanged; sign in again.');
    return { outcome: unlock.outcome === 'unlocked' ? 'unlocked' : 'already-unlocked', eventsAtCheck };
  };

  let outcome: LockoutOutcome | undefined;
  for (let round = 1; ; round++) {
    const pass = await handleEpisode();
    // A later pass that finds the user not locked does not undo what an earlier pass did.
    if (!outcome || pass.outcome !== 'not-locked') outcome = pass.outcome;
    // Events that arrived after the status check may mean the user was locked again meanwhile (the
    // poller sends them here while this episode is open): look again, or they would go unanswered.
    const maybeRelocked = state.eventsReceived > pass.eventsAtCheck && RECHECK_AFTER.has(pass.outcome);
    if (!maybeRelocked || !patched(RECHECK_RELOCKED_USER)) break;
    if (round >= MAX_PASSES) {
      log.warn('user keeps getting locked out: leaving it to a human', { userId: input.user.id, passes: round });
      break;
    }
    state.passes = round + 1;
  }
  return finish(outcome);
}

// Workflow versioning markers (`patched`): changes after the first release, so older runs still replay.
const VERIFY_REPLY_SENDER = 'lockout-verify-reply-sender';
const RECHECK_RELOCKED_USER = 'lockout-recheck-relocked-user';

/** Outcomes after which the user may be locked again by a newer event (the others keep the lock on purpose). */
const RECHECK_AFTER = new Set<LockoutOutcome>(['unlocked', 'already-unlocked', 'not-locked', 'unlock-unconfirmed']);
/** A spray that re-locks a user over and over is not fixed by unlocking it over and over. */
const MAX_PASSES = 3;

function notifyOnlyText(recoveryHint: string | undefined): string {
  return (
    'Your Okta account is locked after too many sign-in attempts. ' +
    (recoveryHint ? `To recover it, ${recoveryHint}` : 'Ask the helpdesk, or wait for the lock to expire, to sign in again.')
  );
}

async function tellPollerEpisodeEnded(pollerWorkflowId: string | undefined, userId: string): Promise<void> {
  if (!pollerWorkflowId) return;
  try {
    await getExternalWorkflowHandle(pollerWorkflowId).signal(lockoutEpisodeEndedSignal, { userId, runId: workflowInfo().runId });
  } catch {
    // The poller is gone (stopped by an operator): nothing to tell; its successor signals or starts afresh.
  }
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
