/**
 * Lists runs from Temporal visibility without decoding their memos. `client.workflow.list` decodes
 * every memo with the payload codec, so a single run whose memo cannot be decrypted (a retired key,
 * another deployment's key) makes the whole listing throw; reports and sweeps that only need IDs,
 * times and search attributes read the raw listing instead.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, optionalTsToDate, tsToDate } from '@temporalio/common';

export interface ListedRun {
  workflowId: string;
  runId: string;
  /** RUNNING, COMPLETED, FAILED, CANCELED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT (or UNKNOWN). */
  status: string;
  startTime: Date;
  closeTime?: Date;
  /** Keyword search attributes by name (others are left out). */
  keywords: Record<string, string>;
}

// temporal.api.enums.v1.WorkflowExecutionStatus (stable wire values).
const STATUS = ['UNSPECIFIED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT'];

/** Runs matching `query`, newest first as the server returns them; at most `limit` (then `truncated`). */
export async function listRuns(client: Client, query: string, limit: number): Promise<{ runs: ListedRun[]; truncated: boolean }> {
  const runs: ListedRun[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      pageSize: Math.min(1000, limit + 1),
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    for (const raw of page.executions ?? []) {
      if (runs.length >= limit) return { runs, truncated: true };
      const keywords: Record<string, string> = {};
      for (const [name, payload] of Object.entries(raw.searchAttributes?.indexedFields ?? {})) {
        try {
          const value: unknown = defaultPayloadConverter.fromPayload(payload);
          if (typeof value === 'string') keywords[name] = value;
        } catch {
          // Not a keyword we can read: not needed here.
        }
      }
      const closeTime = optionalTsToDate(raw.closeTime);
      runs.push({
        workflowId: raw.execution?.workflowId ?? '',
        runId: raw.execution?.runId ?? '',
        status: STATUS[raw.status ?? 0] ?? 'UNKNOWN',
        startTime: tsToDate(raw.startTime!),
        ...(closeTime ? { closeTime } : {}),
        keywords,
      });
    }
    nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return { runs, truncated: false };
}
