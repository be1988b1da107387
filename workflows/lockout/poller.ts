/**
 * The lockout poller: one long-running workflow per Okta org. Every poll interval it reads the
 * System Log as an Okta *polling request* (first `since`, then only the `next` link Okta returned),
 * and events pushed by the event-hook receiver join the same dispatch. Each lockout goes to the
 * child workflow for that user's current episode (`lockout/{userId}`): started when none runs,
 * signalled when one does.
 *
 * Built for storms: children are counted per run and the run continues as new before they could
 * reach the server's pending-child limit (abandoned children keep running; a new run starts from
 * zero), log reads have a task queue and rate of their own, every event is projected and bounded
 * before it reaches history, and a lost cursor degrades to `since` with an overlap instead of
 * wedging. State (cursor, dedupe window, queue, reports) is carried through continue-as-new.
 */
import {
  ApplicationFailure,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { z } from 'zod';
import { builtOnce } from '../built-once.js';
import type { NotifyActivities } from '../../activities/notify/activities.js';
import type { OktaLogActivities } from '../../activities/okta-log-activities.js';
import { recordLockoutDetected, recordPollSuccess } from '../metrics.js';
import { AccessActionKey, AccessOutcomeKey } from '../search-attributes.js';
import { LOCKOUT_EVENT_FILTER } from './events.js';
import { lockoutPollerWorkflowV1, type PollerInputV1 } from './legacy/poller-v1.js';
import {
  EpisodeFailureSchema,
  HandOverReportSchema,
  lockoutHandOverReportSignal,
  lockoutHandOverTurnSignal,
  lockoutHandOverWorkflowId,
  PollerSettingsSchema,
  PushLockoutEventsSchema,
  ResetCursorSchema,
  ResumeBreakerSchema,
  resumeBreakerUpdate,
  lockoutEpisodeEndedSignal,
  lockoutEpisodeFailedSignal,
  pausePollerSignal,
  pollNowSignal,
  pollerStateQuery,
  pushLockoutEventsUpdate,
  reconfigurePollerUpdate,
  resetPollerCursorUpdate,
  resumePollerSignal,
  stopPollerUpdate,
  type PollerSettings,
} from './messages.js';
import { CarriedStateSchema, MAX_QUEUED, PollerBook, type UserBatch } from './poller-state.js';
import { PolicyBook, PolicyCarriedSchema, type EpisodeDecision } from './policies.js';
import { dispatchBatch, MAX_EVENTS_AT_START, MAX_EVENTS_FORWARDED, type ChildBase } from './dispatch.js';
import { lockoutHandOverWorkflow, MAX_HAND_OVER_CHARS, MAX_HAND_OVER_USERS } from './hand-over.js';
import { HandOverTurns } from './hand-over-turns.js';

const { notifyUser } = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 },
});

export const PollerInputSchema = builtOnce('lockout/poller:PollerInputSchema', () => PollerSettingsSchema.extend({
  orgUrl: z.string().min(1).max(500),
  carried: CarriedStateSchema.optional(),
  /** The unlock policies' memory (storm breaker window, recent lockouts per user), bounded. */
  carriedPolicies: PolicyCarriedSchema.optional(),
}));
export type PollerInput = z.input<typeof PollerInputSchema>;

/** Workflow versioning marker: runs without it began on the first release and replay its code. */
export const POLLER_V2 = 'lockout-poller-v2';
/** Versioning marker of the attack-safe unlock policies: runs without it hand children no decision. */
export const POLLER_POLICIES = 'lockout-poller-policies';
/** Versioning marker of the fan-out of large pages to hand-over workflows. */
export const POLLER_FAN_OUT = 'lockout-poller-fan-out';
/** Versioning marker of paced hand-overs taking turns (hand-over-turns.ts). */
export const POLLER_HAND_OVER_TURNS = 'lockout-poller-hand-over-turns';
/** Versioning marker of the move to the poller's own task queue at continue-as-new. */
export const POLLER_OWN_QUEUE = 'lockout-poller-own-queue';
/** Pages with more users than this are fanned out; smaller ones (the everyday case) are handed over directly. */
const FAN_OUT_ABOVE = 25;
/** Users handed over at once: bounds the commands (and pending signals) of one workflow task. */
const DISPATCH_CONCURRENCY = 100;

