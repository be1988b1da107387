/**
 * The poller's state and its pure rules, apart from the workflow wiring (poller.ts): what is carried
 * through continue-as-new, the event-UUID dedupe window, the push queue, reports for operators, and
 * where the next poll starts. Deterministic and free of Temporal APIs, so it is unit-tested directly.
 */
import { z } from 'zod';
import { builtOnce } from '../built-once.js';
import { readLockoutEvent } from './events.js';
import type { ProjectedLogEvent } from './log-event.js';
import {
  EpisodeFailureSchema,
  LockedUserSchema,
  LockoutEventSchema,
  type EpisodeFailure,
  type LockedUser,
  type LockoutEvent,
  type PollerHealth,
  type PollerSettings,
  type PollerState,
  type PushLockoutEventsResult,
  type SkippedEventReport,
} from './messages.js';

/** Event UUIDs remembered across polls and runs: pushes and polls see the same events. */
export const DEDUPE_WINDOW = 5_000;
/** Pushed events waiting for dispatch; a push beyond this is refused (Okta retries, polling backstops). */
export const MAX_QUEUED = 300;
const MAX_REPORTS = 20;

const SkippedSchema = builtOnce('lockout/poller-state:SkippedSchema', () => z.object({ uuid: z.string(), eventType: z.string(), published: z.string(), why: z.string() }));
const QueuedSchema = builtOnce('lockout/poller-state:QueuedSchema', () => z.object({ user: LockedUserSchema, event: LockoutEventSchema }));
export type QueuedLockout = z.infer<typeof QueuedSchema>;

/**
 * What goes through continue-as-new. A superset of the first release's carried state (whose extra
 * `openEpisodes` is dropped), so a run of that release can continue as new into this one.
 */
export const CarriedStateSchema = builtOnce('lockout/poller-state:CarriedStateSchema', () => z.object({
  cursor: z.string().optional(),
  since: z.string().optional(),
  paused: z.boolean(),
  pausedBy: z.string().optional(),
  polls: z.number().int().nonnegative(),
  eventsSeen: z.number().int().nonnegative(),
  lockoutsStarted: z.number().int().nonnegative(),
  eventsForwarded: z.number().int().nonnegative(),
  skippedEvents: z.number().int().nonnegative(),
  recentSkipped: z.array(SkippedSchema),
  recentEventUuids: z.array(z.string()),
  lastPollAt: z.string().optional(),
  lastSuccessfulPollAt: z.string().optional(),
  runsSoFar: z.number().int().nonnegative(),
  health: z.object({ status: z.enum(['ok', 'degraded']), reason: z.string().optional(), since: z.string().optional() }).optional(),
  queued: z.array(QueuedSchema).optional(),
  pushed: z.object({ accepted: z.number(), duplicates: z.number(), skipped: z.number() }).optional(),
  episodesFailed: z.number().int().nonnegative().optional(),
  recentFailures: z.array(EpisodeFailureSchema.extend({ at: z.string() })).optional(),
  /** Hand-overs started and not reported yet (ID → users), so only their own report is taken, once. */
  openHandOvers: z.record(z.string().max(200), z.number().int().min(0).max(1_000)).optional(),
  /** Hand-overs started over all runs: numbers their IDs. */
  handOversStarted: z.number().int().nonnegative().optional(),
  /** Paced hand-overs waiting for their turn, in log order (see hand-over-turns.ts). */
  handOverTurns: z.array(z.string().max(200)).max(2_000).optional(),
  /** Hand-overs starting their episodes now (ID → when their turn is given up if they never report). */
  activeHandOvers: z.record(z.string().max(200), z.number()).optional(),
}));
export type CarriedState = z.infer<typeof CarriedStateSchema>;

export interface UserBatch {
  user: LockedUser;
  events: LockoutEvent[];
}

