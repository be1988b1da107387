/**
 * Where a poller's time goes, read from its histories: how long its workflow tasks waited for a
 * worker (first scheduled → started: a task that timed out on the sticky queue and was scheduled
 * again counts from the first time), and how long the worker took on them (started → completed). A
 * run evicted from the worker's cache is replayed inside that worker time; the history does not say
 * which tasks those were (the worker's `temporal_sticky_cache_miss` metric counts them).
 */
import type { temporal } from '@temporalio/proto';

type Event = temporal.api.history.v1.IHistoryEvent;

const ms = (e: Event) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);

export interface PollerTaskStats {
  workflowTasks: number;
  waitedMs: number[];
  workedMs: number[];
}

export function pollerTaskStats(histories: Event[][]): PollerTaskStats {
  const stats: PollerTaskStats = { workflowTasks: 0, waitedMs: [], workedMs: [] };
  for (const events of histories) {
    let firstScheduled: Event | undefined;
    let started: Event | undefined;
    for (const e of events) {
      if (e.workflowTaskScheduledEventAttributes) firstScheduled ??= e;
      else if (e.workflowTaskStartedEventAttributes && firstScheduled) started = e;
      else if ((e.workflowTaskCompletedEventAttributes || e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes) && started) {
        // A failed or timed-out attempt (or one that timed out before any worker started it, which
        // reaches none of these branches): the task is scheduled again and its wait goes on.
        if (e.workflowTaskCompletedEventAttributes) {
          stats.workflowTasks += 1;
          stats.waitedMs.push(ms(started) - ms(firstScheduled!));
          stats.workedMs.push(ms(e) - ms(started));
          firstScheduled = undefined;
        }
        started = undefined;
      }
    }
  }
  return stats;
}
