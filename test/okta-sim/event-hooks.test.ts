/**
 * The simulator's Event Hooks API and delivery, over HTTP: lifecycle, verification, delivery of
 * subscribed eligible events with the auth header, one retry on 5xx or timeout, the failure event in
 * the System Log, and the delivery faults (drop, delay, duplicate).
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startOktaSimulator, type OktaSimulator } from '../../okta-sim/index.js';
import { eventually } from '../helpers/eventually.js';
import { fakeHookEndpoint, type FakeHookEndpoint } from './fake-hook-endpoint.js';
import { okta } from './helpers.js';

const SECRET = 'hook-secret-0123456789abcdef';

interface Hook {
  id: string;
  status: string;
  verificationStatus: string;
  channel: { config: { uri: string; authScheme?: { key: string; value?: string } } };
}

function hookBody(uri: string, items = ['user.account.lock']) {
  return JSON.stringify({
    name: 'okta-account-access lockouts',
    events: { type: 'EVENT_TYPE', items },
    channel: { type: 'HTTP', version: '1.0.0', config: { uri, headers: [{ key: 'X-Extra', value: 'x1' }], authScheme: { type: 'HEADER', key: 'Authorization', value: SECRET } } },
  });
}

describe('okta-sim event hooks', () => {
  let sim: OktaSimulator;
  let ep: FakeHookEndpoint;
  before(async () => {
    sim = await startOktaSimulator({ seed: 'event-hooks', quiet: true });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    await sim.control.reset();
    ep = await fakeHookEndpoint();
  });
  afterEach(async () => {
    await ep.close();
  });

  async function createHook(items?: string[]): Promise<Hook> {
    const r = await okta<Hook>(sim, '/api/v1/eventHooks', { method: 'POST', body: hookBody(ep.url, items), headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  }
  async function verifiedHook(items?: string[]): Promise<Hook> {
    const hook = await createHook(items);
    const v = await okta<Hook>(sim, `/api/v1/eventHooks/${hook.id}/lifecycle/verify`, { method: 'POST' });
    assert.equal(v.status, 200, JSON.stringify(v.body));
    return v.body;
  }

  it('creates ACTIVE and UNVERIFIED, never returns the secret, verifies, deactivates and deletes', async () => {
    const hook = await createHook();
    assert.equal(hook.status, 'ACTIVE');
    assert.equal(hook.verificationStatus, 'UNVERIFIED');
    assert.deepEqual(hook.channel.config.authScheme, { type: 'HEADER', key: 'Authorization' });
    assert.ok(!JSON.stringify(hook).includes(SECRET));

    const verified = await okta<Hook>(sim, `/api/v1/eventHooks/${hook.id}/lifecycle/verify`, { method: 'POST' });
    assert.equal(verified.body.verificationStatus, 'VERIFIED');
    const [call] = ep.calls;
    assert.equal(call?.method, 'GET');
    assert.ok((call?.headers['x-okta-verification-challenge'] as string).length >= 20);
    assert.equal(call?.headers.authorization, SECRET);
    assert.equal(call?.headers['x-extra'], 'x1');

    const list = await okta<Hook[]>(sim, '/api/v1/eventHooks');
    assert.deepEqual(list.body.map((h) => h.id), [hook.id]);
    assert.equal((await okta(sim, `/api/v1/eventHooks/${hook.id}`, { method: 'DELETE' })).status, 400, 'an ACTIVE hook cannot be deleted');
    assert.equal((await okta<Hook>(sim, `/api/v1/eventHooks/${hook.id}/lifecycle/deactivate`, { method: 'POST' })).body.status, 'INACTIVE');
    assert.equal((await okta(sim, `/api/v1/eventHooks/${hook.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await okta(sim, `/api/v1/eventHooks/${hook.id}`)).status, 404);
  });

  it('refuses event types that are not event-hook-eligible, plain http beyond loopback and bad bodies', async () => {
    const notEligible = await okta<{ errorCode: string; errorCauses: { errorSummary: string }[] }>(sim, '/api/v1/eventHooks', {
      method: 'POST', body: hookBody(ep.url, ['user.account.lock.limit']), headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(notEligible.status, 400);
    assert.equal(notEligible.body.errorCode, 'E0000001');
    assert.match(notEligible.body.errorCauses[0]?.errorSummary ?? '', /user\.account\.lock\.limit/);
    const http = await okta(sim, '/api/v1/eventHooks', { method: 'POST', body: hookBody('http://hooks.example.com/x'), headers: { 'Content-Type': 'application/json' } });
    assert.equal(http.status, 400);
    const broken = await okta<{ errorCode: string }>(sim, '/api/v1/eventHooks', { method: 'POST', body: '{"name":', headers: { 'Content-Type': 'application/json' } });
    assert.equal(broken.body.errorCode, 'E0000003');
  });

  it('fails verification when the endpoint does not echo the challenge (after one retry on 5xx)', async () => {
    const hook = await createHook();
    ep.always = { wrongVerification: true };
    const r = await okta<{ errorCode: string }>(sim, `/api/v1/eventHooks/${hook.id}/lifecycle/verify`, { method: 'POST' });
    assert.equal(r.status, 400);
    assert.equal((await okta<Hook>(sim, `/api/v1/eventHooks/${hook.id}`)).body.verificationStatus, 'UNVERIFIED');
    ep.always = {};
    ep.next = [{ status: 503 }];
    const retried = await okta<Hook>(sim, `/api/v1/eventHooks/${hook.id}/lifecycle/verify`, { method: 'POST' });
    assert.equal(retried.body.verificationStatus, 'VERIFIED');
  });

  it('delivers subscribed events of a verified hook with its headers, and nothing else', async () => {
    await createHook(); // unverified: receives nothing
    const hook = await verifiedHook(['user.account.lock']);
    const lock = await sim.control.lockUser('alice@example.com', { via: 'failed-signins', attempts: 2 });
    const post = await eventually('a delivery', async () => ep.posts()[0]);
    const body = post.body as { eventType: string; source: string; data: { events: { uuid: string; eventType: string }[] } };
    assert.equal(post.headers.authorization, SECRET);
    assert.equal(post.headers['content-type'], 'application/json');
    assert.equal(body.eventType, 'com.okta.event_hook');
    assert.ok(body.source.endsWith(`/api/v1/eventHooks/${hook.id}`));
    const lockEvent = lock.events.find((e) => e.eventType === 'user.account.lock');
    assert.deepEqual(body.data.events.map((e) => e.uuid), [lockEvent?.uuid], 'only the subscribed lock event, not the failed sign-ins');
    const deliveries = await sim.control.hookDeliveries();
    assert.equal(deliveries.attempts.length, 1);
    assert.equal(deliveries.attempts[0]?.outcome, 'delivered');

    await okta(sim, `/api/v1/eventHooks/${hook.id}/lifecycle/deactivate`, { method: 'POST' });
    await sim.control.lockUser('carol@example.com', { via: 'failed-signins' });
    await sim.control.lockUser('dave@example.com', { via: 'session-start' });
    await okta(sim, `/api/v1/eventHooks/${hook.id}/lifecycle/activate`, { method: 'POST' });
    await sim.control.lockUser('grace@example.com', { via: 'failed-signins' });
    await eventually('the next delivery', async () => ep.posts().length === 2);
    const second = ep.posts()[1]?.body as { data: { events: { actor: { alternateId: string } }[] } };
    assert.deepEqual(second.data.events.map((e) => e.actor.alternateId), ['grace@example.com'], 'nothing delivered while INACTIVE');
  });

  it('retries once on 5xx; a second failure writes event_hook.delivery to the System Log', async () => {
    const hook = await verifiedHook();
    ep.next = [{ status: 500 }];
    await sim.control.lockUser('alice@example.com', { via: 'failed-signins' });
    await eventually('delivered on the retry', async () => (await sim.control.hookDeliveries()).attempts.find((a) => a.outcome === 'delivered'));
    assert.deepEqual((await sim.control.hookDeliveries()).attempts.map((a) => [a.attempt, a.status]), [[1, 500], [2, 200]]);
    assert.equal((await sim.control.events('event_hook.delivery')).events.length, 0);

    ep.always = { status: 502 };
    await sim.control.lockUser('carol@example.com', { via: 'failed-signins' });
    const failure = await eventually('a failure event', async () => (await sim.control.events('event_hook.delivery')).events[0]);
    assert.equal(failure.outcome.result, 'FAILURE');
    assert.equal(failure.target?.[0]?.id, hook.id);
    assert.equal(ep.posts().length, 4, 'two attempts per delivery, no more');

    ep.always = { status: 401 };
    await sim.control.lockUser('dave@example.com', { via: 'failed-signins' });
    await eventually('a second failure event', async () => (await sim.control.events('event_hook.delivery')).events.length === 2);
    assert.equal(ep.posts().length, 5, 'a 4xx is not retried');
  });

  it('retries once after the 3 s timeout, and delivery never slows the API', async () => {
    await verifiedHook();
    ep.next = [{ hangMs: 4_000 }];
    const started = Date.now();
    await sim.control.lockUser('alice@example.com', { via: 'failed-signins' });
    await okta(sim, '/api/v1/users/alice@example.com');
    assert.ok(Date.now() - started < 1_000, 'the API answers while the hook endpoint hangs');
    const attempts = await eventually('delivered on the retry', async () => {
      const a = (await sim.control.hookDeliveries()).attempts;
      return a.some((x) => x.outcome === 'delivered') && a;
    }, 10_000);
    assert.equal(attempts[0]?.status, 0);
    assert.match(attempts[0]?.problem ?? '', /timed out/);
    assert.ok((attempts[0]?.durationMs ?? 0) >= 2_900 && (attempts[0]?.durationMs ?? 0) < 3_500, `timeout after ${attempts[0]?.durationMs} ms`);
  });

  it('bounds the delivery queue: events beyond it are counted, not delivered, and the API stays fast', async () => {
    const small = await startOktaSimulator({ seed: 'event-hooks-small', quiet: true, hookQueueLimit: 5 });
    try {
      const json = { Authorization: `SSWS ${small.apiToken}`, 'Content-Type': 'application/json' };
      const hook = (await (await fetch(`${small.url}/api/v1/eventHooks`, { method: 'POST', headers: json, body: hookBody(ep.url, ['user.session.start']) })).json()) as Hook;
      await fetch(`${small.url}/api/v1/eventHooks/${hook.id}/lifecycle/verify`, { method: 'POST', headers: json });
      const started = Date.now();
      await small.control.lockUser('alice@example.com', { via: 'session-start', attempts: 20 });
      assert.ok(Date.now() - started < 1_000);
      const done = await eventually('the queue drained', async () => {
        const d = await small.control.hookDeliveries();
        return d.queued === 0 && d.inFlight === 0 && d.attempts.length > 0 && d;
      });
      assert.equal(done.overflowed, 15);
      assert.equal(ep.posts().flatMap((p) => (p.body as { data: { events: unknown[] } }).data.events).length, 5);
    } finally {
      await small.close();
    }
  });

  it('faults drop, delay and duplicate deliveries', async () => {
    await verifiedHook();
    await sim.control.setDeliveryFaults([{ type: 'drop', times: 1 }]);
    await sim.control.lockUser('alice@example.com', { via: 'failed-signins' });
    await eventually('the dropped delivery is recorded', async () => (await sim.control.hookDeliveries()).attempts.some((a) => a.outcome === 'dropped'));
    assert.equal(ep.posts().length, 0);

    await sim.control.setDeliveryFaults([{ type: 'delay', delayMs: 600, times: 1 }]);
    const t0 = Date.now();
    await sim.control.lockUser('carol@example.com', { via: 'failed-signins' });
    const delayed = await eventually('the delayed delivery', async () => ep.posts()[0]);
    assert.ok(delayed.at - t0 >= 600, `arrived after ${delayed.at - t0} ms`);

    await sim.control.setDeliveryFaults([{ type: 'duplicate', times: 1 }]);
    await sim.control.lockUser('dave@example.com', { via: 'failed-signins' });
    await eventually('two copies', async () => ep.posts().length === 3);
    const [a, b] = ep.posts().slice(1).map((p) => p.body as { eventId: string; data: unknown });
    assert.equal(a?.eventId, b?.eventId);
    assert.deepEqual(a?.data, b?.data);
  });
});
