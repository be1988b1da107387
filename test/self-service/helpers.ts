/** A self-service test environment: Okta simulator, real workers with the codec, a codec client. */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { Notifier } from '../../activities/notify/notifier.js';
import { createDataConverter } from '../../client/data-converter.js';
import { SelfServiceClient } from '../../client/self-service-client.js';
import { startOktaSimulator, type OktaSimulator } from '../../okta-sim/index.js';
import type { AppConfig } from '../../temporal.config.js';
import { lockoutWorkflowId } from '../../workflows/lockout/messages.js';
import { lockoutWorkflow } from '../../workflows/lockout/unlock.js';
import { createProjectActivities } from '../../workers/activities.js';
import { startTestWorkers, testConfig, type RunningWorkers, type TestTemporal } from '../helpers/temporal.js';

// Stable across test runs: runs from earlier runs on a reused dev server stay readable.
export const TEST_KEY = `test-key:${Buffer.alloc(32, 7).toString('base64')}`;

export interface Notification {
  userId: string;
  login?: string;
  text: string;
  workflowId: string;
}

export interface SelfServiceEnv {
  sim: OktaSimulator;
  config: AppConfig;
  /** A client WITH the payload codec. */
  client: Client;
  selfService: SelfServiceClient;
  notifications: Notification[];
  /** Set to make every notification fail permanently (like a webhook answering 4xx). */
  failDelivery: boolean;
  workers: RunningWorkers;
  /** A fresh simulator user (unique login) so tests never share limits or slots. */
  newUser(opts?: { groups?: string[]; factors?: { factorType: string }[]; email?: string }): Promise<{ id: string; login: string; email: string }>;
  close(): Promise<void>;
}

export interface SelfServiceEnvOptions {
  /** The notifier's name; `log` makes it behave like the log notifier (links withheld). */
  notifierName?: string;
}

export async function startSelfServiceEnv(
  temporal: TestTemporal,
  env: Record<string, string> = {},
  sim?: OktaSimulator,
  options: SelfServiceEnvOptions = {},
): Promise<SelfServiceEnv> {
  const ownSim = !sim;
  const okta = sim ?? (await startOktaSimulator({ seed: 'demo', quiet: true }));
  // No linger after a reset unless a test asks for it: most tests wait for the run's result.
  const config = testConfig(temporal, { PAYLOAD_ENCRYPTION_KEYS: TEST_KEY, OKTA_ORG_URL: okta.url, OKTA_API_TOKEN: okta.apiToken, SELF_SERVICE_ANSWER_LINGER: '0s', ...env });
  const dataConverter = createDataConverter(config);
  const client = new Client({ connection: temporal.client.connection, namespace: temporal.namespace, dataConverter });
  const notifications: Notification[] = [];
  const state = { failDelivery: false };
  const notifier: Notifier = {
    name: options.notifierName ?? 'test',
    async notify(n) {
      if (state.failDelivery) throw Object.assign(new Error('webhook answered 410'), { retryable: false });
      notifications.push({ userId: n.userId, ...(n.login ? { login: n.login } : {}), text: n.text, workflowId: n.workflowId });
    },
  };
  const workers = await startTestWorkers(
    temporal,
    config,
    // The worker's own wiring (workers/activities.ts), with a notifier the tests can read.
    createProjectActivities(config, { notifier, client }),
    { dataConverter },
  );
  const selfService = new SelfServiceClient(client, { taskQueue: config.temporal.taskQueue, oktaTaskQueue: config.temporal.oktaTaskQueue, frontend: 'test' });
  return {
    sim: okta,
    config,
    client,
    selfService,
    notifications,
    get failDelivery() {
      return state.failDelivery;
    },
    set failDelivery(v: boolean) {
      state.failDelivery = v;
    },
    workers,
    async newUser(opts = {}) {
      const login = `u-${randomUUID().slice(0, 8)}@example.com`;
      const email = opts.email ?? login;
      // Unique IDs too: the simulator's IDs repeat per seed, and limits count by Okta user ID on a shared server.
      const user = await okta.control.createUser({
        id: `00u${randomBytes(9).toString('hex').slice(0, 17)}`,
        login,
        email,
        firstName: 'Test',
        lastName: 'User',
        groups: opts.groups ?? ['Engineering'],
        factors: (opts.factors ?? [{ factorType: 'push' }, { factorType: 'sms' }]) as never,
      });
      return { id: user.id, login, email };
    },
    async close() {
      await workers.stop();
      if (ownSim) await okta.close();
    },
  };
}

export const requester = (login: string) => ({ chatUserId: `chat-${login.split('@')[0]}`, email: login });
export const rid = () => randomUUID();

/** Locks a simulator user and starts the real lockout workflow for it under `ask-user`, as the poller would. */
export async function startAskUserLockout(env: SelfServiceEnv, user: { id: string; login: string }) {
  const { events } = await env.sim.control.lockUser(user.id, { via: 'failed-signins' });
  const lock = events.find((e) => e.eventType === 'user.account.lock')!;
  return env.client.workflow.start(lockoutWorkflow, {
    workflowId: lockoutWorkflowId(user.id),
    taskQueue: env.config.temporal.taskQueue,
    args: [{ user, firstEvent: { uuid: lock.uuid, eventType: lock.eventType, published: lock.published }, policy: 'ask-user', askUserTimeoutMs: 60_000, oktaTaskQueue: env.config.temporal.oktaTaskQueue }],
  });
}
