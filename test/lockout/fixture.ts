/**
 * A real lockout pipeline for tests: the Okta simulator over HTTP, the project's real workers on
 * the suite's Temporal dev server, and a poller with a short interval. Each fixture has its own
 * simulator seed (so user IDs, and hence workflow IDs, never collide with other test files) and
 * its own task queues.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { startOktaSimulator, type OktaSimulator } from '../../okta-sim/index.js';
import { createProjectActivities } from '../../workers/activities.js';
import type { Notifier, UserNotification } from '../../activities/notify/notifier.js';
import { pollerInputFromConfig, startLockoutPoller } from '../../client/lockout-client.js';
import { lockoutPollerWorkflowId, lockoutWorkflowId, pausePollerSignal, pollerStateQuery, resumePollerSignal, type LockoutState, type PollerState } from '../../workflows/lockout/messages.js';
import { eventually } from '../helpers/eventually.js';
import { lockoutPollerWorkflow, type PollerInput } from '../../workflows/lockout/poller.js';
import type { AppConfig } from '../../temporal.config.js';
import { startTestWorkers, testConfig, testTemporal, type RunningWorkers, type TestTemporal } from '../helpers/temporal.js';

/** Records what users were told, like a chat frontend would see it. */
export class RecordingNotifier implements Notifier {
  readonly name = 'recording';
  readonly sent: UserNotification[] = [];
  /** Users whose chat is "down": every delivery to them fails. */
  readonly failFor = new Set<string>();
  /** Users whose chat is slow: delivery takes this many ms. */
  readonly slowFor = new Map<string, number>();
  attemptsFailed = 0;
  /** Awaited as each delivery starts, e.g. to lock the user again while their child is still open. */
  onNotify?: (n: UserNotification) => Promise<void> | void;
  async notify(n: UserNotification): Promise<void> {
    await this.onNotify?.(n);
    const delay = this.slowFor.get(n.userId);
    if (delay) await new Promise((r) => setTimeout(r, delay));
    if (this.failFor.has(n.userId)) {
      this.attemptsFailed += 1;
      throw new Error('chat frontend unavailable');
    }
    this.sent.push(n);
  }
  to(userId: string): UserNotification[] {
    return this.sent.filter((n) => n.userId === userId);
  }
}

export interface LockoutFixture {
  temporal: TestTemporal;
  sim: OktaSimulator;
  config: AppConfig;
  notifier: RecordingNotifier;
  workers: RunningWorkers;
  /** Replaces the running workers with fresh ones (a worker crash and restart). */
  restartWorkers(): Promise<void>;
  startPoller(overrides?: Partial<PollerInput>): Promise<WorkflowHandle<typeof lockoutPollerWorkflow>>;
  pollerState(): Promise<PollerState>;
  close(): Promise<void>;
}

export async function lockoutFixture(env: Record<string, string> = {}, options: { temporal?: TestTemporal } = {}): Promise<LockoutFixture> {
  const temporal = options.temporal ?? (await testTemporal());
  const sim = await startOktaSimulator({ seed: `lockout-${randomUUID()}`, quiet: true });
  const config = testConfig(temporal, {
    OKTA_ORG_URL: sim.url,
    OKTA_API_TOKEN: sim.apiToken,
    LOCKOUT_POLL_INTERVAL: '500ms',
    LOCKOUT_LOOKBACK: '10m',
    ...env,
  });
  const notifier = new RecordingNotifier();
  const startWorkers = () => startTestWorkers(temporal, config, createProjectActivities(config, { notifier, client: temporal.client }));
  const fixture: LockoutFixture = {
    temporal,
    sim,
    config,
    notifier,
    workers: await startWorkers(),
    async restartWorkers() {
      await fixture.workers.stop();
      fixture.workers = await startWorkers();
    },
    startPoller: (overrides = {}) => startLockoutPoller(temporal.client, config, sim.url, overrides),
    pollerState: () => temporal.client.workflow.getHandle(lockoutPollerWorkflowId(sim.url)).query(pollerStateQuery),
    async close() {
      await temporal.client.workflow
        .getHandle(lockoutPollerWorkflowId(sim.url))
        .terminate('test finished')
        .catch(() => undefined);
      await fixture.workers.stop();
      await sim.close();
    },
  };
  return fixture;
}

/** The result of the user's episode that is not `previousRunId` (the next one the poller starts). */
export async function nextEpisode(f: LockoutFixture, userId: string, previousRunId?: string): Promise<{ runId: string; state: LockoutState }> {
  const runId = await eventually(`a new lockout episode for ${userId}`, async () => {
    const d = await f.temporal.client.workflow.getHandle(lockoutWorkflowId(userId)).describe();
    return d.runId !== previousRunId ? d.runId : undefined;
  }, 30_000);
  const state = (await f.temporal.client.workflow.getHandle(lockoutWorkflowId(userId), runId).result()) as LockoutState;
  return { runId, state };
}

/** Waits for the user's current lockout workflow to appear and finish; returns its final state. */
export async function lockoutResult(f: LockoutFixture, userId: string): Promise<LockoutState> {
  const handle = await eventually(`a lockout workflow for ${userId}`, async () => {
    const h = f.temporal.client.workflow.getHandle(lockoutWorkflowId(userId));
    await h.describe();
    return h;
  }, 30_000);
  return (await handle.result()) as LockoutState;
}

/** Locks every user while the poller is paused, so one poll reads them all, in this order, on as few pages as fit. */
export async function lockAllWhilePaused(f: LockoutFixture, userIds: string[]): Promise<void> {
  const poller = f.temporal.client.workflow.getHandle(lockoutPollerWorkflowId(f.sim.url));
  await poller.signal(pausePollerSignal, { by: 'test' });
  await eventually('the poller paused', async () => (await f.pollerState()).paused === true && !(await f.pollerState()).polling, 10_000);
  for (const id of userIds) await f.sim.control.lockUser(id, { via: 'failed-signins', attempts: 1 });
  await poller.signal(resumePollerSignal);
}

/**
 * A poller as a starter of an earlier release left it: on the main queue, with settings that name its
 * own queue (this release's starter sends them with the reconfigure update). It reads only what
 * happens from now on, so the lockouts of the fixture's own poller are not its business.
 */
export async function startPollerOnMainQueue(f: LockoutFixture, orgUrl: string): Promise<WorkflowHandleWithFirstExecutionRunId<typeof lockoutPollerWorkflow>> {
  return f.temporal.client.workflow.start(lockoutPollerWorkflow, {
    workflowId: lockoutPollerWorkflowId(orgUrl),
    taskQueue: f.config.temporal.taskQueue,
    args: [{ ...pollerInputFromConfig(f.config, f.sim.url), orgUrl, maxHistoryEvents: 20, lookbackMs: 1 }],
  });
}
