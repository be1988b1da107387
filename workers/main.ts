/**
 * The worker process: runs every workflow and activity of the project until SIGINT/SIGTERM, then
 * shuts down gracefully (in-flight activities get the shutdown grace time to finish). Serves /livez,
 * /readyz and /metrics on WORKER_HEALTH_PORT (see workers/health.ts); traces when an OTLP endpoint is set.
 */
import type { Client } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createDataConverter } from '../client/data-converter.js';
import { connectTemporalClient, temporalConnectionSettings } from '../client/temporal-connection.js';
import { ConfigError, describeConfig, loadConfigOrExit } from '../temporal.config.js';
import { createWorkers, runWorkers, workerList, type ProjectWorkers } from './create-workers.js';
import { createProjectActivities } from './activities.js';
import { startHealthServer } from './health.js';
import { createTracing, installRuntime } from './telemetry.js';
import { cacheOverHeapWarning } from './workflow-cache.js';

const config = loadConfigOrExit();
const runtime = await installRuntime(config);
const logger = Runtime.instance().logger;
logger.info('starting okta-account-access worker', { config: describeConfig(config) });

/** Filled in as start-up proceeds; the health server reads them on each probe. */
const started: { client?: Client } = {};
let workers: ProjectWorkers | undefined;
const { host, port } = config.observability.health;
const health = await startHealthServer({
  host,
  port,
  ...(runtime.metricsUrl ? { metricsUrl: runtime.metricsUrl } : {}),
  workerStates: () => (workers ? workerList(workers).map((w) => w.getState()) : []),
  checkTemporal: async () => {
    const c = started.client;
    if (!c) return false;
    // Any answer from the frontend will do: it proves the connection (TLS, auth) works end to end.
    await c.connection.withDeadline(Date.now() + 2_000, () => c.workflowService.getSystemInfo({}));
    return true;
  },
}).catch((err: unknown) => {
  // Not fatal: a second worker on the same machine (or a busy port) should still work; without its
  // endpoints a Kubernetes pod never turns ready, which shows the problem where it matters.
  const code = (err as { code?: string }).code ?? String(err);
  logger.warn('health endpoints not served: set WORKER_HEALTH_PORT to a free port (0 = any)', { host, port, code });
  return undefined;
});
if (health) {
  logger.info('health endpoints', { livez: `${health.url}/livez`, readyz: `${health.url}/readyz`, metrics: runtime.metricsUrl ? `${health.url}/metrics` : '(off)' });
}

const client = await connectTemporalClient(config).catch((err: unknown) => {
  // Missing payload keys is a config problem: say so and stop, like any other bad variable.
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(2);
});
started.client = client;
const activities = createProjectActivities(config, { client });
const tracing = createTracing(config);
const connection = await NativeConnection.connect(temporalConnectionSettings(config));
try {
  workers = await createWorkers({
    connection,
    config,
    activities,
    dataConverter: createDataConverter(config),
    ...(config.workflowBundlePath ? { workflowBundlePath: config.workflowBundlePath } : {}),
    overrides: tracing.workerOptions,
  });
  logger.info('worker ready', {
    taskQueue: config.temporal.taskQueue,
    oktaTaskQueue: config.temporal.oktaTaskQueue,
    maxCachedWorkflows: workers.main.options.maxCachedWorkflows,
    tracing: Boolean(config.observability.tracesEndpoint),
  });
  const cacheWarning = cacheOverHeapWarning(config.workerMaxCachedWorkflows);
  if (cacheWarning) logger.warn(cacheWarning);
  await runWorkers(workers);
} finally {
  await tracing.shutdown();
  await health?.close();
  await connection.close();
  await client.connection.close();
}
logger.info('worker stopped');
