/** Names of the workflow-side metrics (plain data: imported by workflow code and by the worker). */
export const WORKFLOW_METRICS = {
  lockoutsDetected: 'okta_access_lockouts_detected',
  lockoutOutcomes: 'okta_access_lockout_outcomes',
  lockToUnlockSeconds: 'okta_access_lock_to_unlock_seconds',
  selfServiceRequests: 'okta_access_self_service_requests',
  pollerLastSuccess: 'okta_access_poller_last_success_timestamp_seconds',
} as const;

/**
 * Bucket bounds for the histograms above (the SDK's defaults are millisecond latencies). Handed to the
 * runtime's Prometheus exporter by the worker.
 */
export const WORKFLOW_HISTOGRAM_BUCKETS: Record<string, number[]> = {
  [WORKFLOW_METRICS.lockToUnlockSeconds]: [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 14400],
};
