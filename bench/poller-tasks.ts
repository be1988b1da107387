/**
 * Where a poller's time goes, read from its histories: how long its workflow tasks waited for a
 * worker (scheduled → started), how long the worker took on them (started → completed: replay
 * included), and how often a task went to the normal queue instead of the worker's sticky one (the
 * run had left the worker's cache, so the worker replayed its whole history first).
 */
import type { temporal } from '@temporalio/proto';

type Event = temporal.api.history.v1.IHistoryEvent;
/** temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL, as a number or (histories read back from JSON) its name. */
const isNormal = (kind: unknown) => kind === 1 || kind === 'TASK_QUEUE_KIND_NORMAL';

const ms = (e: Event) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);

export interface PollerTaskStats {
  workflowTasks: number;
  /** Tasks after a run's first that went to the normal queue: the run had been evicted. */
  replays: number;
  waitedMs: number[];
  workedMs: number[];
  /** Worker time of the tasks that followed an eviction. */
  replayWorkedMs: number[];
}

export function pollerTaskStats(histories: Event[][]): PollerTaskStats {
  const stats: PollerTaskStats = { workflowTasks: 0, replays: 0, waitedMs: [], workedMs: [], replayWorkedMs: [] };
  for (const events of histories) {
    let scheduled: Event | undefined;
    let started: Event | undefined;
    let first = true;
    let replay = false;
    for (const e of events) {
      if (e.workflowTaskScheduledEventAttributes) {
        scheduled = e;
        replay = !first && isNormal(e.workflowTaskScheduledEventAttributes.taskQueue?.kind);
        first = false;
      } else if (e.workflowTaskStartedEventAttributes && scheduled) {
        started = e;
        stats.waitedMs.push(ms(e) - ms(scheduled));
      } else if (e.workflowTaskCompletedEventAttributes && started) {
        stats.workflowTasks += 1;
        stats.workedMs.push(ms(e) - ms(started));
        if (replay) {
          stats.replays += 1;
          stats.replayWorkedMs.push(ms(e) - ms(started));
        }
        started = undefined;
      }
    }
  }
  return stats;
}
