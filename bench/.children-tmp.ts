import { Connection } from '@temporalio/client';
const connection = await Connection.connect({ address: process.argv[2]! });
const since = new Date(Date.now() - Number(process.argv[3]) * 1000).toISOString();
const starts: number[] = []; const closes: number[] = []; const runs: number[] = [];
let nextPageToken: Uint8Array | undefined;
const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
do {
  const res = await connection.workflowService.listWorkflowExecutions({ namespace: 'default', pageSize: 1000, query: `WorkflowType = 'lockoutWorkflow' AND StartTime > '${since}'`, ...(nextPageToken ? { nextPageToken } : {}) });
  for (const w of res.executions ?? []) { const s = ms(w.startTime); const c = ms(w.closeTime); starts.push(s); if (c) { closes.push(c); runs.push(c - s); } }
  nextPageToken = res.nextPageToken?.length ? res.nextPageToken : undefined;
} while (nextPageToken);
starts.sort((a, b) => a - b); closes.sort((a, b) => a - b); runs.sort((a, b) => a - b);
const s = (v: number) => +(v / 1000).toFixed(1);
console.log(JSON.stringify({ children: starts.length, childStartsSpreadSeconds: s(starts.at(-1)! - starts[0]!), lastCloseAfterFirstStart: s(closes.at(-1)! - starts[0]!), childRunSeconds: { p50: s(runs[Math.floor(runs.length / 2)]!), p95: s(runs[Math.floor(runs.length * 0.95)]!), max: s(runs.at(-1)!) } }));
await connection.close();
