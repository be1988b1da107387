/**
 * Process entry for the Okta event hook receiver: `npm run event-hook`.
 * Listens on EVENT_HOOK_HOST:EVENT_HOOK_PORT, checks EVENT_HOOK_SECRET in EVENT_HOOK_AUTH_HEADER and
 * pushes lockout events to the poller of OKTA_ORG_URL. Register the hook with
 * `npm run cli -- event-hook register`. Stops on SIGINT/SIGTERM.
 */
import { describeConfig, loadConfigOrExit } from '../../temporal.config.js';
import { createDataConverter } from '../data-converter.js';
import { connectTemporalClient } from '../temporal-connection.js';
import { pollerSink } from './forward.js';
import { startEventHookReceiver, type ReceiverLog } from './server.js';

const config = loadConfigOrExit();
const log: ReceiverLog = (level, message, meta) => console.log(JSON.stringify({ level, message, ...meta, at: new Date().toISOString() }));
if (!config.okta) {
  console.error('OKTA_ORG_URL is not set: the receiver pushes to the poller of that org (`npm start` sets it for the simulator).');
  process.exit(2);
}
if (!config.eventHook.secret) {
  console.error('EVENT_HOOK_SECRET is not set: Okta must send it with every hook call (at least 16 characters).');
  process.exit(2);
}
log('info', 'starting the Okta event hook receiver', { eventHook: describeConfig(config).eventHook });

const client = await connectTemporalClient(config);
const receiver = await startEventHookReceiver({
  host: config.eventHook.host,
  port: config.eventHook.port,
  secret: config.eventHook.secret,
  authHeader: config.eventHook.authHeader,
  sink: pollerSink({ connection: client.connection, namespace: config.temporal.namespace, dataConverter: createDataConverter(config) }, config.okta.orgUrl),
  log,
});
log('info', 'event hook receiver ready', { url: receiver.url, registeredAs: config.eventHook.url });

const stop = async () => {
  await receiver.close();
  await client.connection.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
