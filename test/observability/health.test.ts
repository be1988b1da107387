/** The worker's probe server on its own: readiness follows the workers and the Temporal check; /metrics is proxied. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { startHealthServer, type RunningHealthServer } from '../../workers/health.js';

describe('worker health server', () => {
  const servers: { close(): unknown }[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  it('is ready only when every worker runs and Temporal answers; says why not', async () => {
    let states: string[] = [];
    let temporalUp = true;
    let checks = 0;
    const health: RunningHealthServer = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      workerStates: () => states,
      checkTemporal: () => {
        checks++;
        return temporalUp ? Promise.resolve(true) : Promise.reject(new Error('UNAVAILABLE'));
      },
      checkEveryMs: 0,
    });
    servers.push(health);
    const ready = async () => {
      const res = await fetch(`${health.url}/readyz`);
      return { status: res.status, body: await res.text() };
    };
    assert.equal((await fetch(`${health.url}/livez`)).status, 200);
    assert.deepEqual(await ready(), { status: 503, body: 'not ready: workers starting\n' });
    states = ['RUNNING', 'INITIALIZED'];
    assert.deepEqual(await ready(), { status: 503, body: 'not ready: workers initialized\n' });
    states = ['RUNNING', 'RUNNING'];
    assert.deepEqual(await ready(), { status: 200, body: 'ready\n' });
    temporalUp = false;
    assert.deepEqual(await ready(), { status: 503, body: 'not ready: Temporal server unreachable\n' });
    states = ['RUNNING', 'DRAINING'];
    assert.equal((await ready()).status, 503);
    assert.ok(checks >= 2);
    assert.equal((await fetch(`${health.url}/metrics`)).status, 404, 'metrics off: no exporter to proxy');
    assert.equal((await fetch(`${health.url}/livez`, { method: 'POST' })).status, 405);
  });

  it('caches the Temporal check between probes and proxies /metrics from the runtime exporter', async () => {
    const upstream = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end('temporal_x 1\n'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    servers.push({ close: () => new Promise((r) => upstream.close(r)) });
    let checks = 0;
    const health = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      workerStates: () => ['RUNNING'],
      checkTemporal: () => Promise.resolve(++checks > 0),
      metricsUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/metrics`,
      checkEveryMs: 60_000,
    });
    servers.push(health);
    await Promise.all([1, 2, 3, 4, 5].map(() => fetch(`${health.url}/readyz`)));
    assert.equal(checks, 1);
    const metrics = await fetch(`${health.url}/metrics`);
    assert.equal(metrics.headers.get('content-type'), 'text/plain; version=0.0.4');
    assert.equal(await metrics.text(), 'temporal_x 1\n');
  });
});