export async function lockoutPollerWorkflow(rawInput: PollerInput): Promise<void> {
  if (!patched(POLLER_V2)) return lockoutPollerWorkflowV1(rawInput as PollerInputV1);
  const parsed = PollerInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid poller input: ${z.prettifyError(parsed.error)}`, 'InvalidWorkflowInput');
  }
  const { orgUrl, carried, carriedPolicies, ...initialSettings } = parsed.data;
  let settings: PollerSettings = initialSettings;
  const book = new PollerBook(carried);
  const policiesOn = patched(POLLER_POLICIES);
  const policyBook = new PolicyBook(carriedPolicies);
  const fanOutOn = patched(POLLER_FAN_OUT);
  const turnsOn = fanOutOn && patched(POLLER_HAND_OVER_TURNS);
  /** Helpdesk alerts waiting to be sent by the main loop (one per breaker trip). */
  const pendingAlerts: string[] = [];
  const breakerView = () => (settings.policies ? policyBook.view(new Date().getTime(), settings.policies) : undefined);
  const showBreaker = () => {
    const view = breakerView();
    if (view) upsertMemo({ breaker: view.state, ...(view.since ? { breakerSince: view.since } : {}) });
  };
  const s = book.s;
  const turns = new HandOverTurns(s);
  let turnsDue = false;
  let pollNowRequested = false;
  let stopRequested = false;
  let woken = false;
  let polling = false;
  let lastPollError: string | undefined;
  let childrenThisRun = 0;
  let nextPollAt = new Date().getTime();

  const readLog = () =>
    proxyActivities<OktaLogActivities>({
      taskQueue: settings.logTaskQueue ?? settings.oktaTaskQueue,
      startToCloseTimeout: settings.unlock.oktaCallTimeoutMs,
      // A poll gives up after a few tries and waits for the next interval; 429s wait out X-Rate-Limit-Reset.
      retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 4 },
    }).oktaReadLockoutLog;

  setHandler(pollerStateQuery, () => {
    const view = { ...book.view({ orgUrl, settings, polling, childrenThisRun, ...(lastPollError ? { lastPollError } : {}) }), ...(turnsOn ? { handOvers: turns.view } : {}) };
    const breaker = policiesOn ? breakerView() : undefined;
    return breaker ? { ...view, breaker, policyUsersTracked: policyBook.trackedUsers } : view;
  });
  if (policiesOn) {
    setHandler(resumeBreakerUpdate, (request) => {
      const { by } = ResumeBreakerSchema.parse(request);
      policyBook.resume(by ?? 'operator');
      showBreaker();
      log.info('storm breaker resumed: new lockouts follow the configured policy again', { by });
      return breakerView() ?? { state: 'closed', lockoutsInWindow: 0, trips: 0 };
    }, { validator: (request) => void ResumeBreakerSchema.parse(request) });
  }
  setHandler(pausePollerSignal, (by) => {
    s.paused = true;
    const who = typeof by?.by === 'string' ? by.by.slice(0, 200) : undefined;
    if (who) s.pausedBy = who;
    else delete s.pausedBy;
    log.info('poller paused', { by: who });
  });
  setHandler(resumePollerSignal, () => {
    s.paused = false;
    delete s.pausedBy;
  });
  setHandler(pollNowSignal, () => {
    pollNowRequested = true;
  });
  // Sent by children of the first release; this poller keeps no list of open episodes.
  setHandler(lockoutEpisodeEndedSignal, () => undefined);
  setHandler(lockoutEpisodeFailedSignal, (raw) => {
    const failure = EpisodeFailureSchema.safeParse(raw);
    if (!failure.success) return void log.warn('ignored a malformed episode failure report');
    book.episodeFailed(failure.data, new Date().toISOString());
    log.warn('a lockout episode failed', { ...failure.data });
  });
  setHandler(lockoutHandOverReportSignal, (raw) => {
    const report = HandOverReportSchema.safeParse(raw);
    if (!report.success) return void log.warn('ignored a malformed hand-over report');
    // Only the report of a hand-over this poller started counts, once, and for no more users than it had.
    const users = turns.reported(report.data.handOverId);
    if (users === undefined) return void log.warn('ignored a report from no open hand-over', { handOverId: report.data.handOverId });
    // The next in line may go (runs from before the turns only counted reports).
    if (turnsOn) turnsDue = true;
    s.lockoutsStarted += Math.min(report.data.started, users);
    s.eventsForwarded += Math.min(report.data.forwarded, users * MAX_EVENTS_FORWARDED);
    for (const { userId, decidedAtMs } of report.data.joined.slice(0, users)) policyBook.forget(userId, decidedAtMs);
  });
  setHandler(pushLockoutEventsUpdate, (raw) => {
    // Parsed again: only the bounded fields the schema knows go into state.
    const result = book.queuePush(PushLockoutEventsSchema.parse(raw).events);
    woken = true;
    return result;
  }, {
    validator: (push) => {
      PushLockoutEventsSchema.parse(push);
      if (stopRequested) throw new Error('the poller is stopping');
      if (s.queued.length + push.events.length > MAX_QUEUED) throw new Error('the push queue is full: polling will pick these events up');
    },
  });
  setHandler(reconfigurePollerUpdate, (patch) => {
    const next = PollerSettingsSchema.parse(patch);
    // A starter of an earlier release does not know the queues: its episodes must not come here.
    settings = { ...next, pollerTaskQueue: next.pollerTaskQueue ?? settings.pollerTaskQueue, episodeTaskQueue: next.episodeTaskQueue ?? settings.episodeTaskQueue };
    nextPollAt = Math.min(nextPollAt, new Date().getTime() + settings.pollIntervalMs);
    woken = true;
    log.info('poller reconfigured', { policy: settings.unlock.policy, pollIntervalMs: settings.pollIntervalMs, pageSize: settings.pageSize });
    return settings;
  }, { validator: (patch) => void PollerSettingsSchema.parse(patch) });
  setHandler(stopPollerUpdate, (by) => {
    stopRequested = true;
    log.info('poller stopping', { by: typeof by?.by === 'string' ? by.by.slice(0, 200) : undefined });
  });
  setHandler(resetPollerCursorUpdate, (request) => {
    const { since } = ResetCursorSchema.parse(request);
    s.cursor = undefined;
    s.since = new Date(since).toISOString();
    pollNowRequested = true;
    log.info('poller cursor reset', { since: s.since, by: request.by });
    return { since: s.since };
  }, {
    validator: (request) => {
      const { since } = ResetCursorSchema.parse(request);
      const at = Date.parse(since);
      // Okta keeps 90 days of System Log; a time in the future would skip everything until then.
      if (!(at <= new Date().getTime() && at >= new Date().getTime() - 90 * 86_400_000)) throw new Error('since must be within the last 90 days');
    },
  });

  const setHealthAttribute = () => upsertSearchAttributes([{ key: AccessOutcomeKey, value: book.health.status === 'ok' ? 'polling' : 'degraded' }]);
  upsertSearchAttributes([{ key: AccessActionKey, value: 'poll-lockouts' }]);
  setHealthAttribute();

  /**
   * The unlock policies' decision for a new episode, taken once per batch (a retried start reuses it,
   * so one episode counts once in the breaker window and the user's history).
   */
  const decisions = new WeakMap<UserBatch, { decision: EpisodeDecision; atMs: number }>();
  const decide = (batch: UserBatch): EpisodeDecision => {
    const known = decisions.get(batch);
    if (known) return known.decision;
    const atMs = new Date().getTime();
    const { decision, tripped, closedByQuiet } = policyBook.decide(batch.user.id, batch.events[0]!, atMs, settings.policies!);
    decisions.set(batch, { decision, atMs });
    if (closedByQuiet) {
      log.info('storm breaker closed after its quiet period');
      showBreaker();
    }
    if (tripped) {
      const reason = policyBook.breaker.reason ?? 'lockout storm';
      log.warn('storm breaker tripped: new lockouts are not unlocked automatically', { reason, mode: settings.policies!.breaker.mode });
      pendingAlerts.push(reason);
      showBreaker();
    }
    return decision;
  };

  /** Tells the helpdesk the breaker tripped; a chat outage is logged, never a poller failure. */
  const sendAlerts = async () => {
    while (pendingAlerts.length > 0) {
      const reason = pendingAlerts.shift()!;
      try {
        await notifyUser({
          kind: 'lockout-storm',
          userId: 'helpdesk',
          text: `Lockout storm: ${reason}. New lockouts are ${settings.policies?.breaker.mode === 'ask-user' ? 'confirmed with the user in chat' : 'held'} instead of unlocked automatically until an operator resumes (npm run cli -- poller breaker resume) or it has been quiet for a while.`,
          workflowId: workflowInfo().workflowId,
          data: { audience: 'helpdesk', reason },
        });
      } catch (err) {
        log.warn('storm alert could not be delivered', { error: describe(err) });
      }
    }
  };

  const childBase = (): ChildBase => ({
    policy: settings.unlock.policy,
    askUserTimeoutMs: settings.unlock.askUserTimeoutMs,
    oktaTaskQueue: settings.oktaTaskQueue,
    pollerWorkflowId: workflowInfo().workflowId,
    oktaCallTimeoutMs: settings.unlock.oktaCallTimeoutMs,
    ...(settings.unlock.recoveryHint ? { recoveryHint: settings.unlock.recoveryHint } : {}),
  });

  /** Starts the user's child, or hands the events to the one running; retried when that run just ended. */
  const dispatch = async (batch: UserBatch): Promise<void> => {
    const done = await dispatchBatch(batch.user, batch.events, childBase(), {
      ...(settings.episodeTaskQueue ? { taskQueue: settings.episodeTaskQueue } : {}),
      decide: () => (policiesOn && settings.policies ? decide(batch) : undefined),
      joined: () => {
        const decided = decisions.get(batch);
        if (decided) {
          policyBook.forget(batch.user.id, decided.atMs);
          decisions.delete(batch);
        }
      },
    });
    if (done.started) {
      recordLockoutDetected();
      childrenThisRun += 1;
      s.lockoutsStarted += 1;
    } else s.eventsForwarded += done.forwarded;
  };

  /**
   * A large page goes to hand-over workflows, one per slice of users (see hand-over.ts): the poller
   * waits only for their starts, so it reads on while the episodes of a storm are being started.
   */
  const fanOut = async (batches: UserBatch[]): Promise<{ failed: UserBatch[]; error?: unknown }> => {
    const size = Math.min(MAX_HAND_OVER_USERS, settings.maxChildrenPerRun);
    const items = batches.map((batch) => {
      const decision = policiesOn && settings.policies ? decide(batch) : undefined;
      const decidedAtMs = decisions.get(batch)?.atMs;
      return { batch, user: { user: batch.user, events: batch.events.slice(0, MAX_EVENTS_AT_START), ...(decision ? { decision } : {}), ...(decidedAtMs !== undefined ? { decidedAtMs } : {}) } };
    });
    // Slices are bounded in users and in bytes: a start whose input passed the payload limit would fail the poller.
    const slices: (typeof items)[] = [];
    let bytes = 0;
    for (const item of items) {
      const itemBytes = JSON.stringify(item.user).length;
      const last = slices.at(-1);
      if (!last || last.length >= size || bytes + itemBytes > MAX_HAND_OVER_CHARS) {
        slices.push([item]);
        bytes = itemBytes;
      } else {
        last.push(item);
        bytes += itemBytes;
      }
    }
    const { workflowId, firstExecutionRunId } = workflowInfo();
    const base = childBase();
    const ids = slices.map(() => lockoutHandOverWorkflowId(firstExecutionRunId, (s.handOversStarted = (s.handOversStarted ?? 0) + 1)));
    const pace = turnsOn ? settings.stormStartsPerSecond : undefined;
    // Each waits at most for everyone ahead of it, those of this page included.
    let ahead = 0;
    const waits = slices.map((slice) => (pace ? turns.maxWaitMs((ahead += slice.length), pace) : 0));
    const results = await Promise.allSettled(
      slices.map((slice, i) =>
        startChild(lockoutHandOverWorkflow, {
          workflowId: ids[i]!,
          args: [{ pollerWorkflowId: workflowId, base, users: slice.map((item) => item.user), ...(pace ? { turn: { maxWaitMs: waits[i]!, startsPerSecond: pace } } : {}) }],
          // Its episodes run where it runs.
          ...(settings.episodeTaskQueue ? { taskQueue: settings.episodeTaskQueue } : {}),
          parentClosePolicy: ParentClosePolicy.ABANDON,
          cancellationType: ChildWorkflowCancellationType.ABANDON,
          typedSearchAttributes: [{ key: AccessActionKey, value: 'hand-over' }, { key: AccessOutcomeKey, value: 'pending' }],
          memo: { users: slice.length },
        }),
      ),
    );
    const failed: UserBatch[] = [];
    let error: unknown;
    results.forEach((result, i) => {
      // Already started: a reset of the poller replays a start that happened; that hand-over has these users.
      if (result.status === 'fulfilled' || result.reason instanceof WorkflowExecutionAlreadyStartedError) {
        childrenThisRun += 1;
        turns.opened(ids[i]!, slices[i]!.length, pace !== undefined);
        for (const item of slices[i]!) book.handedOver(item.batch);
      } else {
        failed.push(...slices[i]!.map((item) => item.batch));
        error ??= result.reason;
      }
    });
    await grantTurns();
    return { failed, ...(error !== undefined ? { error } : {}) };
  };

  /** Tells the next hand-overs in line it is their turn; one that is gone goes on alone or has ended. */
  const grantTurns = async () => {
    turnsDue = false;
    if (!turnsOn) return;
    const rate = settings.stormStartsPerSecond;
    const due = turns.due(new Date().getTime(), rate, DISPATCH_CONCURRENCY);
    const sent = await Promise.allSettled(due.map((id) => getExternalWorkflowHandle(id).signal(lockoutHandOverTurnSignal, rate ? { startsPerSecond: rate } : {})));
    sent.forEach((result, i) => {
      if (result.status === 'rejected') {
        // It ended without a report (terminated): it must not hold the turn until its deadline.
        log.warn('could not give a hand-over its turn', { handOverId: due[i], error: describe(result.reason) });
        turns.gone(due[i]!);
        turnsDue = true;
      }
    });
    // A capped grant (pacing switched off with a long line) goes on at the next wake-up.
    if (due.length === DISPATCH_CONCURRENCY && turns.anyWaiting) turnsDue = true;
  };

  /** Hands batches over, a bounded number at a time. Returns the batches that could not be handed over. */
  const handOver = async (batches: UserBatch[]): Promise<{ failed: UserBatch[]; error?: unknown }> => {
    if (fanOutOn && batches.length > FAN_OUT_ABOVE) return fanOut(batches);
    const failed: UserBatch[] = [];
    let error: unknown;
    for (let i = 0; i < batches.length; i += DISPATCH_CONCURRENCY) {
      const chunk = batches.slice(i, i + DISPATCH_CONCURRENCY);
      const results = await Promise.allSettled(chunk.map(dispatch));
      results.forEach((result, j) => {
        if (result.status === 'fulfilled') book.handedOver(chunk[j]!);
        else {
          failed.push(chunk[j]!);
          error ??= result.reason;
        }
      });
    }
    return { failed, ...(error !== undefined ? { error } : {}) };
  };

  const roomForChildren = () => settings.maxChildrenPerRun - childrenThisRun;
  /** A flood of signals (episode failures, reports) or a long poll fills the history: time to continue as new. */
  const historyFull = () => fanOutOn && (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= settings.maxHistoryEvents);
  /** Children one page may start: one per user, or one per slice when it is fanned out. */
  const pageCost = (pageSize: number) =>
    fanOutOn ? Math.max(Math.min(pageSize, FAN_OUT_ABOVE), Math.ceil(pageSize / Math.min(MAX_HAND_OVER_USERS, settings.maxChildrenPerRun))) : pageSize;

  const dispatchQueued = async () => {
    const batches = book.takeQueued(Math.max(0, roomForChildren()));
    if (batches.length === 0) return;
    const { failed, error } = await handOver(batches);
    for (const batch of failed.reverse()) book.requeue(batch);
    if (error) log.warn('pushed lockouts not handed over yet', { users: failed.length, error: describe(error) });
  };

  /** One poll: pages while they are non-empty, within the page budget and the run's room for children. */
  const poll = async (): Promise<boolean> => {
    s.polls += 1;
    s.lastPollAt = new Date().toISOString();
    const pageSize = Math.min(settings.pageSize, settings.maxChildrenPerRun);
    let offset = 0;
    for (let pages = 0; pages < settings.maxPagesPerPoll; ) {
      // A page starts at most `pageSize` children: read it only if they all fit in this run.
      // With the fan-out, checked before every part of a page too (a part is handed over on its own),
      // and the history: a long poll must not carry a run past its limits.
      if ((offset === 0 || fanOutOn) && roomForChildren() < pageCost(pageSize)) return true;
      if (historyFull()) return true;
      if (turnsDue) await grantTurns();
      const usingCursor = s.cursor !== undefined;
      let page: Awaited<ReturnType<ReturnType<typeof readLog>>>;
      try {
        page = await readLog()({
          ...(s.cursor ? { nextUrl: s.cursor } : { since: book.startOfNewCursor(new Date().getTime(), settings.lookbackMs) }),
          filter: LOCKOUT_EVENT_FILTER,
          limit: pageSize,
          offset,
          maxResultBytes: settings.maxPageBytes,
        });
      } catch (err) {
        if (usingCursor && isRejectedCursor(err)) {
          book.degrade(`Okta rejected the cursor: ${describe(err)}`, new Date().toISOString());
          book.fallBackToSince(new Date().getTime(), settings);
          setHealthAttribute();
          log.warn('poller cursor rejected: polling from since with an overlap', { since: s.since });
        }
        throw err;
      }
      for (const bad of page.unreadable) book.skip({ uuid: bad.uuid ?? '(no uuid)', eventType: '(unreadable)', published: '', why: `malformed event: ${bad.problem}` });
      const { batches } = book.sort(page.events);
      const { failed, error } = await handOver(batches);
      // The cursor moves only once every event of the page is with its child; a failure retries the page.
      if (failed.length > 0) throw error;
      if (page.nextOffset !== undefined) {
        offset = page.nextOffset;
        continue;
      }
      offset = 0;
      pages += 1;
      if (page.nextUrl) {
        s.cursor = page.nextUrl;
        delete s.since;
        if (book.health.status !== 'ok') {
          book.recovered();
          setHealthAttribute();
          log.info('poller cursor recovered');
        }
      } else {
        book.degrade(`unusable next link: ${page.cursorProblem ?? 'missing'}`, new Date().toISOString());
        // Keep reading from since: just before the newest event seen, the overlap deduplicated.
        const newest = page.events.reduce((max, e) => (e.published > max ? e.published : max), '');
        if (newest) s.since = newest;
        else if (!s.since) book.fallBackToSince(new Date().getTime(), settings);
        s.cursor = undefined;
        setHealthAttribute();
        log.warn('poller has no usable cursor: polling from since', { reason: page.cursorProblem, since: s.since });
        return page.eventsOnPage >= pageSize;
      }
      if (page.eventsOnPage === 0) return false;
    }
    return true;
  };

  const shouldContinueAsNew = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= settings.maxHistoryEvents || roomForChildren() < pageCost(Math.min(settings.pageSize, settings.maxChildrenPerRun));
  };

  for (;;) {
    const wait = nextPollAt - new Date().getTime();
    const ready = () => stopRequested || pollNowRequested || woken || turnsDue || historyFull() || (!s.paused && s.queued.length > 0 && roomForChildren() > 0);
    if (wait > 0 && !ready()) await condition(ready, wait);
    woken = false;
    if (stopRequested) break;
    // Also every interval: a turn never reported is given up after its deadline.
    if (turnsOn) await grantTurns();
    if (!s.paused && s.queued.length > 0) await dispatchQueued();
    const due = new Date().getTime() >= nextPollAt;
    if ((due && !s.paused) || pollNowRequested) {
      pollNowRequested = false;
      polling = true;
      let more = false;
      try {
        more = await poll();
        s.lastSuccessfulPollAt = new Date().toISOString();
        recordPollSuccess();
        lastPollError = undefined;
      } catch (err) {
        // Okta down or refusing us: report it and try again next interval.
        lastPollError = describe(err);
        log.warn('lockout poll failed', { error: lastPollError });
      } finally {
        polling = false;
      }
      nextPollAt = new Date().getTime() + settings.pollIntervalMs;
      // More events remain (page budget or room for children used up): poll again at once.
      if (more) pollNowRequested = true;
    } else if (due) {
      nextPollAt = new Date().getTime() + settings.pollIntervalMs;
    }
    if (pendingAlerts.length > 0) await sendAlerts();
    if (shouldContinueAsNew() || (s.queued.length > 0 && roomForChildren() <= 0)) {
      await condition(allHandlersFinished);
      s.runsSoFar += 1;
      const next = { orgUrl, ...settings, carried: s, ...(policiesOn ? { carriedPolicies: policyBook.carried() } : {}) };
      // A poller started before it had a queue of its own moves there (its next run's workers exist:
      // every worker of this release polls that queue).
      const move = settings.pollerTaskQueue && settings.pollerTaskQueue !== workflowInfo().taskQueue && patched(POLLER_OWN_QUEUE);
      if (move) await makeContinueAsNewFunc<typeof lockoutPollerWorkflow>({ taskQueue: settings.pollerTaskQueue })(next);
      else await continueAsNew<typeof lockoutPollerWorkflow>(next);
    }
  }
  await condition(allHandlersFinished);
  upsertSearchAttributes([{ key: AccessOutcomeKey, value: 'stopped' }]);
}

function describe(err: unknown): string {
  const e = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return (e instanceof Error ? e.message : String(e)).slice(0, 500);
}

/** Okta answered the cursor itself with a client error (400/404: invalid or expired `after`). */
function isRejectedCursor(err: unknown): boolean {
  const cause = err instanceof Error ? err.cause : undefined;
  if (!(cause instanceof ApplicationFailure)) return false;
  const details = cause.details?.[0] as { status?: number } | undefined;
  return cause.nonRetryable === true && (details?.status === 400 || details?.status === 404);
}
