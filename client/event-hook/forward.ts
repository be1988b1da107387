/**
 * Hands pushed System Log events to the org's lockout poller through its `pushLockoutEvents` update.
 * Waits only until the poller has accepted the update (its validator ran), never for the dispatch:
 * Okta gives a hook 3 s, and a refused or unanswered update is Okta's cue to retry once.
 */
import { Client, WorkflowUpdateStage, type ConnectionLike, type WorkflowClientInterceptor } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { ProjectedLogEvent } from '../../workflows/lockout/log-event.js';
import { lockoutPollerWorkflowId, MAX_PUSHED_EVENTS, pushLockoutEventsUpdate } from '../../workflows/lockout/messages.js';

export type LockoutEventSink = (events: ProjectedLogEvent[], deadline: number) => Promise<{ updates: number }>;

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The poller's validator said no (malformed batch, full queue, no handler): Okta should retry. */
export class PushRefusedError extends Error {
  override readonly name = 'PushRefusedError';
}

/**
 * `startUpdate(..., { waitForStage: ACCEPTED })` does not throw when the workflow rejects the update:
 * the rejection only surfaces from the handle's `result()`. This interceptor turns it into an error
 * at once, so a refused push is never answered 200.
 */
const refuseRejectedUpdates: WorkflowClientInterceptor = {
  async startUpdate(input, next) {
    const output = await next(input);
    if (output.outcome?.failure) throw new PushRefusedError(output.outcome.failure.message?.slice(0, 200) ?? 'update rejected');
    return output;
  },
};

export interface PollerSinkOptions {
  connection: ConnectionLike;
  namespace: string;
  /** The project's data converter (client/data-converter.ts) in production. */
  dataConverter?: DataConverter;
}

/** A sink that pushes to `lockoutPollerWorkflowId(orgUrl)`, in chunks of at most MAX_PUSHED_EVENTS. */
export function pollerSink(opts: PollerSinkOptions, orgUrl: string): LockoutEventSink {
  const client = new Client({ ...opts, interceptors: { workflow: [refuseRejectedUpdates] } });
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
