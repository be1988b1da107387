/**
 * Start-or-signal: hands one user's lockout events to that user's episode workflow. Shared by the
 * poller (small pages) and the hand-over workflows it fans large pages out to, so both follow the
 * same rules: a new episode starts with its events in the input; an open one gets a few of them as
 * signals; a run that ends between our start and our signal is retried as a new episode.
 */
import {
  ApplicationFailure,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  getExternalWorkflowHandle,
  startChild,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { AccessActionKey, AccessOutcomeKey, OktaLoginKey, OktaUserIdKey } from '../search-attributes.js';
import { EPISODE_PRIORITY, lockoutEventSignal, lockoutWorkflowId, type LockedUser, type LockoutEvent } from './messages.js';
import type { EpisodeDecision } from './policies.js';
import { lockoutWorkflow, type LockoutInput } from './unlock.js';

/** Events of one user and page handed to a new child with its start (it keeps at most this many). */
export const MAX_EVENTS_AT_START = 20;
/** Events of one user and page signalled to a running child: it needs to know more came, not all of them. */
export const MAX_EVENTS_FORWARDED = 3;

/** What every child of one hand-over shares (the poller's current settings). */
export type ChildBase = Omit<LockoutInput, 'user' | 'firstEvent' | 'moreEvents' | 'decision' | 'attributesAtStart'>;

export interface DispatchHooks {
  /** The unlock policies' decision for a new episode (memoised by the caller: a retry reuses it). */
  decide(): EpisodeDecision | undefined;
  /** The episode's task queue when it is not the caller's own (the poller runs on a queue of its own). */
  taskQueue?: string;
  /** The events joined an open episode after a decision was taken: it was no new lockout after all. */
  joined?(): void;
}

export type Dispatched = { started: true } | { started: false; forwarded: number };

export async function dispatchBatch(user: LockedUser, events: LockoutEvent[], base: ChildBase, hooks: DispatchHooks): Promise<Dispatched> {
  const childId = lockoutWorkflowId(user.id);
  const [first, ...more] = events.slice(0, MAX_EVENTS_AT_START) as [LockoutEvent, ...LockoutEvent[]];
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const decision = hooks.decide();
      const childInput: LockoutInput = {
        user,
        firstEvent: first,
        ...(more.length ? { moreEvents: more } : {}),
        ...base,
        attributesAtStart: true,
        ...(decision ? { decision } : {}),
      };
      await startChild(lockoutWorkflow, {
        workflowId: childId,
        args: [childInput],
        ...(hooks.taskQueue ? { taskQueue: hooks.taskQueue } : {}),
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
        priority: { priorityKey: EPISODE_PRIORITY },
        typedSearchAttributes: [
          { key: OktaUserIdKey, value: user.id },
          ...(user.login ? [{ key: OktaLoginKey, value: user.login }] : []),
          { key: AccessActionKey, value: 'unlock' },
          { key: AccessOutcomeKey, value: 'pending' },
        ],
        memo: { firstEventUuid: first.uuid, firstEventType: first.eventType, policy: base.policy, ...(decision ? { decision: decision.mode } : {}) },
      });
      return { started: true };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // Not a new episode after all: the events join the open one and count as no lockout of their own.
      hooks.joined?.();
    }
    try {
      const child = getExternalWorkflowHandle(childId);
      const forwarded = events.slice(0, MAX_EVENTS_FORWARDED);
      for (const event of forwarded) await child.signal(lockoutEventSignal, event);
      return { started: false, forwarded: forwarded.length };
    } catch {
      // That run completed between our start and our signal: the next attempt starts a new episode.
    }
  }
  throw ApplicationFailure.retryable(`could not hand events to ${childId}`, 'LockoutHandOverFailed');
}
