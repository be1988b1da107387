/**
 * The Slack app (the reference chat frontend): Bolt in HTTP mode, every Slack request checked
 * against SLACK_SIGNING_SECRET (v0 HMAC-SHA256, stale timestamps refused) before any handler runs.
 * It speaks to the product only through the typed clients. Routes on one port:
 *   POST /slack/events        commands, interactivity and events (Slack's request URL)
 *   POST /okta-access/notify  the worker's signed webhook notifications (NOTIFIER=webhook)
 */
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, webApi } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import type { SlackConfig } from '../../temporal.config.js';
import type { SelfServiceClient } from '../self-service-client.js';
import { errorKind, type SlackAppContext, type SlackLog } from './context.js';
import { registerEmployeeHandlers } from './employee.js';
import { registerApprovals } from './helpdesk.js';
import { notificationRoute, registerLockoutReplies } from './notifications.js';

export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackAppDeps {
  slack: SlackConfig;
  selfService: SelfServiceClient;
  temporal: Client;
  /** The product's workflow task queue (TEMPORAL_TASK_QUEUE). */
  taskQueue: string;
  /** The webhook notifier's secret; without it the notification route is not served. */
  notifierSecret?: string;
  /** How long a pending request is watched for its answer (approval timeout plus a margin). */
  watchForMs: number;
  /** Tests: Slack's Web API elsewhere (`slackApiUrl`), no retries. */
  clientOptions?: webApi.WebClientOptions;
  /** How often open requests are checked for approvals to post; 0 = never. Default 15 s. */
  approvalSweepMs?: number;
  watchIntervalMs?: number;
  /** Requests per Slack user per minute (default 5). */
  perUserPerMinute?: number;
  log?: SlackLog;
}

export interface RunningSlackApp {
  url: string;
  app: App;
  /** Runs one approval sweep now (tests, and operators who do not want to wait). */
  sweepApprovals(): Promise<void>;
  close(): Promise<void>;
}

const defaultLog: SlackLog = (level, message, meta) => {
  const line = JSON.stringify({ level, message, ...meta });
  if (level === 'warn') console.warn(line);
  else console.log(line);
};

export async function startSlackApp(deps: SlackAppDeps): Promise<RunningSlackApp> {
  const stop = new AbortController();
  const log = deps.log ?? defaultLog;
  const clientOptions: webApi.WebClientOptions = { retryConfig: { retries: 2 }, logLevel: webApi.LogLevel.WARN, ...deps.clientOptions };
  const ctx: SlackAppContext = {
    web: new webApi.WebClient(deps.slack.botToken, clientOptions),
    selfService: deps.selfService,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    ...(deps.slack.helpdeskChannel ? { helpdeskChannel: deps.slack.helpdeskChannel } : {}),
    log,
    signal: stop.signal,
  };
  const receiver = new HTTPReceiver({
    signingSecret: deps.slack.signingSecret,
    endpoints: SLACK_EVENTS_PATH,
    customRoutes: deps.notifierSecret ? [notificationRoute(ctx, deps.notifierSecret)] : [],
    logLevel: LogLevel.WARN,
    bodyLimit: '64kb',
  });
  // Deferred: the token check (auth.test) fails start-up with an error instead of an unhandled rejection later.
  const app = new App({ token: deps.slack.botToken, receiver, logLevel: LogLevel.WARN, clientOptions, deferInitialization: true });
  await app.init();
  const approvals = registerApprovals(app, ctx);
  registerEmployeeHandlers(app, ctx, {
    announceApproval: approvals.announce,
    watchForMs: deps.watchForMs,
    watchIntervalMs: deps.watchIntervalMs ?? 2_000,
    perUserPerMinute: deps.perUserPerMinute ?? 5,
  });
  registerLockoutReplies(app, ctx);
  app.error(async (err) => log('warn', 'slack: handler failed', { error: errorKind(err.original ?? err) }));

  const server = await app.start({ port: deps.slack.port, host: deps.slack.host });
  const { port } = server.address() as AddressInfo;
  const host = deps.slack.host.includes(':') ? `[${deps.slack.host}]` : deps.slack.host;

  const sweepMs = deps.approvalSweepMs ?? 15_000;
  let sweeping: Promise<void> = Promise.resolve();
  const timer =
    sweepMs > 0 && deps.slack.helpdeskChannel
      ? setInterval(() => {
          sweeping = sweeping.then(() => approvals.sweep()).catch((err: unknown) => log('warn', 'slack: approval sweep failed', { error: errorKind(err) }));
        }, sweepMs)
      : undefined;

  return {
    url: `http://${host}:${port}`,
    app,
    sweepApprovals: () => approvals.sweep(),
    async close() {
      stop.abort();
      if (timer) clearInterval(timer);
      await sweeping;
      await app.stop();
    },
  };
}
