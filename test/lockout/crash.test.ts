/**
 * A worker process killed with SIGKILL in the middle of an unlock, then a new worker process: the
 * lockout still completes, Okta sees exactly one successful unlock, the poller loses and repeats
 * nothing. Real processes, the suite's dev server and the Okta simulator over HTTP.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import protos from '@temporalio/proto';
import { createDataConverter } from '../../client/data-converter.js';
import { startLockoutPoller } from '../../client/lockout-client.js';
import { startOktaSimulator, type OktaSimulator } from '../../okta-sim/index.js';
import { loadConfig, type AppConfig } from '../../temporal.config.js';
import { lockoutPollerWorkflowId, lockoutStateQuery, lockoutWorkflowId, pollerStateQuery, type LockoutState } from '../../workflows/lockout/messages.js';
import { testTemporal, type TestTemporal } from '../helpers/temporal.js';
import { eventually } from '../helpers/eventually.js';

const { PendingActivityState } = protos.temporal.api.enums.v1;

describe('worker crash (SIGKILL) mid-unlock', () => {
  let temporal: TestTemporal;
  let sim: OktaSimulator;
  let env: Record<string, string>;
  let config: AppConfig;
  let client: Client;
  const workers: ChildProcess[] = [];

  const startWorker = () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
    workers.push(child);
    return child;
  };

  before(async () => {
    temporal = await testTemporal();
    sim = await startOktaSimulator({ seed: `crash-${randomUUID()}`, quiet: true });
    const queue = `crash-${randomUUID().slice(0, 8)}`;
    env = {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      TEMPORAL_TASK_QUEUE: queue,
      TEMPORAL_OKTA_TASK_QUEUE: `${queue}-okta`,
      TEMPORAL_OKTA_LOG_TASK_QUEUE: `${queue}-okta-logs`,
      OKTA_LOG_MAX_REQUESTS_PER_SECOND: '10',
      OKTA_ORG_URL: sim.url,
      OKTA_API_TOKEN: sim.apiToken,
      OKTA_MAX_REQUESTS_PER_SECOND: '50',
      // A lost Okta call is retried 2 s after it started, instead of 30 s, to keep the test short.
      OKTA_ACTIVITY_TIMEOUT: '2s',
      LOCKOUT_POLL_INTERVAL: '300ms',
      // The seed's demo lockouts are 20 minutes old: out of this test's sight.
      LOCKOUT_LOOKBACK: '5m',
      PAYLOAD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}`,
      LOG_LEVEL: 'ERROR',
    };
    config = loadConfig(env, { dotEnvPath: false });
    client = new Client({ connection: temporal.client.connection, namespace: temporal.namespace, dataConverter: createDataConverter(config) });
  });
  after(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await client?.workflow.getHandle(lockoutPollerWorkflowId(sim.url)).terminate('test finished').catch(() => undefined);
    await sim?.close();
    await temporal?.close();
  });

  it('completes the lockout with exactly one unlock in Okta, and the poller carries on', async () => {
    const first = startWorker();
    await startLockoutPoller(client, config, sim.url);
    // The unlock call takes 1.5 s in Okta, so the kill lands while it is in flight.
    await sim.control.setFaults([{ endpoint: '/api/v1/users', method: 'POST', type: 'latency', latencyMs: 1_500 }]);
    const user = await sim.control.createUser({ login: 'crash.victim@example.com' });
    await sim.control.lockUser(user.id, { via: 'failed-signins' });
    const child = client.workflow.getHandle(lockoutWorkflowId(user.id));
    await eventually('the unlock activity in flight', async () => {
      const d = await child.describe();
      return d.raw.pendingActivities?.some((a) => a.activityType?.name === 'oktaUnlockUser' && a.attempt === 1 && a.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
    }, 60_000); // the first worker bundles the workflows as it starts
    first.kill('SIGKILL');
    await once(first, 'exit');

    startWorker();
    const state = (await child.result()) as LockoutState;
    await sim.control.clearFaults();
    assert.ok(['unlocked', 'already-unlocked'].includes(state.outcome ?? ''), `outcome ${state.outcome}`);
    assert.equal(state.notified, true, 'the user is told either way');
    assert.equal((await sim.control.getUser(user.id)).status, 'ACTIVE');
    // The first call reached Okta and unlocked the user; its answer died with the worker (recorded
    // as status 0); the retry was told "not locked" (403 E0000032). Okta unlocked exactly once:
    const unlocks = await sim.control.requests({ pathPrefix: `/api/v1/users/${user.id}/lifecycle/unlock`, method: 'POST' });
    assert.ok(unlocks.every((r) => r.status !== 200 || unlocks.length === 1), JSON.stringify(unlocks.map((r) => r.status)));
    const unlockEvents = (await sim.control.events('user.account.unlock_by_admin')).events.filter((e) => JSON.stringify(e.target).includes(user.id));
    assert.equal(unlockEvents.length, 1, 'one unlock in the org System Log');

    // The poller survived the crash: a later lockout is handled once.
    const next = await sim.control.createUser({ login: 'after.crash@example.com' });
    await sim.control.lockUser(next.id, { via: 'failed-signins' });
    const nextHandle = client.workflow.getHandle(lockoutWorkflowId(next.id));
    await eventually('the next lockout', () => nextHandle.describe());
    assert.equal(((await nextHandle.result()) as LockoutState).outcome, 'unlocked');
    const poller = await client.workflow.getHandle(lockoutPollerWorkflowId(sim.url)).query(pollerStateQuery);
    assert.equal(poller.lockoutsStarted, 2);
    assert.equal(poller.eventsSeen, 2);
    assert.equal((await child.query(lockoutStateQuery)).eventsReceived, 1);
  });
});
