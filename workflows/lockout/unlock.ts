/**
 * One lockout episode of one user: check the user is still locked, unlock (or ask first, or only
 * tell them how to recover), and tell the user in chat. Durable on its own: it outlives the poller
 * that started it (parent close policy ABANDON).
 *
 * Lean on purpose — a spray starts thousands of these: two Okta calls in the common case (Okta's
 * 200 to the unlock already means ACTIVE; only an unexpected answer gets a second look) and at most
 * 30 history events (each versioning marker costs two). Protected groups are checked by the first
 * activity from the worker's cache of their members; only when that cache cannot tell does the child
 * read the user's groups (a third call). Search attributes and memo come with the start, not as extra
 * commands.
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
import { builtOnce } from '../built-once.js';
import type { NotifyActivities } from '../../activities/notify/activities.js';
import type { UserNotification } from '../../activities/notify/notifier.js';
import type { OktaActivities } from '../../activities/okta-activities.js';
import { recordLockToUnlockSeconds, recordLockoutOutcome, type LockoutOutcomeMetric } from '../metrics.js';
import type { ApprovalDecision } from '../self-service/messages.js';
import { AccessActionKey, AccessOutcomeKey, OktaLoginKey, OktaUserIdKey } from '../search-attributes.js';
import { lockoutWorkflowV1, type LockoutInputV1 } from './legacy/unlock-v1.js';
import { EpisodeDecisionSchema } from './policies.js';
import {
  LockedUserSchema,
  LockoutEventSchema,
  ReceivedUnlockReplySchema,
  UnlockApprovalSchema,
  decideUnlockApprovalUpdate,
  type UnlockApprovalResult,
  lockoutEpisodeFailedSignal,
  lockoutEventSignal,
  lockoutStateQuery,
  unlockReplySignal,
  type LockoutOutcome,
  type LockoutState,
  type ReceivedUnlockReply,
} from './messages.js';

export const LockoutInputSchema = builtOnce('lockout/unlock:LockoutInputSchema', () => z.object({
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
  /** What the poller's unlock policies decided for this episode (policies.ts); absent: the plain policy. */
  decision: EpisodeDecisionSchema.optional(),
}));
export type LockoutInput = z.input<typeof LockoutInputSchema>;

/** Keep the per-run event list small: the count says how many there were. */
const MAX_EVENTS_KEPT = 20;
/** A user locked again this many times within one episode is left to a human. */
const MAX_PASSES = 3;
/** Outcomes after which a newer event may mean a new lock (the others keep the lock on purpose). */
const RECHECK_AFTER = new Set<LockoutOutcome>(['unlocked', 'already-unlocked', 'not-locked', 'unlock-unconfirmed']);
/** Workflow versioning marker: runs without it began on the first release and replay its code. */
export const LOCKOUT_V2 = 'lockout-child-v2';
/** Versioning marker of the attack-safe unlock policies (runs before it never carry a decision). */
export const LOCKOUT_POLICIES = 'lockout-child-policies';
/** Versioning marker of the combined first check (user + protected-group membership in one activity). */
export const LOCKOUT_LEAN_CHECK = 'lockout-child-lean-check';

