/**
 * The project on a real Temporal cluster (`npm run cluster`: PostgreSQL, frontend, two history
 * processes, matching and worker, each its own process) with two worker processes of the project.
 * Mid-run one history process and one worker are killed with SIGKILL; every lockout is still handled
 * exactly once (one successful unlock per user in the Okta simulator's request log) and a self-service
 * password reset completes. Run by `npm run test:cluster` (a separate CI step: minutes, not seconds).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import { createDataConverter } from '../client/data-converter.js';
import { startLockoutPoller } from '../client/lockout-client.js';
import { SelfServiceClient } from '../client/self-service-client.js';
import { startOktaSimulator, type OktaSimulator } from '../okta-sim/index.js';
import { loadConfig, type AppConfig } from '../temporal.config.js';
import { lockoutPollerWorkflowId, lockoutWorkflowId, pollerStateQuery, type LockoutState } from '../workflows/lockout/messages.js';
import { eventually } from '../test/helpers/eventually.js';

const { PendingActivityState, TaskQueueType } = protos.temporal.api.enums.v1;
const CLUSTER_DIR = '.data/cluster';
const ADDRESS = `127.0.0.1:${process.env.CLUSTER_PORT_BASE ?? '7400'}`;
const NAMESPACE = process.env.CLUSTER_NAMESPACE ?? 'default';
const USERS_PER_BATCH = 6;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const cluster = (script: 'up' | 'down') =>
  execFileSync('bash', [`scripts/cluster/${script}.sh`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 15 * 60_000 });
const pidOf = (name: string) => Number(readFileSync(`${CLUSTER_DIR}/run/${name}.pid`, 'utf8').trim());
const sql = (query: string) =>
  execFileSync('bash', ['scripts/cluster/sql.sh', query], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map((row) => row.split('|'));
/** History shard → the gRPC address of the history process that holds it (from the shards table). */
const shardOwners = () =>
  new Map(sql(`select shard_id, substring(encode(data, 'escape') from '127\\.0\\.0\\.1:[0-9]+') from shards`).map(([id, owner]) => [Number(id), owner ?? '']));
const HISTORY_2 = `127.0.0.1:${Number(process.env.CLUSTER_PORT_BASE ?? 7400) + 20}`;

