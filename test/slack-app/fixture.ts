/**
 * The Slack app under test, wired like production: the Okta simulator, the project's real workers
 * with the webhook notifier pointed at the app, the app on loopback with Slack's Web API answered by
 * the stand-in, and helpers that click and type the way Slack sends it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { createDataConverter } from '../../client/data-converter.js';
import { SelfServiceClient } from '../../client/self-service-client.js';
import { startSlackApp, type RunningSlackApp, SLACK_EVENTS_PATH } from '../../client/slack-app/app.js';
import { NOTIFICATIONS_PATH } from '../../client/slack-app/notifications.js';
import { startOktaSimulator, type OktaSimulator } from '../../okta-sim/index.js';
import type { AppConfig } from '../../temporal.config.js';
import { createProjectActivities } from '../../workers/activities.js';
import { startTestWorkers, testConfig, testTemporal, type RunningWorkers, type TestTemporal } from '../helpers/temporal.js';
import { TEST_KEY } from '../self-service/helpers.js';
import { buttonClickBody, commandBody, eventBody, postToSlackApp, startFakeSlack, viewSubmissionBody, type FakeSlack, type SignOptions } from './fake-slack.js';

export const SIGNING_SECRET = 'test-slack-signing-secret-0123456789';
export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';
export const HELPDESK_CHANNEL = 'C0HELPDESK';

export interface Person {
  slackId: string;
  oktaId: string;
  login: string;
}

export interface SlackFixture {
  temporal: TestTemporal;
  sim: OktaSimulator;
  slack: FakeSlack;
  app: RunningSlackApp;
  config: AppConfig;
  client: Client;
  /** Log lines the app wrote (checked for secrets). */
  logs: string[];
  /** An Okta user with a Slack member of the same email. */
  person(opts?: { groups?: string[]; factors?: { factorType: string }[] }): Promise<Person>;
  command(userId: string, text: string, sign?: Partial<SignOptions>): Promise<{ status: number; text: string; responseUrl: string }>;
  click(fields: Parameters<typeof buttonClickBody>[0]): Promise<{ status: number; text: string }>;
  event(event: Record<string, unknown>): Promise<{ status: number; text: string }>;
  submit(fields: Parameters<typeof viewSubmissionBody>[0]): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

export async function slackFixture(env: Record<string, string> = {}): Promise<SlackFixture> {
  const temporal = await testTemporal();
  const sim = await startOktaSimulator({ seed: `slack-${randomUUID()}`, quiet: true });
  const slack = await startFakeSlack();
  const config = testConfig(temporal, {
    PAYLOAD_ENCRYPTION_KEYS: TEST_KEY,
    OKTA_ORG_URL: sim.url,
    OKTA_API_TOKEN: sim.apiToken,
    NOTIFIER: 'webhook',
    NOTIFIER_WEBHOOK_URL: 'http://127.0.0.1:9/set-below',
    NOTIFIER_WEBHOOK_SECRET: WEBHOOK_SECRET,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-test-0000-bot-token',
    SLACK_HELPDESK_CHANNEL: HELPDESK_CHANNEL,
    SLACK_APP_PORT: '0',
    ...env,
  });
  const dataConverter = createDataConverter(config);
  const client = new Client({ connection: temporal.client.connection, namespace: temporal.namespace, dataConverter });
  const selfService = new SelfServiceClient(client, { taskQueue: config.temporal.taskQueue, oktaTaskQueue: config.temporal.oktaTaskQueue, frontend: 'slack' });
  const logs: string[] = [];
  const app = await startSlackApp({
    slack: config.slack!,
    selfService,
    temporal: client,
    taskQueue: config.temporal.taskQueue,
    notifierSecret: WEBHOOK_SECRET,
    watchForMs: 60_000,
    watchIntervalMs: 200,
    approvalSweepMs: 0,
    clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
    log: (level, message, meta) => logs.push(JSON.stringify({ level, message, ...meta })),
  });
  // The worker's webhook notifier delivers to the app, as NOTIFIER_WEBHOOK_URL would in production.
  config.notifier = { kind: 'webhook', url: `${app.url}${NOTIFICATIONS_PATH}`, secret: WEBHOOK_SECRET };
  const workers: RunningWorkers = await startTestWorkers(temporal, config, createProjectActivities(config, { client }), { dataConverter });
  const events = `${app.url}${SLACK_EVENTS_PATH}`;
  let n = 0;

  return {
    temporal,
    sim,
    slack,
    app,
    config,
    client,
    logs,
    async person(opts = {}) {
      const login = `p-${randomUUID().slice(0, 8)}@example.com`;
      const user = await sim.control.createUser({
        id: `00u${randomBytes(9).toString('hex').slice(0, 17)}`,
        login,
        email: login,
        firstName: 'Test',
        lastName: 'Person',
        groups: opts.groups ?? ['Engineering'],
        factors: (opts.factors ?? [{ factorType: 'push' }, { factorType: 'sms' }]) as never,
      });
      const slackId = `U0${String(++n).padStart(4, '0')}${randomBytes(3).toString('hex').toUpperCase()}`;
      slack.members.set(slackId, { email: login });
      return { slackId, oktaId: user.id, login };
    },
    async command(userId, text, sign = {}) {
      const responseUrl = slack.responseUrl();
      const res = await postToSlackApp(events, commandBody({ userId, text, responseUrl }), 'application/x-www-form-urlencoded', { secret: SIGNING_SECRET, ...sign });
      return { ...res, responseUrl };
    },
    click: (fields) => postToSlackApp(events, buttonClickBody(fields), 'application/x-www-form-urlencoded', { secret: SIGNING_SECRET }),
    event: (event) => postToSlackApp(events, eventBody(event), 'application/json', { secret: SIGNING_SECRET }),
    submit: (fields) => postToSlackApp(events, viewSubmissionBody(fields), 'application/x-www-form-urlencoded', { secret: SIGNING_SECRET }),
    async close() {
      await app.close();
      await workers.stop();
      await slack.close();
      await sim.close();
    },
  };
}
