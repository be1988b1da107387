/** The workflow cache size a worker derives from its heap limit (pure). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cachedWorkflowsForHeap } from '../workers/workflow-cache.js';

describe('workflow cache size', () => {
  it('follows V8 heap limit (old space plus a 48 MB young generation), 2 MB a run, 10 to 250 runs', () => {
    assert.equal(cachedWorkflowsForHeap(160 + 48), 32, '--max-old-space-size=160');
    assert.equal(cachedWorkflowsForHeap(384 + 48), 144, '--max-old-space-size=384, as deploy/k8s');
    assert.equal(cachedWorkflowsForHeap(4_096 + 48), 250, 'a large machine: capped');
    assert.equal(cachedWorkflowsForHeap(100), 10, 'never below a handful');
  });
});