export async function lockoutWorkflow(rawInput: LockoutInput): Promise<LockoutState> {
  if (!patched(LOCKOUT_V2)) return lockoutWorkflowV1(rawInput as LockoutInputV1);
  const parsed = LockoutInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    // Fail the run (visible in the UI) rather than retry a workflow task forever.
    throw ApplicationFailure.nonRetryable(`invalid lockout input: ${z.prettifyError(parsed.error)}`, 'InvalidWorkflowInput');
  }
  const input = parsed.data;
  const decision = input.decision && patched(LOCKOUT_POLICIES) ? input.decision : undefined;
  const protectedGroups = decision?.protectedGroups;
  // Only runs that check protected groups get the marker: the others keep their event count.
  const leanCheck = protectedGroups?.length ? patched(LOCKOUT_LEAN_CHECK) : false;
  /** Informational messages still allowed by the per-user daily cap (undefined: no cap). */
  let notifyBudget = decision?.notifyBudget;
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
    ...(decision?.reasons.length ? { policyReasons: decision.reasons } : {}),
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
    // The daily cap never hides a question that needs an answer, nor a message to the helpdesk.
    const capped = kind !== 'lockout-ask-user' && kind !== 'lockout-approval-request';
    if (capped && notifyBudget !== undefined) {
      if (notifyBudget <= 0) {
        state.notificationsCapped = (state.notificationsCapped ?? 0) + 1;
        log.info('user notification withheld by the daily cap', { userId: input.user.id, kind });
        return;
      }
      notifyBudget -= 1;
    }
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

  // ---- helpdesk approval (protected accounts, threats sent to the helpdesk) -------------------------
  let approvalDecision: ApprovalDecision | undefined;
  const decideApproval = async (raw: z.input<typeof UnlockApprovalSchema>): Promise<UnlockApprovalResult> => {
    const d = UnlockApprovalSchema.parse(raw);
    const waiting = () => state.phase === 'awaiting-approval' && state.approval !== undefined && state.approval.decision === undefined;
    const reject = (message: string): UnlockApprovalResult => {
      if (state.approval) state.approval.rejectedAttempts += 1;
      log.warn('unlock approval attempt rejected', { approver: d.approver, why: message });
      return { accepted: false, code: 'not-allowed', message };
    };
    if (!waiting()) return { accepted: false, code: 'not-awaiting', message: 'This lockout is not waiting for approval.' };
    let approver: Awaited<ReturnType<OktaActivities['oktaFindUser']>>;
    let groups: { name: string }[] = [];
    try {
      approver = await okta.oktaFindUser(d.approver);
      if (approver && approver.id !== input.user.id) groups = await okta.oktaListUserGroups(approver.id);
    } catch (err) {
      log.warn('unlock approver could not be checked', { approver: d.approver, error: describeFailure(err) });
      return { accepted: false, code: 'check-failed', message: 'The approver could not be checked right now (Okta did not answer); try again.' };
    }
    if (!waiting()) return { accepted: false, code: 'not-awaiting', message: 'This lockout is not waiting for approval.' };
    if (!approver) return reject('The approver is not a known Okta user.');
    if (approver.id === input.user.id) return reject('Nobody may approve the unlock of their own account.');
    const helpdesk = decision?.helpdesk;
    const ids = [approver.login.toLowerCase(), approver.email?.toLowerCase()].filter((x): x is string => Boolean(x));
    const isHelpdesk = ids.some((id) => helpdesk?.logins.some((l) => l.toLowerCase() === id)) || (helpdesk?.group !== undefined && groups.some((g) => g.name === helpdesk.group));
    if (!isHelpdesk) return reject('Only helpdesk staff may approve this unlock.');
    approvalDecision = d;
    state.approval!.decision = d.decision === 'approve' ? 'approved' : 'denied';
    state.approval!.by = approver.login;
    log.info('unlock approval decided', { decision: state.approval!.decision, by: approver.login });
    return { accepted: true, message: `Unlock ${state.approval!.decision}.` };
  };
  if (decision) setHandler(decideUnlockApprovalUpdate, decideApproval, { validator: (d) => void UnlockApprovalSchema.parse(d) });

  let protectedMember: boolean | undefined;
  /** Known from the first check (the worker's member cache), else one group read, only when the episode would otherwise unlock. */
  const isProtected = async (): Promise<boolean> => {
    if (!protectedGroups?.length) return false;
    protectedMember ??= (await okta.oktaListUserGroups(input.user.id)).some((g) => protectedGroups.includes(g.name));
    return protectedMember;
  };
  /** The user, and with the lean check whether it is protected, in one activity. */
  const checkUser = async () => {
    if (!leanCheck) return okta.oktaGetUser(input.user.id);
    const checked = await okta.oktaCheckLockout({ userId: input.user.id, protectedGroups });
    if (checked.protectedMember !== undefined) protectedMember ??= checked.protectedMember;
    return checked.user;
  };

  /** Asks the helpdesk and waits for a verified decision; the user is told what is going on. */
  const awaitHelpdesk = async (why: string): Promise<'approved' | 'denied' | 'expired'> => {
    state.approval = { required: true, rejectedAttempts: 0 };
    await notify('lockout-approval-request', `${state.login ?? input.user.id} is locked out and is not unlocked automatically (${why}). Approve or deny the unlock.`, {
      audience: 'helpdesk',
      approvalUpdate: 'decideApproval',
      answers: ['approve', 'deny'],
      expiresInMs: input.askUserTimeoutMs,
      reasons: [why],
    });
    await notify('lockout-held', 'Your Okta account is locked. For your protection it is not unlocked automatically: the helpdesk has been asked to check and unlock it.');
    state.phase = 'awaiting-approval';
    const decided = await condition(() => approvalDecision !== undefined, input.askUserTimeoutMs);
    if (!decided) return 'expired';
    return approvalDecision!.decision === 'approve' ? 'approved' : 'denied';
  };

  /** What the unlock policies say before anything is unlocked; undefined: go on with `policy`. */
  const applyPolicies = async (): Promise<{ outcome?: LockoutOutcome; policy: LockoutInput['policy'] }> => {
    if (!decision) return { policy: input.policy };
    if (decision.mode === 'relock-stop') {
      await notify('lockout-relock-stop', RELOCK_STOP_TEXT);
      return { outcome: 'relock-loop', policy: input.policy };
    }
    if (decision.mode === 'hold') {
      await notify('lockout-held', 'Your Okta account is locked. During an unusual number of lockouts accounts are not unlocked automatically: contact the helpdesk, or wait for the lock to expire.');
      return { outcome: 'held', policy: input.policy };
    }
    if (input.policy === 'notify-only') return { policy: input.policy };
    const protectedAccount = await isProtected();
    if (protectedAccount || decision.mode === 'helpdesk') {
      const why = protectedAccount ? 'protected account' : (decision.reasons[0] ?? 'suspicious lockout');
      const answer = await awaitHelpdesk(why);
      if (answer === 'expired') {
        await notify('lockout-ask-expired', 'Your Okta account is still locked: the helpdesk did not decide in time. Contact the helpdesk.');
        return { outcome: 'expired', policy: input.policy };
      }
      if (answer === 'denied') {
        await notify('lockout-declined', 'The helpdesk decided to keep your account locked for now. Contact them for details.');
        return { outcome: 'declined', policy: input.policy };
      }
      return { policy: 'auto' };
    }
    return { policy: decision.mode === 'ask-user' ? 'ask-user' : input.policy };
  };

  /** One pass over the user's current state: check, (ask), unlock, tell. */
  const handleEpisode = async (): Promise<{ outcome: LockoutOutcome; eventsAtCheck: number }> => {
    state.phase = 'checking';
    const before = await checkUser();
    const eventsAtCheck = state.eventsReceived;
    if (!before) return { outcome: 'user-not-found', eventsAtCheck };
    state.statusBefore = before.status;
    state.login ??= before.login;
    if (before.status !== 'LOCKED_OUT') return { outcome: 'not-locked', eventsAtCheck };

    const ruled = await applyPolicies();
    if (ruled.outcome) return { outcome: ruled.outcome, eventsAtCheck };
    const policy = ruled.policy;
    if (policy === 'notify-only') {
      await notify('lockout-notify-only', notifyOnlyText(input.recoveryHint));
      return { outcome: 'notified-only', eventsAtCheck };
    }
    if (policy === 'ask-user') {
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
  recordLockoutOutcome(outcomeMetric(outcome));
  if (outcome === 'unlocked' || outcome === 'already-unlocked') {
    recordLockToUnlockSeconds((new Date().getTime() - Date.parse(input.firstEvent.published)) / 1000);
  }
  upsertSearchAttributes([{ key: AccessOutcomeKey, value: outcome }]);
  return state;
}

/** Outcomes that count as unlocked or failed; every other outcome kept the lock on purpose. */
function outcomeMetric(outcome: LockoutOutcome): LockoutOutcomeMetric {
  if (outcome === 'unlocked' || outcome === 'already-unlocked') return 'unlocked';
  if (outcome === 'failed' || outcome === 'unlock-unconfirmed') return 'failed';
  return 'held';
}

const RELOCK_STOP_TEXT =
  'Your Okta account was locked again: it has been locked several times today, so it is not unlocked automatically this time. ' +
  'Usually a phone, laptop or mail app still signs in with an old password: update or remove the saved password on your devices, then ask the helpdesk to unlock the account.';
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
