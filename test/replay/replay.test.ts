import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { workflowsPath } from '../../workers/workflows-path.js';

const dir = new URL('./histories/', import.meta.url);

describe('replay: recorded histories still replay on the current workflow code', () => {
  it('replays every recorded history without non-determinism', async () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 3, 'histories are committed under test/replay/histories');
    const histories = files.map((file) => ({ workflowId: file, history: historyFromJSON(JSON.parse(readFileSync(new URL(file, dir), 'utf8'))) }));
    const bundle = process.env.TEST_WORKFLOW_BUNDLE;
    const options = bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath };
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(options, histories)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.equal(replayed, files.length);
    assert.deepEqual(failures, []);
  });
});