export class PollerBook {
  readonly s: Required<Pick<CarriedState, 'queued' | 'pushed' | 'episodesFailed' | 'recentFailures'>> & CarriedState;
  /** UUIDs in the dedupe window (`recentEventUuids`). */
  private readonly seen: Set<string>;
  /** UUIDs queued by a push and not yet handed over. */
  private readonly queuedUuids: Set<string>;

  constructor(carried: CarriedState | undefined) {
    const base: CarriedState = carried ?? {
      paused: false,
      polls: 0,
      eventsSeen: 0,
      lockoutsStarted: 0,
      eventsForwarded: 0,
      skippedEvents: 0,
      recentSkipped: [],
      recentEventUuids: [],
      runsSoFar: 0,
    };
    this.s = {
      ...base,
      queued: base.queued ?? [],
      pushed: base.pushed ?? { accepted: 0, duplicates: 0, skipped: 0 },
      episodesFailed: base.episodesFailed ?? 0,
      recentFailures: base.recentFailures ?? [],
    };
    this.seen = new Set(this.s.recentEventUuids);
    this.queuedUuids = new Set(this.s.queued.map((q) => q.event.uuid));
  }

  hasSeen(uuid: string): boolean {
    return this.seen.has(uuid) || this.queuedUuids.has(uuid);
  }

  remember(uuid: string): void {
    if (this.seen.has(uuid)) return;
    this.seen.add(uuid);
    this.s.recentEventUuids.push(uuid);
    if (this.s.recentEventUuids.length > DEDUPE_WINDOW) {
      for (const old of this.s.recentEventUuids.splice(0, this.s.recentEventUuids.length - DEDUPE_WINDOW)) this.seen.delete(old);
    }
  }

  skip(report: SkippedEventReport): void {
    this.s.skippedEvents += 1;
    this.s.recentSkipped.push(report);
    if (this.s.recentSkipped.length > MAX_REPORTS) this.s.recentSkipped.shift();
  }

  /**
   * Sorts projected events into per-user batches: duplicates are dropped, non-lockouts and events
   * naming no valid user are skipped, reported and remembered. Batches are remembered only once handed over.
   */
  sort(events: ProjectedLogEvent[]): { batches: UserBatch[]; duplicates: number; skipped: SkippedEventReport[] } {
    const byUser = new Map<string, UserBatch>();
    const skipped: SkippedEventReport[] = [];
    let duplicates = 0;
    const inBatch = new Set<string>();
    for (const event of events) {
      if (this.hasSeen(event.uuid) || inBatch.has(event.uuid)) {
        duplicates += 1;
        continue;
      }
      const read = readLockoutEvent(event);
      if (read.kind === 'skip') {
        const report = { uuid: event.uuid, eventType: event.eventType, published: event.published, why: read.why };
        this.remember(event.uuid);
        this.s.eventsSeen += 1;
        this.skip(report);
        skipped.push(report);
        continue;
      }
      inBatch.add(event.uuid);
      const batch = byUser.get(read.user.id) ?? { user: read.user, events: [] };
      batch.events.push(read.event);
      byUser.set(read.user.id, batch);
    }
    return { batches: [...byUser.values()], duplicates, skipped };
  }

  /** The events of a batch reached their child: they count as handled from now on. */
  handedOver(batch: UserBatch): void {
    for (const event of batch.events) {
      this.remember(event.uuid);
      this.queuedUuids.delete(event.uuid);
      this.s.eventsSeen += 1;
    }
  }

  /** A push from the event-hook receiver: new lockouts are queued for dispatch at once. */
  queuePush(events: ProjectedLogEvent[]): PushLockoutEventsResult {
    const { batches, duplicates, skipped } = this.sort(events);
    let accepted = 0;
    for (const batch of batches) {
      for (const event of batch.events) {
        this.s.queued.push({ user: batch.user, event });
        this.queuedUuids.add(event.uuid);
        accepted += 1;
      }
    }
    const result = { accepted, duplicates, skipped: skipped.length };
    this.s.pushed.accepted += accepted;
    this.s.pushed.duplicates += duplicates;
    this.s.pushed.skipped += result.skipped;
    return result;
  }

