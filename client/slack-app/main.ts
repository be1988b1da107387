/**
 * The Slack app's entry point: `npm run slack-app`. Needs SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN
 * (SLACK_HELPDESK_CHANNEL for approvals); see docs/slack-app.md. Stops cleanly on SIGINT/SIGTERM.
 */
import { ConfigError, loadConfigOrExit } from '../../temporal.config.js';
import { SelfServiceClient } from '../self-service-client.js';
import { connectTemporalClient } from '../temporal-connection.js';
import { NOTIFICATIONS_PATH } from './notifications.js';
import { SLACK_EVENTS_PATH, startSlackApp } from './app.js';

const config = loadConfigOrExit();
if (!config.slack) {
  console.error('The Slack app needs SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN (see docs/slack-app.md).');
  process.exit(2);
}
const client = await connectTemporalClient(config).catch((err: unknown) => {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(2);
});
const selfService = new SelfServiceClient(client, { taskQueue: config.temporal.taskQueue, oktaTaskQueue: config.temporal.oktaTaskQueue, frontend: 'slack' });
const notifierSecret = config.notifier.kind === 'webhook' ? config.notifier.secret : undefined;
const app = await startSlackApp({
  slack: config.slack,
  selfService,
  temporal: client,
  taskQueue: config.temporal.taskQueue,
  ...(notifierSecret ? { notifierSecret } : {}),
  // A request waiting for approval is followed until its approval can no longer arrive.
  watchForMs: config.selfService.approval.timeoutMs + config.selfService.mfaChoiceTimeoutMs + 5 * 60_000,
}).catch(async (err: unknown) => {
  // Typically a wrong SLACK_BOT_TOKEN (auth.test refused) or Slack unreachable: say which, not a stack trace.
  const code = (err as { code?: string; data?: { error?: string } }).data?.error ?? (err as { code?: string }).code ?? 'unknown';
  console.error(`Slack app: cannot start: ${err instanceof Error ? err.name : 'error'} (${code}). Check SLACK_BOT_TOKEN and that slack.com is reachable.`);
  await client.connection.close();
  process.exit(2);
});
console.log(`Slack app: ${app.url}${SLACK_EVENTS_PATH} (Slack request URL)`);
console.log(
  notifierSecret
    ? `Slack app: notifications at ${app.url}${NOTIFICATIONS_PATH} (NOTIFIER_WEBHOOK_URL)`
    : 'Slack app: NOTIFIER is not "webhook": lockout and reset notifications will not reach Slack',
);
if (!config.slack.helpdeskChannel) console.log('Slack app: SLACK_HELPDESK_CHANNEL is not set: approval requests are not posted');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    void app
      .close()
      .then(() => client.connection.close())
      .finally(() => process.exit(0));
  });
}
