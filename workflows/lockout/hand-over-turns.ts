/**
 * Turns of a storm's hand-overs, kept by the poller (pure: no Temporal APIs, unit-tested directly).
 *
 * Every hand-over of a large page starts at once (the poller's cursor moves on), but with a storm
 * rate only one at a time starts its episodes, in the order the log named them, paced at that rate.
 * The next gets its turn when the one before reports. Ten thousand episodes started at once would
 * only wait on the server (one history shard works through their starts in order, an unrelated
 * lockout's behind them) and in the workers' memory; paced, they wait in the hand-overs' inputs.
 *
 * No turn is lost for good: a turn not reported by its deadline is given up (the hand-over was
 * terminated), and a hand-over never told its turn goes on alone after its own longest wait.
 */
import type { CarriedState } from './poller-state.js';

/** Hand-overs awaiting their report that the poller remembers (the oldest are forgotten first). */
export const MAX_OPEN_HAND_OVERS = 2_000;
/** Hand-overs starting episodes at once: one, so the storm rate is the rate of all of them. */
const MAX_ACTIVE = 1;
/** Slack on every deadline: a loaded server and worker take a while to pass a signal on. */
const SLACK_MS = 120_000;
/** The longest a hand-over waits for its turn before it goes on alone, and the longest turn. */
const MAX_WAIT_MS = 7 * 86_400_000;

type TurnsState = Pick<CarriedState, 'openHandOvers' | 'handOverTurns' | 'activeHandOvers'>;

/** How long `users` episodes take at `startsPerSecond`, with room to spare. */
export function turnMs(users: number, startsPerSecond: number): number {
  return Math.min(MAX_WAIT_MS, Math.ceil((2 * users * 1_000) / startsPerSecond) + SLACK_MS);
}

export class HandOverTurns {
  constructor(private readonly s: TurnsState) {}

  /** A hand-over started; paced ones wait for their turn. */
  opened(id: string, users: number, paced: boolean): void {
    const open = (this.s.openHandOvers ??= {});
    open[id] = users;
    if (paced) (this.s.handOverTurns ??= []).push(id);
    const keys = Object.keys(open);
    if (keys.length <= MAX_OPEN_HAND_OVERS) return;
    // Past the bound, forget the oldest that is neither waiting nor starting episodes, if any.
    const line = new Set(this.s.handOverTurns ?? []);
    const active = this.s.activeHandOvers ?? {};
    this.forget(keys.find((key) => !line.has(key) && !Object.hasOwn(active, key)) ?? keys[0]!);
  }

  /** A hand-over's report: its users if it is open (only its own report counts, and once), else undefined. */
  reported(id: string): number | undefined {
    const users = this.users(id);
    if (users === undefined) return undefined;
    this.forget(id);
    return users;
  }

  /**
   * The hand-overs whose turn it is now (removed from the waiting line), at most `max` at once.
   * Without a storm rate every waiting one goes (pacing was switched off while they waited).
   */
  due(nowMs: number, startsPerSecond: number | undefined, max: number): string[] {
    const active = (this.s.activeHandOvers ??= {});
    for (const [id, deadline] of Object.entries(active)) if (deadline <= nowMs) delete active[id];
    const line = this.s.handOverTurns ?? [];
    const out: string[] = [];
    while (line.length > 0 && out.length < max && (startsPerSecond === undefined || Object.keys(active).length < MAX_ACTIVE)) {
      const id = line.shift()!;
      const users = this.users(id);
      if (users === undefined) continue;
      if (startsPerSecond !== undefined) active[id] = nowMs + turnMs(users, startsPerSecond);
      out.push(id);
    }
    return out;
  }

  /** Hand-overs still waiting (a grant call was capped). */
  get anyWaiting(): boolean {
    return (this.s.handOverTurns?.length ?? 0) > 0;
  }

  /** A hand-over could not be told its turn (it has ended without a report): it holds no turn. */
  gone(id: string): void {
    this.forget(id);
  }

  /**
   * The longest a new hand-over of `users` waits for its turn: everyone ahead of it and itself, each
   * turn with the slack the poller allows it before giving it up, and the same again to spare.
   */
  maxWaitMs(users: number, startsPerSecond: number): number {
    const ahead = [...(this.s.handOverTurns ?? []), ...Object.keys(this.s.activeHandOvers ?? {})];
    const aheadUsers = ahead.reduce((sum, id) => sum + (this.users(id) ?? 0), 0);
    return Math.min(MAX_WAIT_MS, turnMs(aheadUsers + users, startsPerSecond) + ahead.length * SLACK_MS + SLACK_MS);
  }

  /** For operators: hand-overs waiting for their turn and starting episodes now. */
  get view(): { waiting: number; active: number } {
    return { waiting: this.s.handOverTurns?.length ?? 0, active: Object.keys(this.s.activeHandOvers ?? {}).length };
  }

  /** Own keys only: a report naming `constructor` or `__proto__` finds nothing. */
  private users(id: string): number | undefined {
    const open = this.s.openHandOvers;
    const users = open && Object.hasOwn(open, id) ? open[id] : undefined;
    return typeof users === 'number' ? users : undefined;
  }

  private forget(id: string): void {
    if (this.s.openHandOvers && Object.hasOwn(this.s.openHandOvers, id)) delete this.s.openHandOvers[id];
    if (this.s.activeHandOvers && Object.hasOwn(this.s.activeHandOvers, id)) delete this.s.activeHandOvers[id];
    const line = this.s.handOverTurns;
    const at = line?.indexOf(id) ?? -1;
    if (at >= 0) line!.splice(at, 1);
  }
}

/**
 * When a paced hand-over's next chunk is due. Its workflow time (the start of the task that a timer
 * woke) trails the timer by the server's and worker's latency, and a schedule restarted from that
 * time lost the latency at every chunk: 0.87 of the storm rate on a loaded dev server. The next
 * chunk is due one period after the last was *due*; only a chunk later than `creditMs` (a retry's
 * backoff, a stalled worker) restarts the schedule, so lost time is made up by at most one extra chunk at once.
 */
export function nextChunkAt(dueAt: number, now: number, periodMs: number, creditMs: number): number {
  return (now - dueAt > creditMs ? now : dueAt) + periodMs;
}
