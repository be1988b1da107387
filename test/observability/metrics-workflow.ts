// A workflow for the metrics test only: calls every helper of workflows/metrics.ts once.
import {
  recordLockToUnlockSeconds,
  recordLockoutDetected,
  recordLockoutOutcome,
  recordPollSuccess,
  recordSelfServiceRequest,
} from '../../workflows/metrics.js';

export async function metricsProbeWorkflow(): Promise<number> {
  recordLockoutDetected(2);
  recordLockoutOutcome('unlocked');
  recordLockoutOutcome('held');
  recordLockToUnlockSeconds(42.5);
  recordSelfServiceRequest('reset-password', 'Completed');
  recordSelfServiceRequest('reset-mfa', 'denied: <script>');
  const now = new Date().getTime();
  recordPollSuccess(now);
  return now;
}
