/**
 * A password spray at scale: N accounts locked within seconds, drained by the real pipeline (the
 * project's worker processes, a Temporal server, the Okta simulator over HTTP) at a configured Okta
 * rate. Unrelated users (bystanders) are locked one at a time throughout the drain, every
 * BENCH_BYSTANDER_EVERY seconds (default 30), to measure detection under load.
 *
 *   npm run bench -- spray                                   # 10,000 lockouts at 50 calls/s on the suite's dev server
 *   BENCH_LOCKOUTS=500 BENCH_RATE=20 npm run bench -- spray
 *   BENCH_TEMPORAL_ADDRESS=127.0.0.1:7433 BENCH_WORKERS=2 npm run bench -- spray   # another server (e.g. npm run cluster)
 *
 * Prints one JSON line of figures (docs/benchmarks.md records them). Everything it starts, it stops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { createDataConverter } from '../client/data-converter.js';
import { startLockoutPoller } from '../client/lockout-client.js';
import { startOktaSimulator } from '../okta-sim/index.js';
import { loadConfig } from '../temporal.config.js';
import { lockoutPollerWorkflowId, lockoutWorkflowId, pollerStateQuery } from '../workflows/lockout/messages.js';
import { eventually } from '../test/helpers/eventually.js';
import { pollerTaskStats } from './poller-tasks.js';

const N = Number(process.env.BENCH_LOCKOUTS ?? 10_000);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const POLL = process.env.BENCH_POLL ?? '10s';
const BYSTANDER_EVERY_MS = Number(process.env.BENCH_BYSTANDER_EVERY ?? 30) * 1000;
if (!(BYSTANDER_EVERY_MS >= 1_000)) throw new Error('BENCH_BYSTANDER_EVERY: seconds between bystanders, at least 1');
const address = process.env.BENCH_TEMPORAL_ADDRESS ?? process.env.TEST_TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const namespace = process.env.BENCH_TEMPORAL_NAMESPACE ?? 'default';

const sim = await startOktaSimulator({ seed: `spray-${randomUUID()}`, quiet: true });
// A large org's limits: the product's own rate, not Okta's, is what paces the spray.
const wide = { limit: 1_000_000, windowMs: 60_000 };
await sim.control.setRateLimits({ logs: wide, userGet: wide, userLifecycle: wide, default: wide, tokenShare: 1, concurrency: 1_000 });
const queue = `spray-${randomUUID().slice(0, 8)}`;
const env: Record<string, string> = {
  TEMPORAL_ADDRESS: address,
  TEMPORAL_NAMESPACE: namespace,
  TEMPORAL_TASK_QUEUE: queue,
  TEMPORAL_OKTA_TASK_QUEUE: `${queue}-okta`,
  TEMPORAL_OKTA_LOG_TASK_QUEUE: `${queue}-okta-logs`,
  OKTA_ORG_URL: sim.url,
  OKTA_API_TOKEN: sim.apiToken,
  OKTA_MAX_REQUESTS_PER_SECOND: String(RATE),
  OKTA_LOG_MAX_REQUESTS_PER_SECOND: '2',
  LOCKOUT_POLL_INTERVAL: POLL,
  LOCKOUT_POLL_PAGE_SIZE: '1000',
  LOCKOUT_LOOKBACK: '5m',
  PAYLOAD_ENCRYPTION_KEYS: `bench:${Buffer.alloc(32, 3).toString('base64')}`,
  LOG_LEVEL: 'ERROR',
  // The storm breaker would hold every lockout after the 50th (by design): this run measures the
  // unlock path, as in an org that chose to let sprays unlock. BENCH_BREAKER=on keeps it.
  ...(process.env.BENCH_BREAKER === 'on' ? {} : { STORM_BREAKER_THRESHOLD: '5000', STORM_BREAKER_WINDOW: '1s' }),
  // BENCH_STORM_RATE: episodes a storm starts per second (default: half the Okta rate).
  ...(process.env.BENCH_STORM_RATE ? { LOCKOUT_STORM_STARTS_PER_SECOND: process.env.BENCH_STORM_RATE } : {}),
  // Several worker processes on one machine: each picks a free port for its health endpoints.
  WORKER_HEALTH_PORT: '0',
  // Bundled ahead, as a deployment does (the bundler's own start-up peak is not the worker's steady state).
  ...(process.env.TEST_WORKFLOW_BUNDLE ? { WORKFLOW_BUNDLE_PATH: process.env.TEST_WORKFLOW_BUNDLE } : {}),
};
const config = loadConfig(env, { dotEnvPath: false });
// A storm's poller history runs to megabytes a page: above gRPC's 4 MB default.
const connection = await Connection.connect({ address, channelArgs: { 'grpc.max_receive_message_length': 128 * 1024 * 1024 } });
const client = new Client({ connection, namespace, dataConverter: createDataConverter(config) });
const workers: ChildProcess[] = [];
const peakRssMb = new Map<number, number>();
const sampleRss = () => {
  for (const w of workers) {
    try {
      const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${w.pid}/status`, 'utf8'))?.[1] ?? 0);
      peakRssMb.set(w.pid!, Math.max(peakRssMb.get(w.pid!) ?? 0, Math.round(kb / 1024)));
    } catch {
      // The worker exited.
    }
  }
};
const rssTimer = setInterval(sampleRss, 1_000);
/** Median, 90th percentile and maximum of durations in ms, in seconds. */
const spread = (ms: number[], digits = 1) => {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => +(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! / 1000).toFixed(digits);
  return { median: at(0.5), p90: at(0.9), max: +(sorted.at(-1)! / 1000).toFixed(digits) };
};

