/**
 * How a self-service run ends: its outcome in the book, the search attribute and memo, the linger that
 * answers late requests after a successful reset, and the employee's notification.
 */
import { ActivityFailure, allHandlersFinished, ApplicationFailure, condition, log, patched, proxyActivities, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SelfServiceActivities } from '../../activities/self-service/activities.js';
import { recordSelfServiceRequest } from '../metrics.js';
import { AccessOutcomeKey } from '../search-attributes.js';
import type { SelfServiceOutcome, SelfServiceWorkflowInput } from './messages.js';
import type { SelfServiceResult, SelfServiceRun } from './request-book.js';

export const { notifySelfService } = proxyActivities<SelfServiceActivities>({
  startToCloseTimeout: '20s',
  retry: { maximumAttempts: 5, initialInterval: '2s' },
});

/** Marker: after a successful reset the run keeps answering late requests for the same account. */
export const ANSWER_LINGER = 'self-service-answer-linger';
/** Marker: late asks answered during the linger restart its quiet time. */
const LINGER_COUNTS_LATE_ANSWERS = 'self-service-linger-counts-late-answers';

export async function finish(run: SelfServiceRun, input: SelfServiceWorkflowInput, o: SelfServiceOutcome): Promise<SelfServiceResult> {
  const { book } = run;
  book.outcome = o;
  book.phase = 'done';
  book.touch();
  upsertSearchAttributes([{ key: AccessOutcomeKey, value: o }]);
  upsertMemo({ target: book.target?.login ?? input.target, outcome: o, requests: book.memoRequests() });
  // No history: nothing to version. Counted once per run, when it reaches its outcome.
  recordSelfServiceRequest(run.action, o);
  if ((o === 'link-issued' || o === 'factors-reset') && patched(ANSWER_LINGER)) {
    // Requests for this account that arrive just after the reset (a user mashing the button, a chat
    // platform or the client retrying after the server's update limits) join this run and get the
    // same answer instead of starting a second reset. Open while requests keep coming, bounded by
    // MAX_TRACKED_REQUESTS.
    // Late asks answered from the book keep it open too (runs before this marker counted only tracked
    // ones, so a client's retries could land just after the close and start a second reset).
    const countLateAnswers = patched(LINGER_COUNTS_LATE_ANSWERS);
    const quietMs = book.policy?.answerLingerMs ?? 0;
    let seen = book.lingerActivity(countLateAnswers);
    while (quietMs > 0 && (await condition(() => book.lingerActivity(countLateAnswers) !== seen, quietMs))) seen = book.lingerActivity(countLateAnswers);
  }
  // Requests that arrived meanwhile are answered before the run closes.
  await condition(() => book.queue.length === 0 && !book.authorizing && allHandlersFinished());
  return book.result();
}

/** Tells the account's owner (once the target is known); a failed notification does not fail the run. */
export async function notifyTarget(run: SelfServiceRun, text: string): Promise<void> {
  const target = run.book.target;
  if (!target) return;
  try {
    await notifySelfService({ userId: target.oktaUserId, login: target.login, workflowId: workflowInfo().workflowId, text });
  } catch (err) {
    log.warn('employee notification failed', { error: err instanceof Error ? err.message : String(err) });
  }
}

export function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return `${err.cause.type ?? 'error'}: ${err.cause.message}`;
  return err instanceof Error ? err.message : 'unknown error';
}
