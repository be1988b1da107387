import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { createDataConverter } from '../../client/data-converter.js';
import { loadConfig } from '../../temporal.config.js';
import { workflowSource } from '../../workers/workflows-path.js';
import { TEST_KEY } from '../self-service/helpers.js';

const dir = new URL('./histories/', import.meta.url);

describe('replay: recorded histories still replay on the current workflow code', () => {
  it('replays every recorded history without non-determinism', async () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 3, 'histories are committed under test/replay/histories');
    const histories = files.map((file) => ({ workflowId: file, history: historyFromJSON(JSON.parse(readFileSync(new URL(file, dir), 'utf8'))) }));
    const bundle = process.env.TEST_WORKFLOW_BUNDLE;
    // Self-service histories hold payloads encrypted with the tests' fixed key (recorded by the real workers).
    const dataConverter = createDataConverter(loadConfig({ PAYLOAD_ENCRYPTION_KEYS: TEST_KEY }, { dotEnvPath: false }));
    const options = { dataConverter, ...(await workflowSource(bundle)) };
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
