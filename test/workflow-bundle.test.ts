/**
 * The workflow bundle the workers load: its inline source map has no copy of the sources (about
 * 12 MB in each workflow thread), and a running workflow's stack trace still names the bundled
 * files' lines (`.ts` here, where the suite bundles the sources).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { WorkerDescription } from '../activities/diagnostics.js';
import { diagnosticsWorkflow, diagnosticsWorkflowId } from '../workflows/diagnostics.js';
import { withoutSourcesContent } from '../workers/workflows-path.js';
import { eventually } from './helpers/eventually.js';
import { startTestWorkers, suiteBundleCode, testConfig, testTemporal, type RunningWorkers, type TestTemporal } from './helpers/temporal.js';

/** The inline source map of a bundle, decoded. */
function inlineMap(code: string): { sources: string[]; mappings: string; sourcesContent?: unknown } {
  const at = code.lastIndexOf('//# sourceMappingURL=data:');
  assert.ok(at > 0, 'the bundle has an inline source map');
  const data = code.indexOf('base64,', at) + 'base64,'.length;
  return JSON.parse(Buffer.from(code.slice(data), 'base64').toString('utf8'));
}

describe('workflow bundle', () => {
  let temporal: TestTemporal;
  let running: RunningWorkers;
  let config: ReturnType<typeof testConfig>;
  let activityStarted = false;
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));

  before(async () => {
    temporal = await testTemporal();
    config = testConfig(temporal);
    const describeWorker = async (echo: string): Promise<WorkerDescription> => {
      activityStarted = true;
      await released;
      return { host: 'test', pid: process.pid, taskQueue: config.temporal.taskQueue, nodeVersion: process.version, echo };
    };
    running = await startTestWorkers(temporal, config, { general: { describeWorker }, okta: {} });
  });
  after(async () => {
    release();
    await running?.stop();
    await temporal?.close();
  });

  it('keeps the mappings and drops the copy of the sources', async () => {
    const code = await suiteBundleCode();
    const map = inlineMap(code);
    assert.equal(map.sourcesContent, undefined, 'no copy of the sources in the map');
    assert.ok(map.mappings.length > 10_000, 'the mappings are kept');
    assert.ok(map.sources.some((s) => s.endsWith('workflows/diagnostics.ts')), 'our sources are named');
  });

  it('strips only the sources, whatever the map comment looks like', () => {
    const map = { version: 3, sources: ['a.ts'], sourcesContent: ['const a = 1;'], mappings: 'AAAA', names: [] };
    const encoded = Buffer.from(JSON.stringify(map)).toString('base64');
    for (const prefix of ['//# sourceMappingURL=data:application/json;base64,', '//# sourceMappingURL=data:application/json;charset=utf-8;base64,']) {
      const out = withoutSourcesContent(`var a = 1;\n${prefix}${encoded}\n \n`);
      assert.ok(out.startsWith(`var a = 1;\n${prefix}`), 'code and comment kept');
      const { sourcesContent, ...rest } = inlineMap(out);
      assert.equal(sourcesContent, undefined);
      assert.deepEqual(rest, { version: 3, sources: ['a.ts'], mappings: 'AAAA', names: [] });
    }
    const noMap = 'var b = "base64,eyJ9";\n';
    assert.equal(withoutSourcesContent(noMap), noMap, 'no map: unchanged');
  });

  it('maps a running workflow stack trace to the TypeScript sources', async () => {
    const echo = randomUUID();
    const handle = await temporal.client.workflow.start(diagnosticsWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: diagnosticsWorkflowId(echo),
      args: [echo],
      workflowExecutionTimeout: '60s',
    });
    await eventually('the activity to run', async () => activityStarted, 20_000, 50);
    const stack = await handle.query<string>('__stack_trace');
    assert.match(stack, /workflows\/diagnostics\.ts:\d+:\d+/, `stack trace: ${stack}`);
    release();
    assert.equal((await handle.result()).echo, echo);
  });
});
