/**
 * Test access to a real Temporal server.
 *
 * `npm test` starts one dev server for the whole suite and exports TEST_TEMPORAL_ADDRESS plus a
 * pre-built workflow bundle (TEST_WORKFLOW_BUNDLE). A test file run on its own
 * (`node --import tsx --test test/x.test.ts`) starts its own server through the SDK's
 * `TestWorkflowEnvironment.createLocal`, pointed at the project's Temporal CLI (no download).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig, type AppConfig } from '../../temporal.config.js';
import { PROJECT_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { createWorkers, shutdownWorkers, workerList, type ProjectWorkers, type WorkerActivities } from '../../workers/create-workers.js';
import { bundleWorkflows } from '../../workers/workflows-path.js';

let runtimeInstalled = false;
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    // Test output stays readable: only warnings and errors from the SDK.
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  } catch {
    // Already installed by an earlier helper in this process.
  }
}

export interface TestTemporal {
  address: string;
  namespace: string;
  client: Client;
  close(): Promise<void>;
}

/** What scripts/lib.sh (dev_server_config_flags) gives the suite's server: updates, and dispatch by priority. */
const DEV_SERVER_CONFIG: Record<string, string | number | boolean> = {
  'frontend.enableUpdateWorkflowExecution': true,
  'matching.useNewMatcher': true,
};

let shared: Promise<TestTemporal> | undefined;

/** One Temporal server per test process: the suite's, or a local one for a lone test file. */
export function testTemporal(): Promise<TestTemporal> {
  shared ??= connect();
  return shared;
}

async function connect(): Promise<TestTemporal> {
  quietRuntime();
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  const namespace = process.env.TEST_TEMPORAL_NAMESPACE ?? 'default';
  if (address) {
    const connection = await Connection.connect({ address });
    const client = new Client({ connection, namespace });
    return { address, namespace, client, close: () => connection.close() };
  }
  const path = execFileSync('bash', ['scripts/temporal-cli.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path },
      searchAttributes: PROJECT_SEARCH_ATTRIBUTES.map((key) => ({ name: key.name, type: 'KEYWORD' as const })),
      extraArgs: Object.entries(DEV_SERVER_CONFIG).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
    },
  });
  return {
    address: env.connection.options.address,
    namespace: env.namespace ?? 'default',
    client: env.client,
    close: () => env.teardown(),
  };
}

/**
 * A dev server of a test's own, for tests that need server settings the suite's server does not
 * have (e.g. a low `limit.numPendingChildExecutions.error`). Started with the project's CLI.
 */
export async function ownTemporal(dynamicConfig: Record<string, string | number | boolean>): Promise<TestTemporal> {
  quietRuntime();
  const path = execFileSync('bash', ['scripts/temporal-cli.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const values = { ...DEV_SERVER_CONFIG, ...dynamicConfig };
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path },
      searchAttributes: PROJECT_SEARCH_ATTRIBUTES.map((key) => ({ name: key.name, type: 'KEYWORD' as const })),
      extraArgs: Object.entries(values).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
    },
  });
  return { address: env.connection.options.address, namespace: env.namespace ?? 'default', client: env.client, close: () => env.teardown() };
}

/** App config for tests: real defaults, a task queue of its own per test, overrides on top. */
export function testConfig(temporal: TestTemporal, env: Record<string, string> = {}): AppConfig {
  const queue = `test-${randomUUID().slice(0, 8)}`;
  return loadConfig(
    {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      TEMPORAL_TASK_QUEUE: queue,
      TEMPORAL_OKTA_TASK_QUEUE: `${queue}-okta`,
      TEMPORAL_OKTA_LOG_TASK_QUEUE: `${queue}-okta-logs`,
      OKTA_MAX_REQUESTS_PER_SECOND: '50',
      OKTA_LOG_MAX_REQUESTS_PER_SECOND: '20',
      ...env,
    },
    { dotEnvPath: false },
  );
}

export interface RunningWorkers {
  workers: ProjectWorkers;
  /** Stops both workers and waits for them to finish. */
  stop(): Promise<void>;
}

/** The workflow bundle scripts/test.sh built for the suite, if there is one (a file run on its own bundles for itself). */
export function suiteBundlePath(): string | undefined {
  const bundle = process.env.TEST_WORKFLOW_BUNDLE;
  return bundle && existsSync(bundle) ? bundle : undefined;
}

/** The code of the bundle the suite's workers load: the pre-built one, or the sources bundled now. */
export async function suiteBundleCode(): Promise<string> {
  const path = suiteBundlePath();
  return path ? readFileSync(path, 'utf8') : (await bundleWorkflows()).code;
}

/** Starts the project's real workers (from createWorkers) in the background. */
export async function startTestWorkers(
  temporal: TestTemporal,
  config: AppConfig,
  activities: WorkerActivities,
  options: { dataConverter?: Parameters<typeof createWorkers>[0]['dataConverter'] } = {},
): Promise<RunningWorkers> {
  const connection = await NativeConnection.connect({ address: temporal.address });
  const bundle = suiteBundlePath();
  let workers: ProjectWorkers;
  try {
    workers = await createWorkers({
      connection,
      config,
      activities,
      ...(bundle ? { workflowBundlePath: bundle } : {}),
      ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
      overrides: { shutdownGraceTime: '2s' },
    });
  } catch (err) {
    await connection.close();
    throw err;
  }
  const runs = workerList(workers).map((worker) => worker.run());
  return {
    workers,
    async stop() {
      shutdownWorkers(workers);
      await Promise.all(runs);
      await connection.close();
    },
  };
}

/** Workflow tasks that failed in every run of a workflow ID (a data-driven retry loop shows here). */
export async function workflowTaskFailures(client: Client, workflowId: string): Promise<{ runs: number; failures: string[] }> {
  const { EventType } = protos.temporal.api.enums.v1;
  const failures: string[] = [];
  let runs = 0;
  for await (const run of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    runs += 1;
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    for (const e of history.events ?? []) {
      if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) failures.push(`${run.runId}: ${e.workflowTaskFailedEventAttributes?.failure?.message ?? '?'}`);
    }
  }
  return { runs, failures };
}