try {
  for (let i = 0; i < WORKERS; i++) {
    const nodeOptions = process.env.BENCH_WORKER_NODE_OPTIONS ?? process.env.NODE_OPTIONS ?? '';
    // BENCH_WORKER_ARGS: the worker built another way, e.g. compiled to JavaScript (`dist/workers/main.js`).
    const args = process.env.BENCH_WORKER_ARGS?.split(' ').filter(Boolean) ?? ['--import', 'tsx', 'workers/main.ts'];
    workers.push(spawn(process.execPath, args, { env: { ...process.env, ...env, NODE_OPTIONS: nodeOptions }, stdio: ['ignore', 'ignore', 'inherit'] }));
  }
  const users: { id: string }[] = [];
  for (let i = 0; i < N; i += 200) {
    users.push(...(await Promise.all(Array.from({ length: Math.min(200, N - i) }, (_, j) => sim.control.createUser({ login: `spray.${i + j}@example.com` })))));
  }
  // Enough bystanders for a long drain; each is locked once.
  const bystanders = await Promise.all(Array.from({ length: 200 }, (_, i) => sim.control.createUser({ login: `bystander.${i}@example.com` })));
  const bystanderIds = new Set(bystanders.map((b) => lockoutWorkflowId(b.id)));
  await startLockoutPoller(client, config, sim.url);
  const pollerHandle = client.workflow.getHandle(lockoutPollerWorkflowId(sim.url));
  await eventually('the poller polling', async () => (await pollerHandle.query(pollerStateQuery)).polls >= 1, 120_000, 500);
  await sim.control.clearRequests();

  const t0 = Date.now();
  for (let i = 0; i < users.length; i += 100) {
    await Promise.all(users.slice(i, i + 100).map((u) => sim.control.lockUser(u.id, { via: 'failed-signins', attempts: 1 })));
  }
  const sprayedIn = Date.now() - t0;

  // Unrelated lockouts through the whole drain, the first 20 s in: how long until each one's episode starts?
  const detections: number[] = [];
  const bystanderTimes: { userId: string; lockedAt: number; startedAt: number }[] = [];
  const bystanderActive: number[] = [];
  const bystanderErrors: string[] = [];
  const pending: Promise<void>[] = [];
  let drained = false;
  // A wait that ends early once the storm has drained (or the run failed).
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const until = Date.now() + ms;
      const tick = setInterval(() => {
        if (!drained && Date.now() < until) return;
        clearInterval(tick);
        resolve();
      }, 250);
    });
  const watchBystander = async (userId: string) => {
    const lockedAt = Date.now();
    await sim.control.lockUser(userId, { via: 'failed-signins' });
    // A log read before the lock call returned may not hold the event: the next read is counted from here.
    const lockReturnedAt = Date.now();
    const handle = client.workflow.getHandle(lockoutWorkflowId(userId));
    const started = await eventually('a bystander detected', async () => (await handle.describe()).startTime, 600_000, 100);
    detections.push(started.getTime() - lockedAt);
    bystanderTimes.push({ userId, lockedAt: lockReturnedAt, startedAt: started.getTime() });
    const closed = await eventually('a bystander unlocked', async () => (await handle.describe()).closeTime, 3_600_000, 500);
    bystanderActive.push(closed.getTime() - lockedAt);
  };
  const bystanderLoop = (async () => {
    await pause(20_000);
    for (const b of bystanders) {
      if (drained) return;
      pending.push(watchBystander(b.id).catch((err: unknown) => void bystanderErrors.push(String(err))));
      await pause(BYSTANDER_EVERY_MS);
    }
  })();

  // The storm's own calls: a bystander locked after the storm would stretch its figures.
  const bystanderUserIds = new Set(bystanders.map((b) => b.id));
  const isStormCall = (path: string) => !bystanderUserIds.has(path.split('/')[4] ?? '');
  let lastUnlocks = 0;
  try {
    await eventually(
      'every lockout unlocked',
      async () => {
        const unlocks = (await sim.control.requests({ pathPrefix: '/api/v1/users/', method: 'POST' })).filter((r) => r.status === 200 && isStormCall(r.path)).length;
        if (unlocks !== lastUnlocks) console.error(`${Math.round((Date.now() - t0) / 1000)} s: ${unlocks} unlocked`);
        lastUnlocks = unlocks;
        return unlocks >= N;
      },
      6 * 3_600_000,
      5_000,
    );
  } finally {
    drained = true;
  }
  const drainedMs = Date.now() - t0;
  await bystanderLoop;
  await Promise.all(pending);
  if (bystanderErrors.length > 0) throw new Error(`bystanders failed: ${bystanderErrors.join('; ')}`);

  // The pipeline's own share of a detection: from the first System Log read after the lock (the
  // rest is waiting for the poll interval) to the episode's start.
  const logReads = (await sim.control.requests({ pathPrefix: '/api/v1/logs' })).map((r) => Date.parse(r.at)).sort((a, b) => a - b);
  const afterRead = bystanderTimes.map(({ lockedAt, startedAt }) => startedAt - (logReads.find((t) => t >= lockedAt) ?? lockedAt));
  const calls = (await sim.control.requests({ pathPrefix: '/api/v1/users/' })).filter((c) => isStormCall(c.path));
  const times = calls.map((c) => Date.parse(c.at)).sort((a, b) => a - b);
  const busySeconds = (times.at(-1)! - times[0]!) / 1000;
  const sample = users.filter((_, i) => i % Math.max(1, Math.floor(N / 20)) === 0).slice(0, 20);
  const events = await Promise.all(sample.map(async (u) => (await client.workflow.getHandle(lockoutWorkflowId(u.id)).fetchHistory()).events?.length ?? 0));
  const pollerRuns: number[] = [];
  const pollerHistories = [];
  // Visibility records a run's history length when it closes: the running one is described.
  for await (const run of client.workflow.list({ query: `WorkflowId = "${lockoutPollerWorkflowId(sim.url)}"` })) {
    const handle = client.workflow.getHandle(run.workflowId, run.runId);
    pollerRuns.push(run.status.name === 'RUNNING' ? (await handle.describe()).historyLength : run.historyLength);
    pollerHistories.push((await handle.fetchHistory()).events ?? []);
  }
  const pollerTasks = pollerTaskStats(pollerHistories);
  // The storm's own pace: episodes started per second from the first start to the last (hand-overs
  // start them at LOCKOUT_STORM_STARTS_PER_SECOND, by default half the Okta rate at 2 calls each).
  const starts: number[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowType = "lockoutWorkflow" AND TaskQueue = "${queue}"` })) {
    if (!bystanderIds.has(run.workflowId)) starts.push(run.startTime.getTime());
  }
  starts.sort((a, b) => a - b);
  const startSpan = (starts.at(-1)! - starts[0]!) / 1000;
  sampleRss();
  console.log(
    JSON.stringify({
      lockouts: N,
      workers: WORKERS,
      configuredRate: RATE,
      sprayedInSeconds: +(sprayedIn / 1000).toFixed(1),
      drainedInSeconds: +(drainedMs / 1000).toFixed(1),
      oktaUserCalls: calls.length,
      callsPerSecond: +(calls.length / busySeconds).toFixed(1),
      callsPerSecondOverRate: +(calls.length / busySeconds / RATE).toFixed(2),
      answered429: calls.filter((c) => c.status === 429).length,
      callsPerLockout: +(calls.length / N).toFixed(2),
      episodeStartsPerSecond: startSpan > 0 ? +((starts.length - 1) / startSpan).toFixed(2) : null,
      stormStartsPerSecond: config.lockout.stormStartsPerSecond ?? null,
      historyEventsPerChild: { min: Math.min(...events), max: Math.max(...events) },
      pollerRuns: pollerRuns.length,
      pollerLongestHistory: Math.max(...pollerRuns),
      // Where the poller's time went: waiting for a worker, and the worker's own time (replays included).
      pollerWorkflowTasks: pollerTasks.workflowTasks,
      pollerTaskWaitedSeconds: spread(pollerTasks.waitedMs, 2),
      pollerTaskWorkedSeconds: spread(pollerTasks.workedMs, 2),
      workerPeakRssMb: [...peakRssMb.values()],
      bystanders: detections.length,
      bystanderDetectionSeconds: spread(detections),
      bystanderStartedAfterNextLogReadSeconds: spread(afterRead),
      bystanderUnlockedAfterSeconds: spread(bystanderActive),
      pollInterval: POLL,
    }),
  );
  // BENCH_KEEP_HISTORIES=FILE: the poller's histories and the bystanders' times, for a closer look.
  if (process.env.BENCH_KEEP_HISTORIES) {
    writeFileSync(process.env.BENCH_KEEP_HISTORIES, JSON.stringify({ pollerHistories, bystanderTimes, logReads }));
  }
} finally {
  clearInterval(rssTimer);
  await client.workflow.getHandle(lockoutPollerWorkflowId(sim.url)).terminate('benchmark finished').catch(() => undefined);
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
  await connection.close();
  await sim.close();
}