  /** Takes queued events for at most `maxUsers` users, grouped per user, in arrival order. */
  takeQueued(maxUsers: number): UserBatch[] {
    const byUser = new Map<string, UserBatch>();
    const rest: QueuedLockout[] = [];
    for (const item of this.s.queued) {
      const batch = byUser.get(item.user.id);
      if (batch) batch.events.push(item.event);
      else if (byUser.size < maxUsers) byUser.set(item.user.id, { user: item.user, events: [item.event] });
      else rest.push(item);
    }
    this.s.queued = rest;
    // Taken events leave the queue but stay known as queued until handed over or put back.
    return [...byUser.values()];
  }

  /** A batch that could not be handed over goes back to the front of the queue. */
  requeue(batch: UserBatch): void {
    this.s.queued.unshift(...batch.events.map((event) => ({ user: batch.user, event })));
  }

  episodeFailed(failure: EpisodeFailure, at: string): void {
    this.s.episodesFailed += 1;
    this.s.recentFailures.push({ ...failure, at });
    if (this.s.recentFailures.length > MAX_REPORTS) this.s.recentFailures.shift();
  }

  degrade(reason: string, at: string): void {
    if (this.s.health?.status !== 'degraded' || this.s.health.reason !== reason) this.s.health = { status: 'degraded', reason, since: at };
  }

  /** Back to a cursor Okta gave us: healthy again. */
  recovered(): void {
    this.s.health = { status: 'ok' };
  }

  get health(): PollerHealth {
    return this.s.health ?? { status: 'ok' };
  }

  /**
   * Where a poll without a cursor starts: an operator's reset or the fallback after a lost cursor
   * (`since`), else the look-back on the very first poll.
   */
  startOfNewCursor(nowMs: number, lookbackMs: number): string {
    return this.s.since ?? new Date(nowMs - lookbackMs).toISOString();
  }

  /** After a lost cursor: read again from a while before the last good poll; UUIDs deduplicate the overlap. */
  fallBackToSince(nowMs: number, settings: Pick<PollerSettings, 'fallbackOverlapMs' | 'lookbackMs'>): void {
    const lastGood = this.s.lastSuccessfulPollAt ? Date.parse(this.s.lastSuccessfulPollAt) : nowMs;
    const since = Math.max(lastGood - settings.fallbackOverlapMs, nowMs - settings.lookbackMs);
    this.s.cursor = undefined;
    this.s.since = new Date(since).toISOString();
  }

  view(extra: { orgUrl: string; settings: PollerSettings; polling: boolean; lastPollError?: string; childrenThisRun: number }): PollerState {
    const s = this.s;
    return {
      orgUrl: extra.orgUrl,
      settings: extra.settings,
      health: this.health,
      paused: s.paused,
      polling: extra.polling,
      ...(s.pausedBy ? { pausedBy: s.pausedBy } : {}),
      ...(s.cursor ? { cursor: s.cursor } : {}),
      ...(s.since && !s.cursor ? { since: s.since } : {}),
      ...(s.lastPollAt ? { lastPollAt: s.lastPollAt } : {}),
      ...(s.lastSuccessfulPollAt ? { lastSuccessfulPollAt: s.lastSuccessfulPollAt } : {}),
      ...(extra.lastPollError ? { lastPollError: extra.lastPollError } : {}),
      polls: s.polls,
      eventsSeen: s.eventsSeen,
      lockoutsStarted: s.lockoutsStarted,
      eventsForwarded: s.eventsForwarded,
      skippedEvents: s.skippedEvents,
      recentSkipped: s.recentSkipped,
      queued: s.queued.length,
      pushed: s.pushed,
      childrenThisRun: extra.childrenThisRun,
      episodesFailed: s.episodesFailed,
      recentFailures: s.recentFailures,
      runsSoFar: s.runsSoFar,
    };
  }
}
