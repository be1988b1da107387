/**
 * FROZEN: the first release of the lockout poller, kept byte-for-byte in behaviour so that runs
 * started by older workers still replay. `lockoutPollerWorkflow` runs it for histories that began
 * before the current implementation; such a run switches to the current one (continue-as-new with
 * its state, which the current input schema accepts) at the start of its next poll. Do not change
 * it except to fix an import.
 *
 * The lockout poller: one long-running workflow per Org. Every poll interval it reads the
 * System Log as an Okta *polling request* (first `since`, then only the `next` link Okta returned),
 * so late-persisted events are still seen and nothing depends on time-window arithmetic. Each
 * lockout goes to the child workflow for that user's current episode. State (cursor, dedupe window,
 * open episodes) is carried through continue-as-new, so no event is lost or handled twice.
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
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { z } from 'zod';
import { builtOnce } from '../../built-once.js';
import type { OktaActivities } from '../../../activities/okta-activities.js';
import { AccessActionKey } from '../../search-attributes.js';
import { LOCKOUT_EVENT_FILTER, readLockoutEvent } from './events-v1.js';
import {
  lockoutEpisodeEndedSignal,
  lockoutEventSignal,
  lockoutWorkflowId,
  pausePollerSignal,
  pollNowSignal,
  pollerStateQuery,
  resumePollerSignal,
  type LockedUser,
  type LockoutEvent,
  type PollerState,
  type SkippedEventReport,
} from '../messages.js';
import { type lockoutWorkflowV1 as lockoutWorkflow, type LockoutInputV1 as LockoutInput } from './unlock-v1.js';

/** Event UUIDs remembered across polls and runs: a safety net should Okta ever repeat an event. */
const DEDUPE_WINDOW = 2_000;
const MAX_SKIPPED_REPORTS = 20;

const CarriedStateSchema = builtOnce('lockout/legacy/poller-v1:CarriedStateSchema', () => z.object({
  cursor: z.string().optional(),
  paused: z.boolean(),
  pausedBy: z.string().optional(),
  polls: z.number().int().nonnegative(),
  eventsSeen: z.number().int().nonnegative(),
  lockoutsStarted: z.number().int().nonnegative(),
  eventsForwarded: z.number().int().nonnegative(),
  skippedEvents: z.number().int().nonnegative(),
  recentSkipped: z.array(z.object({ uuid: z.string(), eventType: z.string(), published: z.string(), why: z.string() })),
  recentEventUuids: z.array(z.string()),
  /** userId → the child run that owns the user's open episode. */
  openEpisodes: z.record(z.string(), z.string()),
  lastPollAt: z.string().optional(),
  runsSoFar: z.number().int().nonnegative(),
}));
type CarriedState = z.infer<typeof CarriedStateSchema>;

const PollerInputSchema = builtOnce('lockout/legacy/poller-v1:PollerInputSchema', () => z.object({
  orgUrl: z.string().min(1),
  oktaTaskQueue: z.string().min(1),
  pollIntervalMs: z.number().int().positive(),
  lookbackMs: z.number().int().positive(),
  pageSize: z.number().int().min(1).max(1000),
  /** A poll follows `next` links while pages come back full, up to this many pages. */
  maxPagesPerPoll: z.number().int().positive().default(10),
  unlock: z.object({
    policy: z.enum(['auto', 'ask-user', 'notify-only']),
    askUserTimeoutMs: z.number().int().positive(),
    recoveryHint: z.string().optional(),
    oktaCallTimeoutMs: z.number().int().positive().default(30_000),
  }),
  /** Continue-as-new after this many history events even before the server suggests it (tests use a low value). */
  maxHistoryEvents: z.number().int().positive().default(10_000),
  carried: CarriedStateSchema.optional(),
}));
export type PollerInputV1 = z.input<typeof PollerInputSchema>;

