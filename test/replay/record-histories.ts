/**
 * Records real histories of the workflows for the replay test. Run after a deliberate, compatible
 * change to the workflows (and commit the JSON):
 *   bash scripts/record-histories.sh [lockout|self-service]   (default: both)
 * It drives the real pipeline (dev server + Okta simulator): a poller that continues-as-new, an
 * auto-unlock child, an ask-user child answered by signal, and the self-service paths of
 * record-self-service.ts. Before changing a workflow, keep its old histories as `v1-*.json`.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { replyToUnlockQuestion } from '../../client/lockout-client.js';
import { lockoutPollerWorkflowId, lockoutWorkflowId, pausePollerSignal, resumePollerSignal } from '../../workflows/lockout/messages.js';
import { lockoutWorkflow } from '../../workflows/lockout/unlock.js';
import { eventually } from '../helpers/eventually.js';
import { lockoutFixture, startPollerOnMainQueue } from '../lockout/fixture.js';
import { recordSelfServiceRuns } from './record-self-service.js';

const out = new URL('./histories/', import.meta.url);
const which = process.argv[2] ?? 'all';
if (!['all', 'lockout', 'self-service'].includes(which)) throw new Error(`unknown family "${which}" (lockout, self-service)`);
// A storm rate low enough that the recorded hand-over waits for its turn and paces its starts.
const f = await lockoutFixture({ LOCKOUT_POLL_INTERVAL: '200ms', LOCKOUT_STORM_STARTS_PER_SECOND: '10' });
try {
  const runs: Record<string, [string, string]> = which === 'lockout' ? {} : await recordSelfServiceRuns(f.temporal);
  if (which !== 'self-service') Object.assign(runs, await recordLockoutRuns());
  // The CLI's JSON export is the canonical history format (what `temporal workflow show` gives operators).
  const cli = execFileSync('bash', ['scripts/temporal-cli.sh'], { encoding: 'utf8' }).trim();
  for (const [name, [workflowId, runId]] of Object.entries(runs)) {
    const json = execFileSync(cli, ['workflow', 'show', '--address', f.temporal.address, '--namespace', f.temporal.namespace, '-w', workflowId, '-r', runId, '--output', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    writeFileSync(new URL(`${name}.json`, out), json);
    console.log(`recorded ${name}: ${(JSON.parse(json) as { events: unknown[] }).events.length} events`);
  }
} finally {
  await f.close();
  await f.temporal.close();
}

async function recordLockoutRuns(): Promise<Record<string, [string, string]>> {
  const poller = await f.startPoller({ maxHistoryEvents: 60 });
  const firstRun = (await poller.describe()).runId;
  const user = await f.sim.control.createUser({ login: 'replay.auto@example.com' });
  await f.sim.control.lockUser(user.id, { via: 'session-start', attempts: 3 });
  const child = f.temporal.client.workflow.getHandle(lockoutWorkflowId(user.id));
  await eventually('the auto child', () => child.describe());
  await child.result();
  await eventually('a continue-as-new', async () => (await f.pollerState()).runsSoFar >= 1);

  const asked = await f.sim.control.createUser({ login: 'replay.ask@example.com' });
  const { events } = await f.sim.control.lockUser(asked.id, { via: 'failed-signins' });
  const lock = events.find((e) => e.eventType === 'user.account.lock')!;
  const askHandle = await f.temporal.client.workflow.start(lockoutWorkflow, {
    workflowId: lockoutWorkflowId(asked.id),
    taskQueue: f.config.temporal.taskQueue,
    args: [{ user: { id: asked.id }, firstEvent: { uuid: lock.uuid, eventType: lock.eventType, published: lock.published }, policy: 'ask-user', askUserTimeoutMs: 60_000, oktaTaskQueue: f.config.temporal.oktaTaskQueue }],
  });
  await eventually('the question', async () => f.notifier.to(asked.id).length > 0);
  await replyToUnlockQuestion(f.temporal.client, asked.id, { answer: 'yes', email: 'replay.ask@example.com' });
  await askHandle.result();

  // A page of many users: the poller fans it out to a hand-over workflow.
  const poller2 = f.temporal.client.workflow.getHandle(lockoutPollerWorkflowId(f.sim.url));
  await poller2.signal(pausePollerSignal, { by: 'recorder' });
  await eventually('the poller paused', async () => (await f.pollerState()).paused && !(await f.pollerState()).polling);
  const sprayed = await Promise.all(Array.from({ length: 30 }, (_, i) => f.sim.control.createUser({ login: `replay.spray.${i}@example.com` })));
  for (const u of sprayed) await f.sim.control.lockUser(u.id, { via: 'failed-signins', attempts: 1 });
  await poller2.signal(resumePollerSignal);
  const sprayedChild = f.temporal.client.workflow.getHandle(lockoutWorkflowId(sprayed[0]!.id));
  const parent = await eventually('a fanned-out child', async () => (await sprayedChild.describe()).raw.workflowExecutionInfo?.parentExecution ?? undefined);
  const handOver = f.temporal.client.workflow.getHandle(parent.workflowId!, parent.runId!);
  await handOver.result();
  const handOverParent = (await handOver.describe()).raw.workflowExecutionInfo?.parentExecution;
  const fanOutRun = f.temporal.client.workflow.getHandle(handOverParent!.workflowId!, handOverParent!.runId!);
  await eventually('the fan-out run closed', async () => (await fanOutRun.describe()).status.name !== 'RUNNING');

  const runs: Record<string, [string, string]> = {
    'lockout-poller-fan-out': [fanOutRun.workflowId, handOverParent!.runId!],
    'lockout-hand-over': [handOver.workflowId, parent.runId!],
    'lockout-poller-continued-as-new': [lockoutPollerWorkflowId(f.sim.url), firstRun],
    'lockout-auto-unlock': [child.workflowId, (await child.describe()).runId],
    'lockout-ask-user-yes': [askHandle.workflowId, (await askHandle.describe()).runId],
  };

  // A poller an earlier release started on the main queue: it moves to its own queue as it continues as new.
  const movedId = lockoutPollerWorkflowId('https://older-release.example.com');
  const moving = await startPollerOnMainQueue(f, 'https://older-release.example.com');
  await eventually('the poller moved', async () => (await f.temporal.client.workflow.getHandle(movedId).describe()).taskQueue === f.config.temporal.pollerTaskQueue);
  await f.temporal.client.workflow.getHandle(movedId).terminate('recorded');

  runs['lockout-poller-moved-queue'] = [movedId, moving.firstExecutionRunId];
  return runs;
}
