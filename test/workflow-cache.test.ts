/** The workflow cache size a worker derives from its heap limit (pure). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheOverHeapWarning, cachedWorkflowsForHeap } from '../workers/workflow-cache.js';

describe('workflow cache size', () => {
  it('follows V8 heap limit (old space plus a 48 MB young generation), 2 MB a run, 10 to 250 runs', () => {
    assert.equal(cachedWorkflowsForHeap(160 + 48), 32, '--max-old-space-size=160');
    assert.equal(cachedWorkflowsForHeap(384 + 48), 144, '--max-old-space-size=384, as deploy/k8s');
    assert.equal(cachedWorkflowsForHeap(4_096 + 48), 250, 'a large machine: capped');
    assert.equal(cachedWorkflowsForHeap(100), 10, 'never below a handful');
  });

  it('warns when a configured cache is more than the heap holds, and only then', () => {
    assert.equal(cacheOverHeapWarning(undefined, 384 + 48), undefined, 'unset: derived from the heap');
    assert.equal(cacheOverHeapWarning(144, 384 + 48), undefined, 'what the heap holds');
    assert.equal(cacheOverHeapWarning(10, 100), undefined, 'the floor of a handful');
    assert.match(cacheOverHeapWarning(145, 384 + 48) ?? '', /WORKER_MAX_CACHED_WORKFLOWS=145 is more than a 432 MB heap holds \(about 144 runs\)/);
    assert.equal(cacheOverHeapWarning(1_000, 4_096 + 48), undefined, 'a large heap holds more than the derived cap of 250');
  });
});