export async function lockoutPollerWorkflowV1(rawInput: PollerInputV1): Promise<void> {
  const parsed = PollerInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid poller input: ${z.prettifyError(parsed.error)}`, 'InvalidWorkflowInput');
  }
  const input = parsed.data;
  const { oktaReadLogPage } = proxyActivities<OktaActivities>({
    taskQueue: input.oktaTaskQueue,
    startToCloseTimeout: input.unlock.oktaCallTimeoutMs,
    // A poll gives up after a few tries and waits for the next interval; 429s wait out X-Rate-Limit-Reset.
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 4 },
  });

  const state: CarriedState = input.carried ?? {
    paused: false,
    polls: 0,
    eventsSeen: 0,
    lockoutsStarted: 0,
    eventsForwarded: 0,
    skippedEvents: 0,
    recentSkipped: [],
    recentEventUuids: [],
    openEpisodes: {},
    runsSoFar: 0,
  };
  const seen = new Set(state.recentEventUuids);
  let pollNowRequested = false;
  let polling = false;
  let lastPollError: string | undefined;

  setHandler(pollerStateQuery, (): PollerState => ({
    orgUrl: input.orgUrl,
    paused: state.paused,
    polling,
    ...(state.pausedBy ? { pausedBy: state.pausedBy } : {}),
    ...(state.cursor ? { cursor: state.cursor } : {}),
    ...(state.lastPollAt ? { lastPollAt: state.lastPollAt } : {}),
    ...(lastPollError ? { lastPollError } : {}),
    polls: state.polls,
    eventsSeen: state.eventsSeen,
    lockoutsStarted: state.lockoutsStarted,
    eventsForwarded: state.eventsForwarded,
    skippedEvents: state.skippedEvents,
    recentSkipped: state.recentSkipped,
    activeEpisodes: Object.keys(state.openEpisodes).length,
    runsSoFar: state.runsSoFar,
  }));
  setHandler(pausePollerSignal, (by) => {
    state.paused = true;
    const who = typeof by?.by === 'string' ? by.by.slice(0, 200) : undefined;
    if (who) state.pausedBy = who;
    else delete state.pausedBy;
    log.info('poller paused', { by: who });
  });
  setHandler(resumePollerSignal, () => {
    state.paused = false;
    delete state.pausedBy;
  });
  setHandler(pollNowSignal, () => {
    pollNowRequested = true;
  });
  setHandler(lockoutEpisodeEndedSignal, (ended) => {
    // Only the run that owns the episode may close it: a late signal from an older episode must not.
    if (typeof ended?.userId === 'string' && state.openEpisodes[ended.userId] === ended.runId) delete state.openEpisodes[ended.userId];
  });

  upsertSearchAttributes([{ key: AccessActionKey, value: 'poll-lockouts' }]);

  const remember = (uuid: string) => {
    seen.add(uuid);
    state.recentEventUuids.push(uuid);
    if (state.recentEventUuids.length > DEDUPE_WINDOW) {
      const dropped = state.recentEventUuids.splice(0, state.recentEventUuids.length - DEDUPE_WINDOW);
      for (const old of dropped) seen.delete(old);
    }
  };

  const skip = (report: SkippedEventReport) => {
    state.skippedEvents += 1;
    state.recentSkipped.push(report);
    if (state.recentSkipped.length > MAX_SKIPPED_REPORTS) state.recentSkipped.shift();
    log.warn('skipped System Log event', { ...report });
  };

  /** Hands a user's events from one page to their episode's child, starting one if none is open. */
  const dispatch = async (user: LockedUser, events: LockoutEvent[]) => {
    const childId = lockoutWorkflowId(user.id);
    const forward = async (): Promise<boolean> => {
      try {
        const child = getExternalWorkflowHandle(childId);
        for (const event of events) await child.signal(lockoutEventSignal, event);
        state.eventsForwarded += events.length;
        return true;
      } catch {
        return false; // The episode already ended: this is a new one.
      }
    };
    if (state.openEpisodes[user.id] && (await forward())) return;
    const [first, ...rest] = events as [LockoutEvent, ...LockoutEvent[]];
    const childInput: LockoutInput = {
      user,
      firstEvent: first,
      policy: input.unlock.policy,
      askUserTimeoutMs: input.unlock.askUserTimeoutMs,
      oktaTaskQueue: input.oktaTaskQueue,
      pollerWorkflowId: workflowInfo().workflowId,
      oktaCallTimeoutMs: input.unlock.oktaCallTimeoutMs,
      ...(input.unlock.recoveryHint ? { recoveryHint: input.unlock.recoveryHint } : {}),
    };
    try {
      const child = await startChild<typeof lockoutWorkflow>('lockoutWorkflow', {
        workflowId: childId,
        args: [childInput],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
      });
      state.openEpisodes[user.id] = child.firstExecutionRunId;
      state.lockoutsStarted += 1;
      try {
        for (const event of rest) await child.signal(lockoutEventSignal, event);
        state.eventsForwarded += rest.length;
      } catch {
        // The child finished already: it handled this episode, and these events are part of it.
      }
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // An episode is open that this run did not know of (e.g. started before a reset): join it.
      if (!(await forward())) throw err;
    }
  };

  const handlePage = async (page: Awaited<ReturnType<typeof oktaReadLogPage>>) => {
    // `?? []`: pages read by a worker from before malformed-event reporting have no such field.
    for (const bad of page.malformed ?? []) {
      skip({ uuid: bad.uuid ?? `(page item ${bad.index})`, eventType: '(unreadable)', published: '', why: `malformed event: ${bad.problem}` });
    }
    const byUser = new Map<string, { user: LockedUser; events: LockoutEvent[] }>();
    for (const event of page.events) {
      if (seen.has(event.uuid)) continue;
      const read = readLockoutEvent(event);
      if (read.kind === 'skip') {
        remember(event.uuid);
        state.eventsSeen += 1;
        skip({ uuid: event.uuid, eventType: event.eventType, published: event.published, why: read.why });
        continue;
      }
      const group = byUser.get(read.user.id) ?? { user: read.user, events: [] };
      group.events.push(read.event);
      byUser.set(read.user.id, group);
    }
    // Users are independent: start or signal their children concurrently (a spray locks thousands).
    const groups = [...byUser.values()];
    const results = await Promise.allSettled(groups.map((g) => dispatch(g.user, g.events)));
    // An event counts as handled only once its child has it: a failed hand-over is retried from the
    // same cursor on the next poll, and the events that did go through are not handed over twice.
    results.forEach((result, i) => {
      if (result.status !== 'fulfilled') return;
      for (const event of groups[i]!.events) {
        remember(event.uuid);
        state.eventsSeen += 1;
      }
    });
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  const poll = async () => {
    state.polls += 1;
    state.lastPollAt = new Date().toISOString();
    for (let page = 0; page < input.maxPagesPerPoll; page++) {
      const result = await oktaReadLogPage(
        state.cursor
          ? { nextUrl: state.cursor, filter: LOCKOUT_EVENT_FILTER, limit: input.pageSize }
          : { since: new Date(Date.parse(state.lastPollAt) - input.lookbackMs).toISOString(), filter: LOCKOUT_EVENT_FILTER, limit: input.pageSize },
      );
      await handlePage(result);
      // The cursor moves only after the page's events are handed over, in the same workflow history.
      state.cursor = result.nextUrl;
      if (result.events.length < input.pageSize) break;
    }
  };

  for (;;) {
    if (patched(SWITCH_TO_CURRENT_POLLER)) {
      await condition(allHandlersFinished);
      state.runsSoFar += 1;
      await continueAsNew<typeof lockoutPollerWorkflowV1>({ ...rawInput, carried: state });
    }
    await condition(() => !state.paused || pollNowRequested);
    pollNowRequested = false;
    polling = true;
    try {
      await poll();
      lastPollError = undefined;
    } catch (err) {
      // Okta down or refusing us: report it and try again next interval; the cursor is unchanged.
      lastPollError = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      log.warn('lockout poll failed', { error: lastPollError });
    } finally {
      polling = false;
    }
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= input.maxHistoryEvents) {
      await condition(allHandlersFinished);
      state.runsSoFar += 1;
      await continueAsNew<typeof lockoutPollerWorkflowV1>({ ...rawInput, carried: state });
    }
    await condition(() => pollNowRequested, input.pollIntervalMs);
  }
}

/** Marks the point where a run of this version hands over to the current poller. */
const SWITCH_TO_CURRENT_POLLER = 'lockout-poller-switch-to-v2';
