/**
 * The event hook receiver over HTTP: verification, the auth header, size and shape bounds, what is
 * handed on (projected lockout events only, once each), and 503 when Temporal cannot take them.
 * Deliveries go through the simulator's real event hook delivery where the shape matters.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { startOktaSimulator, type OktaSimulator } from '../../okta-sim/index.js';
import { pollerSink, type LockoutEventSink } from '../../client/event-hook/forward.js';
import { startEventHookReceiver, type RunningReceiver } from '../../client/event-hook/server.js';
import type { ProjectedLogEvent } from '../../workflows/lockout/log-event.js';
import { MAX_PUSHED_EVENTS } from '../../workflows/lockout/messages.js';
import { eventually } from '../helpers/eventually.js';
import { testTemporal } from '../helpers/temporal.js';

const SECRET = 'receiver-test-secret-0123456789';

function lockEvent(uuid: string, userId = '00u1234567890abcdefg'): Record<string, unknown> {
  return {
    uuid, eventType: 'user.account.lock', published: new Date().toISOString(), outcome: { result: 'FAILURE', reason: 'LOCKED_OUT' },
    actor: { id: userId, type: 'User', alternateId: 'x@example.com', displayName: 'X' }, target: null,
  };
}
const delivery = (events: unknown[]) => JSON.stringify({ eventType: 'com.okta.event_hook', eventId: 'd1', data: { events } });

describe('event hook receiver', () => {
  let receiver: RunningReceiver;
  let pushed: ProjectedLogEvent[][];
  let sinkError: Error | undefined;
  const sink: LockoutEventSink = async (events) => {
    if (sinkError) throw sinkError;
    for (let i = 0; i < events.length; i += MAX_PUSHED_EVENTS) pushed.push(events.slice(i, i + MAX_PUSHED_EVENTS));
    return { updates: 1 };
  };
  const call = (init: { method?: string; auth?: string | null; body?: string; headers?: Record<string, string> } = {}) =>
    fetch(receiver.url, {
      method: init.method ?? 'POST',
      headers: { ...(init.auth === null ? {} : { Authorization: init.auth ?? SECRET }), 'content-type': 'application/json', ...init.headers },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });

  before(async () => {
    receiver = await startEventHookReceiver({ host: '127.0.0.1', port: 0, secret: SECRET, authHeader: 'Authorization', sink });
  });
  after(() => receiver.close());
  beforeEach(() => {
    pushed = [];
    sinkError = undefined;
  });

  it('answers the one-time verification with the challenge, bounded', async () => {
    const ok = await call({ method: 'GET', headers: { 'X-Okta-Verification-Challenge': 'abc-XYZ_123.~' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { verification: 'abc-XYZ_123.~' });
    assert.equal((await call({ method: 'GET' })).status, 400, 'no challenge');
    assert.equal((await call({ method: 'GET', headers: { 'X-Okta-Verification-Challenge': 'a'.repeat(257) } })).status, 400, 'over-long');
    assert.equal((await call({ method: 'GET', headers: { 'X-Okta-Verification-Challenge': 'a"}<b>' + '\u00e9' } })).status, 400, 'not printable ASCII');
    assert.equal((await call({ method: 'GET', auth: null, headers: { 'X-Okta-Verification-Challenge': 'abc' } })).status, 401);
  });

  it('refuses a wrong or missing auth header with 401 and hands nothing on', async () => {
    const body = delivery([lockEvent('u-1')]);
    for (const auth of [null, 'wrong', `${SECRET}x`, SECRET.slice(0, -1), `Bearer ${SECRET}`]) {
      assert.equal((await call({ auth, body })).status, 401, `auth ${auth}`);
    }
    assert.deepEqual(pushed, []);
    assert.equal((await call({ body })).status, 200);
    assert.equal(pushed.length, 1);
  });

  it('refuses bodies over the limit with 413, declared or not', async () => {
    const big = delivery([{ ...lockEvent('u-big'), debugContext: { debugData: { pad: 'x'.repeat(2 * 1024 * 1024) } } }]);
    assert.equal((await call({ body: big })).status, 413);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const chunked = await fetch(receiver.url, { method: 'POST', headers: { Authorization: SECRET }, body: stream, duplex: 'half' } as RequestInit);
    assert.equal(chunked.status, 413);
    assert.deepEqual(pushed, []);
  });

  it('refuses malformed deliveries with 400', async () => {
    for (const body of ['{"data":', '[]', '{"data":{}}', '{"data":{"events":"x"}}', delivery(Array.from({ length: 1001 }, (_, i) => lockEvent(`u${i}`)))]) {
      assert.equal((await call({ body })).status, 400, body.slice(0, 40));
    }
    assert.equal((await call({ method: 'PUT', body: '{}' })).status, 405);
    assert.equal((await fetch(receiver.url.replace('/okta/event-hook', '/other'), { method: 'POST' })).status, 404);
    assert.deepEqual(pushed, []);
  });

  it('hands on projected lockout events only, each once, and skips unreadable ones', async () => {
    const sessionLocked = { ...lockEvent('u-3'), eventType: 'user.session.start' };
    const sessionFailed = { ...lockEvent('u-4'), eventType: 'user.session.start', outcome: { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' } };
    const hostile = { ...lockEvent('u-5'), displayMessage: 'y'.repeat(100_000), debugContext: { debugData: { huge: 'z'.repeat(100_000) } } };
    const res = await call({ body: delivery([lockEvent('u-1'), lockEvent('u-1'), sessionLocked, sessionFailed, { uuid: 7 }, 'nonsense', hostile]) });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { deliveryId: 'd1', received: 7, lockoutEvents: 3, unreadable: 2, other: 1 });
    assert.deepEqual(pushed.flat().map((e) => e.uuid), ['u-1', 'u-3', 'u-5']);
    assert.ok(JSON.stringify(pushed).length < 2_000, 'projected: no debug data, no display message');

    const none = await call({ body: delivery([sessionFailed]) });
    assert.equal(none.status, 200);
    assert.equal(pushed.length, 1, 'nothing to hand on, nothing handed on');
  });

  it('answers 503 when the events cannot be handed on, so Okta retries', async () => {
    sinkError = new Error('refused');
    assert.equal((await call({ body: delivery([lockEvent('u-9')]) })).status, 503);
  });
});

describe('event hook receiver under a storm', () => {
  it('answers 503 at once beyond its concurrent deliveries, and a stuck push when its budget ends', async () => {
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((r) => (release = r));
    let entered = 0;
    const receiver = await startEventHookReceiver({
      host: '127.0.0.1', port: 0, secret: SECRET, authHeader: 'Authorization', limits: { maxConcurrentDeliveries: 2, budgetMs: 1_000 },
      sink: async () => {
        entered++;
        await blocked;
        return { updates: 1 };
      },
    });
    try {
      const post = async () => {
        const started = Date.now();
        const res = await fetch(receiver.url, { method: 'POST', headers: { Authorization: SECRET }, body: delivery([lockEvent('u-1')]) });
        return { status: res.status, ms: Date.now() - started };
      };
      const stuck = [post(), post()];
      await eventually('two deliveries in flight', async () => entered === 2);
      const third = await post();
      assert.equal(third.status, 503);
      assert.ok(third.ms < 500, `refused after ${third.ms} ms`);
      for (const r of await Promise.all(stuck)) {
        assert.equal(r.status, 503);
        assert.ok(r.ms >= 900 && r.ms < 2_000, `answered after ${r.ms} ms`);
      }
      assert.equal(entered, 2);
    } finally {
      release();
      await receiver.close();
    }
  });
});

describe('event hook receiver → Temporal', () => {
  let sim: OktaSimulator;
  before(async () => {
    sim = await startOktaSimulator({ seed: 'receiver-temporal', quiet: true });
  });
  after(async () => {
    await sim.close();
    await (await testTemporal()).close();
  });

  it('answers 503 within Okta\'s 3 s when Temporal is unreachable or the org has no poller', async () => {
    const dead = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const temporal = await testTemporal();
    for (const client of [dead, temporal.client]) {
      const sink = pollerSink({ connection: client.connection, namespace: temporal.namespace }, sim.url);
      const receiver = await startEventHookReceiver({ host: '127.0.0.1', port: 0, secret: SECRET, authHeader: 'X-Hook-Key', sink });
      try {
        const started = Date.now();
        const res = await fetch(receiver.url, { method: 'POST', headers: { 'X-Hook-Key': SECRET }, body: delivery([lockEvent('u-1')]) });
        assert.equal(res.status, 503);
        assert.ok(Date.now() - started < 3_000, `answered after ${Date.now() - started} ms`);
      } finally {
        await receiver.close();
      }
    }
    await dead.connection.close();
  });

  it('is verified by the simulator and receives its deliveries with the configured header', async () => {
    let got: ProjectedLogEvent[] = [];
    const receiver = await startEventHookReceiver({
      host: '127.0.0.1', port: 0, secret: SECRET, authHeader: 'X-Hook-Key',
      sink: async (events) => {
        got = got.concat(events);
        return { updates: 1 };
      },
    });
    try {
      await deliverThroughSimulator(receiver.url, () => got);
    } finally {
      await receiver.close();
    }
  });

  async function deliverThroughSimulator(uri: string, got: () => ProjectedLogEvent[]): Promise<void> {
    const json = { Authorization: `SSWS ${sim.apiToken}`, 'content-type': 'application/json' };
    const created = (await (await fetch(`${sim.url}/api/v1/eventHooks`, {
      method: 'POST', headers: json,
      body: JSON.stringify({
        name: 'receiver test', events: { type: 'EVENT_TYPE', items: ['user.account.lock', 'user.session.start'] },
        channel: { type: 'HTTP', version: '1.0.0', config: { uri, authScheme: { type: 'HEADER', key: 'X-Hook-Key', value: SECRET } } },
      }),
    })).json()) as { id: string };
    const verified = await fetch(`${sim.url}/api/v1/eventHooks/${created.id}/lifecycle/verify`, { method: 'POST', headers: json });
    assert.equal(verified.status, 200);
    const { events } = await sim.control.lockUser('alice@example.com', { via: 'failed-signins', attempts: 2 });
    const lock = events.find((e) => e.eventType === 'user.account.lock');
    await eventually('the lock event handed on', async () => got().length >= 1);
    assert.deepEqual(got().map((e) => e.uuid), [lock?.uuid], 'the failed sign-ins are delivered too, but are not lockout events');
    assert.equal(got()[0]?.actor?.alternateId, 'alice@example.com');
  }
});
