/**
 * A time-skipping Temporal test environment (TestWorkflowEnvironment.createTimeSkipping) on
 * Temporal's Java test server from Maven Central (scripts/java-test-server.sh; `npm test` installs it
 * first), with a worker of the project's workflows and the activities a test passes: timeouts of
 * hours run in milliseconds. For workflow logic with mocked activities; the end-to-end tests keep
 * using the dev server and the simulator.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import protos from '@temporalio/proto';
import { PROJECT_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { workflowSource } from '../../workers/workflows-path.js';
import { quietRuntime, suiteBundlePath } from './temporal.js';

export interface TimeSkipping {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  close(): Promise<void>;
}

export async function startTimeSkipping(activities: object): Promise<TimeSkipping> {
  quietRuntime();
  const path = execFileSync('bash', ['scripts/java-test-server.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
  const taskQueue = `ts-${randomUUID().slice(0, 8)}`;
  const { INDEXED_VALUE_TYPE_KEYWORD } = protos.temporal.api.enums.v1.IndexedValueType;
  let worker: Worker;
  try {
    // The workflows write the project's search attributes; the test server knows only those registered.
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(PROJECT_SEARCH_ATTRIBUTES.map((key) => [key.name, INDEXED_VALUE_TYPE_KEYWORD])),
    });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      activities,
      ...(await workflowSource(suiteBundlePath())),
    });
  } catch (err) {
    await env.teardown();
    throw err;
  }
  const running = worker.run();
  return {
    env,
    taskQueue,
    async close() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}
