/**
 * The project's workflow-side metrics, through the SDK's workflow-safe `metricMeter`: values go out via
 * a sink to the worker's runtime (served on the worker's /metrics), nothing is recorded while a workflow
 * replays, and the SDK adds `namespace`, `taskQueue` and `workflowType` labels. Each helper is one call
 * from workflow code; none of them touches workflow state or history.
 *
 * Names (Prometheus, as exported): see WORKFLOW_METRICS.
 */
import { metricMeter } from '@temporalio/workflow';
import { WORKFLOW_METRICS } from './metric-names.js';

export { WORKFLOW_METRICS } from './metric-names.js';


/** How a lockout episode ended: unlocked, held (not unlocked on purpose: policy, user said no, protected), or failed. */
export type LockoutOutcomeMetric = 'unlocked' | 'held' | 'failed';

export type SelfServiceActionMetric = 'reset-password' | 'reset-mfa';

/** A bounded, readable outcome such as `completed`, `denied`, `refused`, `expired`, `failed`. */
export type SelfServiceOutcomeMetric = string;

/** A new lockout episode was detected (call once per episode, where its child workflow starts). */
export function recordLockoutDetected(count = 1): void {
  if (count > 0) metricMeter.createCounter(WORKFLOW_METRICS.lockoutsDetected, '1', 'Lockout episodes detected').add(count);
}

/** A lockout episode ended with this outcome (call once, when the episode workflow finishes). */
export function recordLockoutOutcome(outcome: LockoutOutcomeMetric): void {
  metricMeter.createCounter(WORKFLOW_METRICS.lockoutOutcomes, '1', 'Lockout episodes by outcome').add(1, { outcome });
}

/**
 * Seconds from the lock (the System Log event's `published`) to the confirmed unlock. Pass workflow time
 * (`new Date()` inside a workflow is deterministic) minus the event time; negative values (clock skew)
 * count as 0.
 */
export function recordLockToUnlockSeconds(seconds: number): void {
  metricMeter
    .createHistogram(WORKFLOW_METRICS.lockToUnlockSeconds, 'float', 's', 'Time from lockout to confirmed unlock')
    .record(Number.isFinite(seconds) ? Math.max(0, seconds) : 0);
}

/** A self-service request reached an answer (call once per request, with its final outcome). */
export function recordSelfServiceRequest(action: SelfServiceActionMetric, outcome: SelfServiceOutcomeMetric): void {
  metricMeter
    .createCounter(WORKFLOW_METRICS.selfServiceRequests, '1', 'Self-service requests by action and outcome')
    .add(1, { action, outcome: boundedLabel(outcome) });
}

/**
 * The poller read the System Log successfully. Sets a gauge to the poll time in Unix seconds; poller lag
 * is `time() - okta_access_poller_last_success_timestamp_seconds` in PromQL.
 */
export function recordPollSuccess(atMs: number = new Date().getTime()): void {
  metricMeter
    .createGauge(WORKFLOW_METRICS.pollerLastSuccess, 'float', 's', 'Unix time of the last successful System Log poll')
    .set(Math.max(0, atMs / 1000));
}

/** Label values must stay few and safe: lowercase words and dashes, at most 32 characters. */
function boundedLabel(value: string): string {
  const clean = value.toLowerCase().replace(/[^a-z0-9_-]/g, '_').slice(0, 32);
  return clean || 'unknown';
}
