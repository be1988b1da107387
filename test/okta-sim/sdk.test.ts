/**
 * Fidelity check: the official Okta Node SDK, unmodified (cache middleware off), works against the simulator.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import okta from '@okta/okta-sdk-nodejs';
import { startOktaSimulator, type OktaSimulator } from '../../okta-sim/index.js';

let sim: OktaSimulator;
let client: InstanceType<typeof okta.Client>;

before(async () => {
  sim = await startOktaSimulator({ seed: 'sdk', users: 20, events: 60, quiet: true });
  client = new okta.Client({ orgUrl: sim.url, token: sim.apiToken, cacheMiddleware: null });
});
after(() => sim.close());

test('lists log events through the SDK collection paging (Link rel="next")', async () => {
  const since = new Date(Date.now() - 8 * 86_400_000).toISOString();
  const until = new Date(Date.now() + 1000).toISOString();
  const direct = (await (await fetch(`${sim.url}/api/v1/logs?since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}&limit=1000`, {
    headers: { Authorization: `SSWS ${sim.apiToken}` },
  })).json()) as { uuid: string }[];
  await sim.control.clearRequests();
  const seen: string[] = [];
  const collection = await client.systemLogApi.listLogEvents({ since, until, limit: 7 });
  for await (const e of collection) {
    if (e?.uuid) seen.push(e.uuid);
  }
  assert.deepEqual(seen, direct.map((e) => e.uuid));
  const calls = await sim.control.requests({ pathPrefix: '/api/v1/logs' });
  assert.equal(calls.length, Math.ceil(direct.length / 7), 'one request per page');
  assert.ok(calls.slice(1).every((c) => c.query.after), 'later pages follow the after cursor from the Link header');
});

test('gets and unlocks a user, generates a reset password token', async () => {
  const bob = await client.userApi.getUser({ userId: 'bob@example.com' });
  assert.equal(bob.status, 'LOCKED_OUT');
  assert.equal(bob.profile?.login, 'bob@example.com');
  await client.userApi.unlockUser({ userId: bob.id as string });
  assert.equal((await sim.control.getUser('bob@example.com')).status, 'ACTIVE');

  const token = await client.userApi.generateResetPasswordToken({ userId: 'alice@example.com', sendEmail: false });
  assert.match(token.resetPasswordUrl ?? '', new RegExp(`^${sim.url}/reset_password/`));
  await assert.rejects(client.userApi.unlockUser({ userId: 'carol@example.com' }), (e: { status?: number; errorCode?: string }) => {
    assert.equal(e.status, 403);
    assert.equal(e.errorCode, 'E0000032');
    return true;
  });
});

test('lists and unenrolls factors', async () => {
  const factors: { id?: string; factorType?: string }[] = [];
  for await (const f of await client.userFactorApi.listFactors({ userId: 'dave@example.com' })) if (f) factors.push(f);
  assert.deepEqual(factors.map((f) => f.factorType), ['webauthn', 'push']);
  await client.userFactorApi.unenrollFactor({ userId: 'dave@example.com', factorId: factors[0]?.id as string });
  const left = await sim.control.listFactors('dave@example.com');
  assert.deepEqual(left.map((f) => f.factorType), ['push']);
});

test('a 429 is retried by the SDK request executor after X-Rate-Limit-Reset, then succeeds', async () => {
  await sim.control.setRateLimits({ userGet: { limit: 1, windowMs: 1000 }, tokenShare: 1 });
  await sim.control.clearRequests();
  await client.userApi.getUser({ userId: 'alice@example.com' });
  const user = await client.userApi.getUser({ userId: 'carol@example.com' });
  assert.equal(user.profile?.login, 'carol@example.com');
  const calls = await sim.control.requests({ pathPrefix: '/api/v1/users/carol@example.com' });
  assert.deepEqual(calls.map((c) => [c.status, c.retryCount ?? 0]), [[429, 0], [200, 1]]);
  await sim.control.setRateLimits({ userGet: { limit: 600, windowMs: 60_000 }, tokenShare: 0.5 });
});
