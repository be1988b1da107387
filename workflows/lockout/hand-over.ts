/**
 * Fan-out for storms: the poller hands each large page to a few of these, one per slice of users,
 * and moves its cursor as soon as they have started. Each starts (or signals) the episode workflows
 * of its slice, reports to the poller and completes; the episodes it started are abandoned to run
 * on their own.
 *
 * Why: a parent keeps every open child in its own history and gets a workflow task for each
 * child's end. A poller that started ten thousand episodes itself would read the System Log only
 * after handing every one of them over, and would spend its tasks on their completions. With the
 * fan-out the poller reads on (an unrelated lockout behind a spray is detected within seconds),
 * slices start in parallel, and each slice's children end after it did, out of anyone's history.
 */
import { ApplicationFailure, condition, continueAsNew, defineQuery, getExternalWorkflowHandle, log, patched, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { z } from 'zod';
import { builtOnce } from '../built-once.js';
import { recordLockoutDetected } from '../metrics.js';
import { AccessOutcomeKey } from '../search-attributes.js';
import { dispatchBatch, MAX_EVENTS_AT_START, type ChildBase } from './dispatch.js';
import { nextChunkAt } from './hand-over-turns.js';
import { HandOverTurnSchema, LockedUserSchema, LockoutEventSchema, lockoutHandOverReportSignal, lockoutHandOverTurnSignal, type HandOverReport } from './messages.js';
import { EpisodeDecisionSchema } from './policies.js';

/** Users in one slice: each one's start is a command of this workflow, and a pending child until it starts. */
export const MAX_HAND_OVER_USERS = 250;
/** JSON characters of one slice's users: even at 3 bytes a character, well below the 2 MB payload limit. */
export const MAX_HAND_OVER_CHARS = 400_000;
/** Versioning marker of waiting for a turn and pacing (a hand-over begun by an older worker keeps going unpaced). */
export const HAND_OVER_TURNS = 'lockout-hand-over-turns';
/** Versioning marker of pacing on schedule (see nextChunkAt): a hand-over already pacing when it came keeps its pace. */
export const HAND_OVER_ON_SCHEDULE = 'lockout-hand-over-on-schedule';

export const HandOverInputSchema = builtOnce('lockout/hand-over:HandOverInputSchema', () => z.object({
  pollerWorkflowId: z.string().min(1).max(1_000),
  base: z.object({
    policy: z.enum(['auto', 'ask-user', 'notify-only']),
    askUserTimeoutMs: z.number().int().positive(),
    oktaTaskQueue: z.string().min(1).max(200),
    pollerWorkflowId: z.string().max(1_000).optional(),
    oktaCallTimeoutMs: z.number().int().positive().default(30_000),
    recoveryHint: z.string().max(500).optional(),
  }),
  users: z
    .array(
      z.object({
        user: LockedUserSchema,
        events: z.array(LockoutEventSchema).min(1).max(MAX_EVENTS_AT_START),
        decision: EpisodeDecisionSchema.optional(),
        /** When the poller took the decision (workflow time), so a join can be forgotten by the poller. */
        decidedAtMs: z.number().optional(),
      }),
    )
    .min(1)
    .max(MAX_HAND_OVER_USERS),
  /** What earlier runs of this hand-over did (it continues as new while the server refuses starts). */
  prior: z.object({ started: z.number().int().min(0), forwarded: z.number().int().min(0), joined: z.number().int().min(0), rounds: z.number().int().min(0) }).optional(),
  /** Starts in flight at once: bounds this workflow's commands per task and the server's backlog. */
  concurrency: z.number().int().min(1).max(250).default(50),
  /**
   * Set by a poller with a storm rate (see hand-over-turns.ts): wait for the poller's turn signal (at
   * most `maxWaitMs`, then go on alone), then start `startsPerSecond` episodes a second.
   */
  turn: z.object({ maxWaitMs: z.number().int().min(0).max(7 * 86_400_000), startsPerSecond: z.number().min(0.01).max(10_000) }).optional(),
}));
export type HandOverInput = z.input<typeof HandOverInputSchema>;

export interface HandOverState {
  users: number;
  started: number;
  forwarded: number;
  joined: number;
  /** Users not handed over yet (retried with a backoff). */
  waiting: number;
  rounds: number;
  lastError?: string;
  /** Paced hand-overs: waiting for the poller's go, or starting their episodes. */
  turn?: 'waiting' | 'started' | 'went-alone';
}
export const handOverStateQuery = defineQuery<HandOverState>('handOverState');

export async function lockoutHandOverWorkflow(rawInput: HandOverInput): Promise<HandOverState> {
  const parsed = HandOverInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid hand-over input: ${z.prettifyError(parsed.error)}`, 'InvalidWorkflowInput');
  }
  const input = parsed.data;
  const base: ChildBase = input.base;
  const prior = input.prior ?? { started: 0, forwarded: 0, joined: 0, rounds: 0 };
  const state: HandOverState = { users: input.users.length, ...prior, waiting: input.users.length };
  setHandler(handOverStateQuery, () => state);
  let go = false;
  /** The poller's current storm rate, sent with the turn (settings may have changed since the start). */
  let rate = input.turn?.startsPerSecond;
  setHandler(lockoutHandOverTurnSignal, (raw) => {
    go = true;
    const turn = HandOverTurnSchema.safeParse(raw ?? {});
    if (turn.success && turn.data.startsPerSecond !== undefined) rate = turn.data.startsPerSecond;
  });
  const joined: HandOverReport['joined'] = [];

  const turn = input.turn && patched(HAND_OVER_TURNS) ? input.turn : undefined;
  if (turn && !input.prior) {
    state.turn = 'waiting';
    const told = await condition(() => go, turn.maxWaitMs);
    state.turn = told ? 'started' : 'went-alone';
    if (!told) log.warn('no turn from the poller in time: starting episodes anyway', { waitedMs: turn.maxWaitMs });
  }
  // Paced: a chunk is about two seconds' worth of starts, each at its time; at most one chunk's lateness is made up.
  const chunkSize = turn && rate ? Math.max(1, Math.min(input.concurrency, Math.ceil(rate * 2))) : input.concurrency;
  const onSchedule = turn && rate ? patched(HAND_OVER_ON_SCHEDULE) : false;
  let nextAt = new Date().getTime();

  let pending = input.users;
  while (pending.length > 0) {
    state.rounds += 1;
    const failed: typeof pending = [];
    for (let i = 0; i < pending.length; i += chunkSize) {
      const chunk = pending.slice(i, i + chunkSize);
      if (turn && rate) {
        const wait = nextAt - new Date().getTime();
        if (wait > 0) await sleep(wait);
        const periodMs = (chunk.length * 1_000) / rate;
        nextAt = onSchedule ? nextChunkAt(nextAt, new Date().getTime(), periodMs, (chunkSize * 1_000) / rate) : Math.max(nextAt, new Date().getTime()) + periodMs;
      }
      const results = await Promise.allSettled(chunk.map((item) => dispatchBatch(item.user, item.events, base, { decide: () => item.decision })));
      results.forEach((result, j) => {
        const item = chunk[j]!;
        if (result.status === 'rejected') {
          failed.push(item);
          state.lastError = String(result.reason instanceof Error ? result.reason.message : result.reason).slice(0, 500);
        } else if (result.value.started) {
          state.started += 1;
          recordLockoutDetected();
        } else {
          state.forwarded += result.value.forwarded;
          state.joined += 1;
          // The poller counted a decision for a new episode: it was none after all.
          if (item.decision && item.decidedAtMs !== undefined) joined.push({ userId: item.user.id, decidedAtMs: item.decidedAtMs });
        }
      });
    }
    state.waiting = failed.length;
    pending = failed;
    if (pending.length === 0) break;
    // Never given up: these users' events are past the poller's cursor. A long refusal continues as new.
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 20_000) {
      const { started, forwarded, joined: joinedCount, rounds } = state;
      await continueAsNew<typeof lockoutHandOverWorkflow>({ ...input, users: pending, prior: { started, forwarded, joined: joinedCount, rounds } });
    }
    log.warn('lockouts not handed over yet: retrying', { users: pending.length, error: state.lastError });
    await sleep(Math.min(300_000, 1_000 * 2 ** Math.min(state.rounds, 9)));
  }
  await report(input.pollerWorkflowId, state, joined);
  upsertSearchAttributes([{ key: AccessOutcomeKey, value: 'handed-over' }]);
  return state;
}

/** Tells the poller what this slice did; a stopped poller is no reason to fail. */
async function report(pollerWorkflowId: string, state: HandOverState, joined: HandOverReport['joined']): Promise<void> {
  try {
    await getExternalWorkflowHandle(pollerWorkflowId).signal(lockoutHandOverReportSignal, {
      handOverId: workflowInfo().workflowId,
      started: state.started,
      forwarded: state.forwarded,
      joined: joined.slice(0, 1_000),
    });
  } catch {
    log.info('the poller is gone: hand-over report not delivered', { pollerWorkflowId, runId: workflowInfo().runId });
  }
}
