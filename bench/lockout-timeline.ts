/**
 * After a spray benchmark: when the lockout workflows started and closed, from the server's visibility
 * store (no payloads decoded). Separates the poller's hand-over (how long the child starts are spread)
 * from the children's own run time.
 *
 *   npx tsx bench/lockout-timeline.ts 127.0.0.1:7400 300     # lockoutWorkflow runs started in the last 300 s
 */
import { Connection } from '@temporalio/client';

const [address = '127.0.0.1:7233', window = '600'] = process.argv.slice(2);
const since = new Date(Date.now() - Number(window) * 1000).toISOString();
const connection = await Connection.connect({ address });
const starts: number[] = [];
const closes: number[] = [];
const runs: number[] = [];
const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
let nextPageToken: Uint8Array | undefined;
do {
  const res = await connection.workflowService.listWorkflowExecutions({
    namespace: process.env.BENCH_TEMPORAL_NAMESPACE ?? 'default',
    pageSize: 1000,
    query: `WorkflowType = 'lockoutWorkflow' AND StartTime > '${since}'`,
    ...(nextPageToken ? { nextPageToken } : {}),
  });
  for (const w of res.executions ?? []) {
    const start = ms(w.startTime);
    const close = ms(w.closeTime);
    starts.push(start);
    if (close) {
      closes.push(close);
      runs.push(close - start);
    }
  }
  nextPageToken = res.nextPageToken?.length ? res.nextPageToken : undefined;
} while (nextPageToken);
await connection.close();
for (const list of [starts, closes, runs]) list.sort((a, b) => a - b);
const s = (v: number | undefined) => (v === undefined ? null : +(v / 1000).toFixed(1));
console.log(
  JSON.stringify({
    children: starts.length,
    childStartsSpreadSeconds: s(starts.at(-1)! - starts[0]!),
    lastCloseAfterFirstStartSeconds: s(closes.at(-1)! - starts[0]!),
    childRunSeconds: { p50: s(runs[Math.floor(runs.length / 2)]), p95: s(runs[Math.floor(runs.length * 0.95)]), max: s(runs.at(-1)) },
  }),
);
