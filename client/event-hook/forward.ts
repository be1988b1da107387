/**
 * Hands pushed System Log events to the org's lockout poller through its `pushLockoutEvents` update.
 * Waits only until the poller has accepted the update (its validator ran), never for the dispatch:
 * Okta gives a hook 3 s, and a refused or unanswered update is Okta's cue to retry once.
 */
import { WorkflowUpdateStage, type Client } from '@temporalio/client';
import type { ProjectedLogEvent } from '../../workflows/lockout/log-event.js';
import { lockoutPollerWorkflowId, MAX_PUSHED_EVENTS, pushLockoutEventsUpdate } from '../../workflows/lockout/messages.js';

export type LockoutEventSink = (events: ProjectedLogEvent[], deadline: number) => Promise<{ updates: number }>;

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A sink that pushes to `lockoutPollerWorkflowId(orgUrl)`, in chunks of at most MAX_PUSHED_EVENTS. */
export function pollerSink(client: Client, orgUrl: string): LockoutEventSink {
  const handle = client.workflow.getHandle(lockoutPollerWorkflowId(orgUrl));
  return async (events, deadline) => {
    const chunks = chunk(events, MAX_PUSHED_EVENTS);
    // The poller deduplicates by event UUID, so a chunk accepted before a later one fails is
    // harmless when Okta redelivers the whole batch.
    for (const part of chunks) {
      await client.withDeadline(deadline, () =>
        handle.startUpdate(pushLockoutEventsUpdate, { args: [{ events: part, source: 'event-hook' }], waitForStage: WorkflowUpdateStage.ACCEPTED }),
      );
    }
    return { updates: chunks.length };
  };
}
