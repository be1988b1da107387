/**
 * An Update whose workflow task failed was never applied. The server answers FAILED_PRECONDITION
 * ("unexpected workflow task failure") when the task that took the update also closed the run
 * (stop, continue-as-new) and lost a race with a new event, such as a timer firing: that task is
 * retried without the update. Sending it again, under the same update ID, is safe and is what
 * makes `npm start` and the CLI's poller commands dependable.
 */
import { randomUUID } from 'node:crypto';
import { isGrpcServiceError, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';

const GRPC_FAILED_PRECONDITION = 9;

/** Whether `err` or one of its first few causes matches: the client wraps the server's gRPC error. */
export function anyCause(err: unknown, match: (e: unknown) => boolean): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (match(e)) return true;
  }
  return false;
}

export function isLostUpdate(err: unknown): boolean {
  return anyCause(err, (e) => isGrpcServiceError(e) && e.code === GRPC_FAILED_PRECONDITION && /workflow task failure/i.test(e.details ?? e.message));
}

/** Runs `send` (which must reuse one update ID) again while its update was lost, a few times with a short backoff. */
export async function retryLostUpdate<T>(send: () => Promise<T>, attempts = 5, firstDelayMs = 200): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (attempt >= attempts || !isLostUpdate(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, firstDelayMs * 2 ** (attempt - 1)));
    }
  }
}

/** Executes an Update under one update ID, sent again while it was lost with its workflow task. */
export function executeUpdateRetrying<Ret, Args extends [unknown, ...unknown[]]>(handle: WorkflowHandle, def: UpdateDefinition<Ret, Args>, args: Args): Promise<Ret> {
  const updateId = randomUUID();
  return retryLostUpdate(() => handle.executeUpdate(def, { args, updateId }));
}
