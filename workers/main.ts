/**
 * The worker process: runs every workflow and activity of the project until SIGINT/SIGTERM, then
 * shuts down gracefully (in-flight activities get the shutdown grace time to finish).
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { temporalConnectionSettings } from '../client/temporal-connection.js';
import { describeConfig, loadConfigOrExit } from '../temporal.config.js';
import { createWorkers, runWorkers } from './create-workers.js';
import { createProjectActivities } from './activities.js';

const config = loadConfigOrExit();
Runtime.install({ logger: new DefaultLogger(config.logLevel), shutdownSignals: ['SIGINT', 'SIGTERM'] });
const logger = Runtime.instance().logger;
logger.info('starting okta-account-access worker', { config: describeConfig(config) });

const activities = createProjectActivities(config);
const connection = await NativeConnection.connect(temporalConnectionSettings(config));
try {
  const workers = await createWorkers({ connection, config, activities });
  logger.info('worker ready', { taskQueue: config.temporal.taskQueue, oktaTaskQueue: config.temporal.oktaTaskQueue });
  await runWorkers(workers);
} finally {
  await connection.close();
}
logger.info('worker stopped');