describe('on a Temporal cluster: two history processes, two workers, SIGKILL mid-run', { timeout: 20 * 60_000 }, () => {
  const measured: Record<string, string> = {};
  const workers: ChildProcess[] = [];
  let startedCluster = false;
  let sim: OktaSimulator;
  let env: Record<string, string>;
  let config: AppConfig;
  let client: Client;

  const startWorker = (n: number) => {
    mkdirSync(`${CLUSTER_DIR}/logs`, { recursive: true });
    const log = openSync(`${CLUSTER_DIR}/logs/test-worker-${n}.log`, 'w');
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
    workers.push(child);
    return child;
  };

  /** True when the lockout's unlock activity needed more than one attempt (its history says so). */
  const unlockRetried = async (userId: string) => {
    const events = (await client.workflow.getHandle(lockoutWorkflowId(userId)).fetchHistory()).events ?? [];
    const unlocks = new Set(
      events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'oktaUnlockUser').map((e) => String(e.eventId)),
    );
    return events.some((e) => unlocks.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId)) && (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
  };

  /** Distinct worker identities polling a task queue (workflow or activity tasks). */
  const pollers = async (taskQueue: string, type: number) => {
    const res = await client.workflowService.describeTaskQueue({ namespace: NAMESPACE, taskQueue: { name: taskQueue }, taskQueueType: type });
    return new Set((res.pollers ?? []).map((p) => p.identity)).size;
  };

  before(async () => {
    const t0 = Date.now();
    let out: string;
    try {
      out = cluster('up');
    } catch (err) {
      out = String((err as { stdout?: string }).stdout ?? '');
      throw err;
    } finally {
      // Also when the start failed half-way: after() then stops what did start.
      startedCluster = /frontend started/.test(out!);
    }
    measured['cluster up'] = `${seconds(Date.now() - t0)}${startedCluster ? '' : ' (already running)'}`;

    sim = await startOktaSimulator({ seed: `cluster-${randomUUID()}`, quiet: true });
    const queue = `cluster-${randomUUID().slice(0, 8)}`;
    env = {
      TEMPORAL_ADDRESS: ADDRESS,
      TEMPORAL_NAMESPACE: NAMESPACE,
      TEMPORAL_TASK_QUEUE: queue,
      TEMPORAL_OKTA_TASK_QUEUE: `${queue}-okta`,
      TEMPORAL_OKTA_LOG_TASK_QUEUE: `${queue}-okta-logs`,
      OKTA_ORG_URL: sim.url,
      OKTA_API_TOKEN: sim.apiToken,
      OKTA_MAX_REQUESTS_PER_SECOND: '50',
      // An Okta call lost with its worker is retried 3 s after it started (default 30 s).
      OKTA_ACTIVITY_TIMEOUT: '3s',
      LOCKOUT_POLL_INTERVAL: '500ms',
      LOCKOUT_LOOKBACK: '5m',
      // Stable across runs: runs left by an earlier run on the same cluster stay readable.
      PAYLOAD_ENCRYPTION_KEYS: `cluster-test:${Buffer.alloc(32, 5).toString('base64')}`,
      NOTIFIER: 'log',
      // Two workers on one machine: each takes a free port for /livez, /readyz and /metrics.
      WORKER_HEALTH_PORT: '0',
      LOG_LEVEL: 'WARN',
    };
    config = loadConfig(env, { dotEnvPath: false });
    const connection = await Connection.connect({ address: ADDRESS });
    client = new Client({ connection, namespace: NAMESPACE, dataConverter: createDataConverter(config) });
  });

  after(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await client?.workflow.getHandle(lockoutPollerWorkflowId(sim.url)).terminate('test finished').catch(() => undefined);
    await client?.connection.close();
    await sim?.close();
    // Whatever was killed comes back (the cluster is left as found); a cluster this test started is stopped.
    cluster(startedCluster ? 'down' : 'up');
    console.log(`cluster test timings: ${JSON.stringify(measured, null, 2)}`);
  });

  it('handles every lockout exactly once and a password reset, through a history and a worker crash', async () => {
    const t0 = Date.now();
    const [first] = [startWorker(1), startWorker(2)];
    await eventually('two worker processes polling both task queues', async () =>
      (await pollers(config.temporal.taskQueue, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)) >= 2 &&
      (await pollers(config.temporal.oktaTaskQueue, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)) >= 2, 180_000, 500);
    measured['two workers ready'] = seconds(Date.now() - t0);

    await startLockoutPoller(client, config, sim.url);
    // Unlock calls take 1 s in "Okta", so the kills land while some are in flight.
    await sim.control.setFaults([{ endpoint: '/api/v1/users', method: 'POST', type: 'latency', latencyMs: 1_000 }]);
    const lockUsers = async (batch: number) => {
      const users = [];
      for (let i = 0; i < USERS_PER_BATCH; i++) {
        const user = await sim.control.createUser({ id: `00u${randomBytes(9).toString('hex').slice(0, 17)}`, login: `locked.${batch}.${i}@example.com` });
        await sim.control.lockUser(user.id, { via: 'failed-signins' });
        users.push(user);
      }
      return users;
    };
    const tLock = Date.now();
    const users = await lockUsers(1);
    await eventually('an unlock in flight', async () => {
      for (const user of users) {
        const d = await client.workflow.getHandle(lockoutWorkflowId(user.id)).describe().catch(() => undefined);
        if (d?.raw.pendingActivities?.some((a) => a.activityType?.name === 'oktaUnlockUser' && a.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)) return true;
      }
      return false;
    }, 120_000, 200);

    // The killed history process holds shards, so work is lost with it, not only a spare.
    const killedShards = [...shardOwners()].filter(([, owner]) => owner === HISTORY_2).map(([id]) => id);
    assert.ok(killedShards.length > 0, `history-2 (${HISTORY_2}) holds shards`);
    const tKill = Date.now();
    first!.kill('SIGKILL');
    process.kill(pidOf('history-2'), 'SIGKILL');
    await once(first!, 'exit');
    measured['kill after first lock'] = seconds(tKill - tLock);
    const takeover = eventually('the survivor holding every shard', async () => {
      const owners = shardOwners();
      return killedShards.every((id) => owners.get(id) !== HISTORY_2) && Date.now();
    }, 300_000, 250).then((at) => (measured['shards taken over after the kill'] = seconds(at - tKill)));

    // More lockouts and a self-service request arrive while the cluster is one history process short.
    users.push(...(await lockUsers(2)));
    const resetLogin = `reset.${randomUUID().slice(0, 8)}@example.com`;
    const resetUser = await sim.control.createUser({ id: `00u${randomBytes(9).toString('hex').slice(0, 17)}`, login: resetLogin, email: resetLogin });
    const selfService = new SelfServiceClient(client, { taskQueue: config.temporal.taskQueue, oktaTaskQueue: config.temporal.oktaTaskQueue, frontend: 'cluster-test' });
    const tReset = Date.now();
    const reply = await selfService.requestPasswordReset({ requestId: randomUUID(), requester: { chatUserId: 'chat-reset-me', email: resetLogin } });
    measured['password reset answered (after the kills)'] = seconds(Date.now() - tReset);
    assert.equal(reply.status, 'completed', reply.message);
    assert.ok(reply.resetLink?.startsWith(`${sim.url}/reset_password/`), 'a reset link from the simulator');
    assert.equal((await sim.control.getUser(resetUser.id)).status, 'RECOVERY');

    const states = await eventually('every lockout closed', async () => {
      const results: LockoutState[] = [];
      for (const user of users) {
        const handle = client.workflow.getHandle(lockoutWorkflowId(user.id));
        const d = await handle.describe();
        if (d.status.name !== 'COMPLETED') return false;
        results.push((await handle.result()) as LockoutState);
      }
      return results;
    }, 300_000, 500);
    measured['all lockouts done after the kills'] = seconds(Date.now() - tKill);
    measured[`lockout pipeline (${users.length} users)`] = seconds(Date.now() - tLock);

    const unlocks = await sim.control.requests({ pathPrefix: '/api/v1/users/', method: 'POST' });
    const retried: string[] = [];
    for (const [i, user] of users.entries()) {
      assert.ok(['unlocked', 'already-unlocked'].includes(states[i]!.outcome ?? ''), `${user.profile.login}: outcome ${states[i]!.outcome}`);
      assert.equal((await sim.control.getUser(user.id)).status, 'ACTIVE');
      const calls = unlocks.filter((r) => r.path === `/api/v1/users/${user.id}/lifecycle/unlock`);
      // One call unlocked: answered 200, or its answer died with the killed worker (status 0). Its retry
      // was refused as "not locked" (403); nothing unlocked twice.
      const statuses = JSON.stringify(calls.map((r) => r.status));
      assert.equal(calls.filter((r) => r.status === 200 || r.status === 0).length, 1, `${user.profile.login}: one unlocking call, got ${statuses}`);
      assert.ok(calls.every((r) => [200, 0, 403].includes(r.status)), `${user.profile.login}: ${statuses}`);
      if (calls.length > 1) {
        // A second call only where the kill interrupted the first: the activity ran a second attempt.
        assert.ok(await unlockRetried(user.id), `${user.profile.login}: ${statuses} without a retried unlock activity`);
        retried.push(user.profile.login);
      }
    }
    const unlockEvents = (await sim.control.events('user.account.unlock_by_admin')).events;
    for (const user of users) {
      assert.equal(unlockEvents.filter((e) => JSON.stringify(e.target).includes(user.id)).length, 1, `${user.profile.login}: one unlock in the System Log`);
    }
    const resets = unlocks.filter((r) => r.path === `/api/v1/users/${resetUser.id}/lifecycle/reset_password`);
    assert.equal(resets.length, 1, 'one reset_password call');
    const poller = await client.workflow.getHandle(lockoutPollerWorkflowId(sim.url)).query(pollerStateQuery);
    assert.equal(poller.lockoutsStarted, users.length, 'one lockout workflow per locked user');

    // The shards of the killed process moved to the survivor, and lockouts on them completed there.
    await takeover;
    const owners = shardOwners();
    for (const id of killedShards) assert.notEqual(owners.get(id), HISTORY_2, `shard ${id} taken over`);
    const ids = users.map((u) => `'${lockoutWorkflowId(u.id)}'`).join(',');
    const onKilledShards = sql(`select shard_id from current_executions where workflow_id in (${ids})`).filter(([id]) => killedShards.includes(Number(id)));
    assert.ok(onKilledShards.length > 0, 'some lockouts lived on the killed history process\'s shards');
    measured['shards of the killed history process'] = `${killedShards.length} of ${owners.size}, holding ${onKilledShards.length} of ${users.length} lockouts`;
    measured['unlock calls retried after the worker kill'] = String(retried.length);
    measured.total = seconds(Date.now() - t0);
  });

  it('npm run cluster again starts only what died: the killed history process rejoins', () => {
    const t = Date.now();
    const out = cluster('up');
    assert.match(out, /history-2 started/);
    for (const name of ['history-1', 'matching', 'frontend', 'worker']) assert.match(out, new RegExp(`${name} already running`));
    assert.match(out, /PostgreSQL already running/);
    // up.sh returns only once every process (history-2's new session too) is in cluster_membership.
    measured['killed history process restarted and rejoined'] = seconds(Date.now() - t);
  });
});
