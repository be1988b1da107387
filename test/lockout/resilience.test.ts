import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testTemporal } from '../helpers/temporal.js';
import { generateKeyPair, exportPKCS8 } from 'jose';
import { createProjectActivities } from '../../workers/activities.js';
import { loadConfig } from '../../temporal.config.js';
import { eventually } from '../helpers/eventually.js';
import { lockoutFixture, lockoutResult, type LockoutFixture } from './fixture.js';

after(async () => {
  await (await testTemporal()).close();
});


describe('lockout pipeline under Okta faults', () => {
  let f: LockoutFixture;
  before(async () => {
    f = await lockoutFixture({ LOCKOUT_POLL_INTERVAL: '300ms' });
    await f.startPoller();
  });
  after(async () => {
    await f?.close();
  });

  it('waits out a 429 from the System Log until X-Rate-Limit-Reset instead of hammering it', async () => {
    await eventually('first poll done', async () => (await f.pollerState()).polls >= 1);
    // 2 log reads per 4 s window; at a 300 ms interval an impatient poller would send ~13.
    await f.sim.control.setRateLimits({ logs: { limit: 2, windowMs: 4_000 }, tokenShare: 1 });
    await f.sim.control.clearRequests();
    const user = await f.sim.control.createUser({ login: 'rate.limited@example.com' });
    await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    const logs = await eventually(
      'two 429s, each followed by another read',
      async () => {
        const all = await f.sim.control.requests({ pathPrefix: '/api/v1/logs' });
        const last429 = all.map((r) => r.status).lastIndexOf(429);
        return all.filter((r) => r.status === 429).length >= 2 && last429 < all.length - 1 ? all : undefined;
      },
      30_000,
      200,
    );
    await f.sim.control.setRateLimits({ logs: { limit: 120, windowMs: 60_000 }, tokenShare: 0.5 });
    logs.forEach((r, i) => {
      if (r.status !== 429 || i === logs.length - 1) return;
      assert.ok(r.rateLimitReset, 'the 429 carried X-Rate-Limit-Reset');
      const next = Date.parse(logs[i + 1]!.at);
      assert.ok(next >= r.rateLimitReset! * 1000, `read again ${r.rateLimitReset! * 1000 - next} ms before the limit reset`);
    });
    assert.equal((await lockoutResult(f, user.id)).outcome, 'unlocked');
  });

  it('retries 500s from Okta until the unlock goes through', async () => {
    await f.sim.control.setFaults([{ endpoint: '/api/v1/users', method: 'POST', type: '500', times: 2 }]);
    const user = await f.sim.control.createUser({ login: 'flaky.okta@example.com' });
    await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    const state = await lockoutResult(f, user.id);
    await f.sim.control.clearFaults();
    assert.equal(state.outcome, 'unlocked');
    const unlocks = await f.sim.control.requests({ pathPrefix: `/api/v1/users/${user.id}/lifecycle/unlock` });
    assert.deepEqual(unlocks.map((r) => r.status), [500, 500, 200]);
  });

  it('loses nothing and duplicates nothing when the worker is stopped and restarted mid-run (SIGKILL: crash.test.ts)', async () => {
    // Unlocks take a while, so the restart lands while an activity is in flight.
    await f.sim.control.setFaults([{ endpoint: '/api/v1/users', method: 'POST', type: 'latency', latencyMs: 800 }]);
    const users = await Promise.all(['crash.a', 'crash.b'].map((n) => f.sim.control.createUser({ login: `${n}@example.com` })));
    for (const u of users) await f.sim.control.lockUser(u.id, { via: 'failed-signins' });
    await eventually('a lockout child at work (it has read its user)', async () => {
      const reads = await f.sim.control.requests({ pathPrefix: '/api/v1/users/', method: 'GET' });
      return reads.some((r) => users.some((u) => r.path === `/api/v1/users/${u.id}`));
    });
    await f.restartWorkers();
    // Locked while no worker ran the first part of the restart: also picked up.
    const late = await f.sim.control.createUser({ login: 'crash.c@example.com' });
    await f.sim.control.lockUser(late.id, { via: 'failed-signins' });
    for (const u of [...users, late]) assert.equal((await lockoutResult(f, u.id)).outcome, 'unlocked');
    await f.sim.control.clearFaults();
    for (const u of [...users, late]) {
      const calls = await f.sim.control.requests({ pathPrefix: `/api/v1/users/${u.id}/lifecycle/unlock`, method: 'POST' });
      assert.equal(calls.filter((c) => c.status === 200).length, 1, `exactly one unlock for ${u.id}`);
    }
  });
});

describe('lockout poller continue-as-new', () => {
  let f: LockoutFixture;
  before(async () => {
    f = await lockoutFixture({ LOCKOUT_POLL_INTERVAL: '200ms' });
  });
  after(async () => {
    await f?.close();
  });

  it('carries the cursor and the dedupe state into the new run', async () => {
    const handle = await f.startPoller({ maxHistoryEvents: 40 });
    const firstRunId = (await handle.describe()).runId;
    const first = await f.sim.control.createUser({ login: 'before.can@example.com' });
    await f.sim.control.lockUser(first.id, { via: 'failed-signins' });
    assert.equal((await lockoutResult(f, first.id)).outcome, 'unlocked');
    const runs = await eventually('two continue-as-new', async () => {
      const s = await f.pollerState();
      return s.runsSoFar >= 2 ? s : undefined;
    });
    assert.notEqual((await handle.describe()).runId, firstRunId);
    const second = await f.sim.control.createUser({ login: 'after.can@example.com' });
    await f.sim.control.lockUser(second.id, { via: 'failed-signins' });
    assert.equal((await lockoutResult(f, second.id)).outcome, 'unlocked');
    const final = await f.pollerState();
    // Each lock wrote exactly one user.account.lock (failed sign-ins are not lockout events): two seen, two started.
    assert.equal(final.eventsSeen, 2);
    assert.equal(final.lockoutsStarted, 2);
    assert.ok(final.runsSoFar >= runs.runsSoFar);
    const logReads = await f.sim.control.requests({ pathPrefix: '/api/v1/logs' });
    assert.equal(logReads.filter((r) => r.query.since !== undefined).length, 1, 'only the very first poll uses since; every later one follows next');
  });
});

describe('Okta credentials', () => {
  it('a bad OAuth private key is a clear start-up error that does not echo the key', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportPKCS8(privateKey);
    const broken = pem.replace(/[A-Za-z]{8}/, 'AAAAAAAA');
    const config = loadConfig(
      { OKTA_ORG_URL: 'https://acme.okta.com', OKTA_CLIENT_ID: '0oa-test', OKTA_PRIVATE_KEY: broken },
      { dotEnvPath: false },
    );
    const temporal = await testTemporal();
    assert.throws(
      () => createProjectActivities(config, { client: temporal.client }),
      (err: Error) => {
        assert.match(err.message, /OKTA_PRIVATE_KEY is not a valid/);
        assert.ok(!err.message.includes(broken.slice(40, 80)));
        return true;
      },
    );
  });
});
