/** Okta call metrics from the HTTP layer, through an injected (fake) meter, against the simulator over HTTP. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricMeter, MetricTags } from '@temporalio/common';
import { startOktaSimulator, type OktaSimulator } from '../../okta-sim/index.js';
import { createOktaClient } from '../../activities/okta/client.js';
import { endpointTemplate, OKTA_METRICS } from '../../activities/okta/metrics.js';

type Recorded = { name: string; value: number; tags: MetricTags };

/** Records every value the client reports, with its tags. */
function fakeMeter(out: Recorded[]): MetricMeter {
  const metric = (name: string) => {
    const record = (value: number, tags: MetricTags = {}) => void out.push({ name, value, tags });
    return { name, add: record, record, set: record, withTags: () => { throw new Error('unused'); } };
  };
  return {
    createCounter: (name) => ({ ...metric(name), kind: 'counter', valueType: 'int' }),
    createHistogram: (name) => ({ ...metric(name), kind: 'histogram', valueType: 'int' }),
    createGauge: (name) => ({ ...metric(name), kind: 'gauge', valueType: 'int' }),
    withTags: () => { throw new Error('unused'); },
  } as MetricMeter;
}

let sim: OktaSimulator;
before(async () => {
  sim = await startOktaSimulator({ seed: 'demo', quiet: true });
});
after(async () => {
  await sim.close();
});

describe('Okta call metrics', () => {
  test('endpoint templates keep IDs and logins out of labels', () => {
    assert.equal(endpointTemplate('/api/v1/users/bob%40example.com'), '/api/v1/users/{id}');
    assert.equal(endpointTemplate('/api/v1/users/00u1/lifecycle/unlock'), '/api/v1/users/{id}/lifecycle/unlock');
    assert.equal(endpointTemplate('/api/v1/users/00u1/factors/ufs9'), '/api/v1/users/{id}/factors/{id}');
    assert.equal(endpointTemplate('/api/v1/users/00u1/groups'), '/api/v1/users/{id}/groups');
    assert.equal(endpointTemplate('/api/v1/logs'), '/api/v1/logs');
    assert.equal(endpointTemplate('/api/v1/apps/0oa1/users/00u2/x/y'), '/api/v1/apps');
  });

  test('counts calls by endpoint and status, times them, and keeps each bucket\'s rate-limit headroom', async () => {
    const seen: Recorded[] = [];
    const okta = createOktaClient({ orgUrl: sim.url, auth: { kind: 'ssws', token: sim.apiToken }, requestTimeoutMs: 2_000 }, { meter: fakeMeter(seen) });
    const bob = await okta.getUser('bob@example.com');
    await okta.unlockUser(bob.id);
    await assert.rejects(okta.unlockUser(bob.id)); // not locked any more: 403 E0000032
    await sim.control.setFaults([{ method: 'GET', endpoint: '/api/v1/logs', type: 'drop', times: 1 }]);
    await assert.rejects(okta.listLogEvents({ limit: 1 }));

    const calls = seen.filter((r) => r.name === OKTA_METRICS.requests).map((r) => `${r.tags.method} ${r.tags.endpoint} ${r.tags.status}`);
    assert.deepEqual(calls, [
      'GET /api/v1/users/{id} 200',
      'POST /api/v1/users/{id}/lifecycle/unlock 200',
      'POST /api/v1/users/{id}/lifecycle/unlock 403',
      'GET /api/v1/logs no_response',
    ]);
    assert.equal(seen.filter((r) => r.name === OKTA_METRICS.latency).length, 4);
    const headroom = seen.filter((r) => r.name === OKTA_METRICS.rateLimitRemaining);
    assert.ok(headroom.some((r) => r.tags.bucket === 'GET /api/v1/users/{id}' && r.value > 0), JSON.stringify(headroom));
    assert.ok(headroom.some((r) => r.tags.bucket === 'POST /api/v1/users/{id}/lifecycle/unlock'));
    assert.ok(!JSON.stringify(seen).includes('example.com'), 'no login in any label');
  });
});
