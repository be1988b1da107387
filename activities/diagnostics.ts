/** Activities that let an operator check a deployment end to end (client → server → worker). */
import { hostname } from 'node:os';
import { Context } from '@temporalio/activity';

export interface WorkerDescription {
  host: string;
  pid: number;
  taskQueue: string;
  nodeVersion: string;
  echo: string;
}

export function createDiagnosticsActivities() {
  return {
    async describeWorker(echo: string): Promise<WorkerDescription> {
      const { taskQueue } = Context.current().info;
      return { host: hostname(), pid: process.pid, taskQueue, nodeVersion: process.version, echo };
    },
  };
}

export type DiagnosticsActivities = ReturnType<typeof createDiagnosticsActivities>;
