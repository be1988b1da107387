/**
 * A one-activity workflow that proves the whole path works: the client reaches the server, a
 * worker picks up the workflow task and runs an activity. `npm run cli -- doctor` starts it.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { DiagnosticsActivities, WorkerDescription } from '../activities/diagnostics.js';

const { describeWorker } = proxyActivities<DiagnosticsActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 3 },
});

export function diagnosticsWorkflowId(nonce: string): string {
  return `diagnostics/${nonce}`;
}

export async function diagnosticsWorkflow(echo: string): Promise<WorkerDescription> {
  return await describeWorker(echo);
}
