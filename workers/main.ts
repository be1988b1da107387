/**
 * The worker process: runs every workflow and activity of the project until SIGINT/SIGTERM, then
 * shuts down gracefully (in-flight activities get the shutdown grace time to finish).
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createDataConverter } from '../client/data-converter.js';
import { connectTemporalClient, temporalConnectionSettings } from '../client/temporal-connection.js';
import { ConfigError, describeConfig, loadConfigOrExit } from '../temporal.config.js';
import { createWorkers, runWorkers } from './create-workers.js';
import { createProjectActivities } from './activities.js';

const config = loadConfigOrExit();
Runtime.install({ logger: new DefaultLogger(config.logLevel), shutdownSignals: ['SIGINT', 'SIGTERM'] });
const logger = Runtime.instance().logger;
logger.info('starting okta-account-access worker', { config: describeConfig(config) });

const client = await connectTemporalClient(config).catch((err: unknown) => {
  // Missing payload keys is a config problem: say so and stop, like any other bad variable.
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(2);
});
const activities = createProjectActivities(config, { client });
const connection = await NativeConnection.connect(temporalConnectionSettings(config));
try {
  const workers = await createWorkers({
    connection,
    config,
    activities,
    dataConverter: createDataConverter(config),
    ...(config.workflowBundlePath ? { workflowBundlePath: config.workflowBundlePath } : {}),
  });
  logger.info('worker ready', { taskQueue: config.temporal.taskQueue, oktaTaskQueue: config.temporal.oktaTaskQueue });
  await runWorkers(workers);
} finally {
  await connection.close();
  await client.connection.close();
}
logger.info('worker stopped');
