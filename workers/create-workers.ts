/**
 * Builds the project's workers on one connection:
 * - the main worker runs every workflow and the activities that do not call Okta;
 * - the Okta worker runs only Okta activities, on their own task queue, so the Temporal server
 *   paces them (`maxTaskQueueActivitiesPerSecond`) across all workers: a password spray that locks
 *   thousands of accounts becomes a steady queue, not a 429 storm.
 */
import { type NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { workerDataConverter } from '../client/data-converter.js';
import type { AppConfig } from '../temporal.config.js';
import { maxCachedWorkflows } from './workflow-cache.js';
import { workflowSource } from './workflows-path.js';

export interface WorkerActivities {
  /** Activities for the main task queue (notifications, diagnostics...). */
  general: object;
  /** Activities that call Okta, run on the paced Okta task queue. */
  okta: object;
  /** System Log reads, on their own paced queue (absent in diagnostics-only setups). */
  oktaLogs?: object;
}

export interface CreateWorkersOptions {
  connection: NativeConnection;
  config: AppConfig;
  activities: WorkerActivities;
  /** A pre-built bundle (tests build one for the whole suite); otherwise workflows are bundled now. */
  workflowBundlePath?: string;
  dataConverter?: WorkerOptions['dataConverter'];
  /** Extra options, e.g. a shorter shutdown grace time in tests. */
  overrides?: Partial<WorkerOptions>;
}

export interface ProjectWorkers {
  main: Worker;
  /** Absent when no Okta activities are given (diagnostics-only deployments and tests). */
  okta?: Worker;
  oktaLogs?: Worker;
  /** The lockout poller's own worker (absent where no System Log is read). */
  poller?: Worker;
}

export async function createWorkers(options: CreateWorkersOptions): Promise<ProjectWorkers> {
  const { connection, config, activities, workflowBundlePath, dataConverter, overrides } = options;
  const common: Partial<WorkerOptions> = {
    connection,
    namespace: config.temporal.namespace,
    shutdownGraceTime: '20s',
    // No payload anyone sends (a bad key, a foreign encoding) may fail a workflow task: see data-converter.ts.
    dataConverter: workerDataConverter(dataConverter),
    ...overrides,
  };
  const cached = maxCachedWorkflows(config.workerMaxCachedWorkflows);
  // Bundled once for both workers that run workflows (each would otherwise bundle on its own).
  const workflows = await workflowSource(workflowBundlePath, Runtime.instance().logger, common.plugins);
  const main = await Worker.create({
    ...common,
    taskQueue: config.temporal.taskQueue,
    ...workflows,
    activities: activities.general,
    maxCachedWorkflows: cached,
    maxConcurrentWorkflowTaskExecutions: Math.min(100, cached),
  });
  if (Object.keys(activities.okta).length === 0) return { main };
  const okta = await Worker.create({
    ...common,
    taskQueue: config.temporal.oktaTaskQueue,
    activities: activities.okta,
    maxTaskQueueActivitiesPerSecond: config.oktaMaxRequestsPerSecond,
  });
  if (!activities.oktaLogs) return { main, okta };
  // Detection has a budget of its own: a poll never waits behind a spray's thousands of unlocks.
  const oktaLogs = await Worker.create({
    ...common,
    taskQueue: config.temporal.oktaLogTaskQueue,
    activities: activities.oktaLogs,
    maxTaskQueueActivitiesPerSecond: config.oktaLogMaxRequestsPerSecond,
    maxConcurrentActivityTaskExecutions: 2,
  });
  // The poller on a worker of its own: its own workflow thread, cache and task slots, so a storm's
  // thousands of episodes on the main queue neither delay its tasks nor evict it (a replay of its
  // long history before each poll). Its alerts (notify activities) run here too.
  const poller = await Worker.create({
    ...common,
    taskQueue: config.temporal.pollerTaskQueue,
    ...workflows,
    activities: activities.general,
    maxCachedWorkflows: POLLER_WORKER_CACHE,
    maxConcurrentWorkflowTaskExecutions: 2,
    maxConcurrentActivityTaskExecutions: 2,
  });
  return { main, okta, oktaLogs, poller };
}

/** One poller per Okta org: a few cached runs are plenty. */
const POLLER_WORKER_CACHE = 4;

/** Every worker of the process. */
export function workerList(workers: ProjectWorkers): Worker[] {
  return [workers.main, workers.okta, workers.oktaLogs, workers.poller].filter((w): w is Worker => w !== undefined);
}

/** Asks every worker that is still running to shut down (in-flight activities get the grace time). */
export function shutdownWorkers(workers: ProjectWorkers): void {
  for (const worker of workerList(workers)) {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  }
}

/** Runs the workers until a shutdown signal (SIGINT/SIGTERM) or until one fails. */
export async function runWorkers(workers: ProjectWorkers): Promise<void> {
  const runs = workerList(workers).map((worker) => worker.run());
  try {
    await Promise.all(runs);
  } catch (err) {
    // One worker failed: stop the others too so the process exits instead of running half a system.
    shutdownWorkers(workers);
    await Promise.allSettled(runs);
    throw err;
  }
}
