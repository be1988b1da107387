/**
 * Process entry for the chat-frontend HTTP API and the Web UI codec server:
 *   npx tsx client/http-api/main.ts
 * HTTP API on HTTP_API_HOST:HTTP_API_PORT (needs HTTP_API_TOKENS), codec server on
 * CODEC_SERVER_HOST:CODEC_SERVER_PORT (needs CODEC_SERVER_TOKEN beyond loopback). Both use
 * PAYLOAD_ENCRYPTION_KEYS. Stops on SIGINT/SIGTERM.
 */
import { ConfigError, describeConfig, loadConfigOrExit } from '../../temporal.config.js';
import { startCodecServer } from '../codec-server.js';
import { createPayloadCodec } from '../data-converter.js';
import { SelfServiceClient } from '../self-service-client.js';
import { connectTemporalClient } from '../temporal-connection.js';
import { startHttpApi } from './server.js';

const config = loadConfigOrExit();
const log = (level: 'info' | 'warn', message: string, meta?: Record<string, unknown>) =>
  console.log(JSON.stringify({ level, message, ...meta, at: new Date().toISOString() }));
log('info', 'starting self-service HTTP API and codec server', { selfService: describeConfig(config).selfService });

const client = await connectTemporalClient(config).catch((err: unknown) => {
  // Missing keys or no Temporal server: one readable message, no stack trace.
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(2);
});
const ss = config.selfService;
const codec = await startCodecServer({
  codec: createPayloadCodec(config),
  host: ss.codecServer.host,
  port: ss.codecServer.port,
  ...(ss.codecServer.token ? { token: ss.codecServer.token } : {}),
  corsOrigins: ss.codecServer.corsOrigins,
  allowedHosts: ss.codecServer.allowedHosts,
  log: (message, meta) => log('warn', message, meta),
});
log('info', 'codec server ready', { url: codec.url, auth: ss.codecServer.token ? 'bearer' : 'loopback only' });
const api =
  ss.httpApi.tokens.length > 0
    ? await startHttpApi({
        selfService: new SelfServiceClient(client, { taskQueue: config.temporal.taskQueue, oktaTaskQueue: config.temporal.oktaTaskQueue }),
        client,
        tokens: ss.httpApi.tokens,
        approverTokens: ss.httpApi.approverTokens,
        host: ss.httpApi.host,
        port: ss.httpApi.port,
        ...ss.httpApi.rateLimits,
        corsOrigins: ss.httpApi.corsOrigins,
        web: { users: ss.httpApi.webUsers, helpdeskLogins: ss.helpdesk.logins, taskQueue: config.temporal.taskQueue, minutesPerTicket: config.report.minutesPerTicket, ...(config.okta ? { orgUrl: config.okta.orgUrl } : {}) },
        log,
      })
    : undefined;
if (api && ss.httpApi.webUsers.length > 0) log('info', 'web chat and helpdesk console ready', { chat: `${api.url}/web/`, console: `${api.url}/web/console`, people: ss.httpApi.webUsers.length });
if (api) log('info', 'HTTP API ready', { url: api.url, openapi: `${api.url}/openapi.json`, probes: ['/livez', '/readyz'], frontends: ss.httpApi.tokens.map((t) => t.frontend) });
else log('warn', 'HTTP API not started: HTTP_API_TOKENS is empty');

const stop = async () => {
  await api?.close();
  await codec.close();
  await client.connection.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
