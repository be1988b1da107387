import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startOktaSimulator, type OktaSimulator } from '../../okta-sim/index.js';
import { okta } from './helpers.js';

type OktaErr = { errorCode: string };
let sim: OktaSimulator;
before(async () => {
  sim = await startOktaSimulator({ seed: 'demo', quiet: true });
});
after(() => sim.close());
beforeEach(() => sim.control.reset());

async function serviceApp(scopes: ('okta.logs.read' | 'okta.users.read' | 'okta.users.manage')[]) {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const clientId = `0oa${randomUUID().replace(/-/g, '').slice(0, 17)}`;
  await sim.control.registerOAuthClient({ clientId, publicJwk: { ...(await exportJWK(publicKey)), alg: 'RS256' }, scopes });
  const assertion = (claims: { aud?: string; jti?: string } = {}) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(claims.aud ?? `${sim.url}/oauth2/v1/token`)
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(claims.jti ?? randomUUID())
      .sign(privateKey);
  const token = async (scope: string, jwt?: string) => {
    const res = await fetch(`${sim.url}/oauth2/v1/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: jwt ?? (await assertion()),
      }).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { clientId, assertion, token };
}

test('missing or bad credentials: 401 E0000011', async () => {
  for (const auth of [null, 'SSWS wrong', 'Bearer nope', 'Basic abc']) {
    const r = await okta<OktaErr>(sim, '/api/v1/users/alice@example.com', { auth });
    assert.equal(r.status, 401, String(auth));
    assert.equal(r.body.errorCode, 'E0000011');
    assert.ok(r.headers.get('x-rate-limit-limit'), 'rate-limit headers on every response');
  }
});

test('OAuth service app: private_key_jwt → 1 h bearer token; scopes enforced per endpoint', async () => {
  const app = await serviceApp(['okta.logs.read', 'okta.users.read']);
  const t = await app.token('okta.logs.read okta.users.read');
  assert.equal(t.status, 200);
  assert.equal(t.body.token_type, 'Bearer');
  assert.equal(t.body.expires_in, 3600);
  const bearer = `Bearer ${String(t.body.access_token)}`;
  assert.equal((await okta(sim, '/api/v1/logs', { auth: bearer })).status, 200);
  assert.equal((await okta(sim, '/api/v1/users/alice@example.com', { auth: bearer })).status, 200);
  const denied = await okta<OktaErr>(sim, '/api/v1/users/bob@example.com/lifecycle/unlock', { method: 'POST', auth: bearer });
  assert.equal(denied.status, 403);
  assert.equal(denied.body.errorCode, 'E0000006');

  const onlyLogs = await app.token('okta.logs.read');
  const logsBearer = `Bearer ${String(onlyLogs.body.access_token)}`;
  assert.equal((await okta<OktaErr>(sim, '/api/v1/users/alice@example.com', { auth: logsBearer })).status, 403);

  const [req] = await sim.control.requests({ pathPrefix: '/api/v1/logs' });
  assert.equal(req?.auth, 'Bearer');
  assert.equal(req?.clientId, app.clientId);
});

test('OAuth: manage scope acts, and the admin event names the service app', async () => {
  const app = await serviceApp(['okta.users.manage']);
  const t = await app.token('okta.users.manage');
  const r = await okta(sim, '/api/v1/users/bob@example.com/lifecycle/unlock', { method: 'POST', auth: `Bearer ${String(t.body.access_token)}` });
  assert.equal(r.status, 200);
  const [e] = (await sim.control.events('user.account.unlock_by_admin')).events;
  assert.equal(e?.actor.id, app.clientId);
});

test('OAuth: rejected assertions and scopes', async () => {
  const app = await serviceApp(['okta.logs.read']);
  assert.equal((await app.token('okta.users.manage')).body.error, 'invalid_scope');
  const wrongAud = await app.token('okta.logs.read', await app.assertion({ aud: 'https://other.example.com/oauth2/v1/token' }));
  assert.equal(wrongAud.status, 401);
  assert.equal(wrongAud.body.error, 'invalid_client');
  const jwt = await app.assertion({ jti: 'once' });
  assert.equal((await app.token('okta.logs.read', jwt)).status, 200);
  assert.equal((await app.token('okta.logs.read', jwt)).status, 401, 'jti replay');
  const other = await serviceApp(['okta.logs.read']);
  // Signed by another app's key but claiming the first app's identity.
  const forged = await other.assertion();
  const parts = forged.split('.');
  const payload = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
  const tampered = [parts[0], Buffer.from(JSON.stringify({ ...payload, iss: app.clientId, sub: app.clientId })).toString('base64url'), parts[2]].join('.');
  assert.equal((await app.token('okta.logs.read', tampered)).status, 401);
});

test('rate limits: headers on every response, 429 E0000047 past the limit, per-token share', async () => {
  await sim.control.setRateLimits({ logs: { limit: 4, windowMs: 60_000 } });
  const statuses: number[] = [];
  let last: Headers | undefined;
  for (let i = 0; i < 3; i++) {
    const r = await okta<OktaErr>(sim, '/api/v1/logs?limit=1');
    statuses.push(r.status);
    last = r.headers;
    if (r.status === 429) assert.equal(r.body.errorCode, 'E0000047');
  }
  // One token may use half of the org's 4 → the third call is limited.
  assert.deepEqual(statuses, [200, 200, 429]);
  assert.equal(last?.get('x-rate-limit-limit'), '2');
  assert.equal(last?.get('x-rate-limit-remaining'), '0');
  const reset = Number(last?.get('x-rate-limit-reset'));
  assert.ok(reset >= Math.floor(Date.now() / 1000) && reset <= Math.ceil(Date.now() / 1000) + 61);
  // Another family still has room.
  assert.equal((await okta(sim, '/api/v1/users/alice@example.com')).status, 200);
});

test('concurrency limit: requests in flight beyond it get 429', async () => {
  await sim.control.setRateLimits({ concurrency: 2 });
  await sim.control.setFaults([{ endpoint: '/api/v1/users', type: 'latency', latencyMs: 300 }]);
  const results = await Promise.all([1, 2, 3, 4].map(() => okta(sim, '/api/v1/users/alice@example.com')));
  const codes = results.map((r) => r.status).sort();
  assert.deepEqual(codes, [200, 200, 429, 429]);
});

test('faults: 500, 429, dropped connections, by endpoint; the request log records them', async () => {
  await sim.control.setFaults([
    { endpoint: '/api/v1/logs', type: '500', times: 1 },
    { endpoint: '/api/v1/users', method: 'GET', type: 'drop', times: 1 },
    { endpoint: '/api/v1/users', method: 'POST', type: '429', probability: 1, times: 1 },
  ]);
  const e500 = await okta<OktaErr>(sim, '/api/v1/logs');
  assert.equal(e500.status, 500);
  assert.equal(e500.body.errorCode, 'E0000009');
  assert.equal((await okta(sim, '/api/v1/logs')).status, 200, 'times: 1');
  await assert.rejects(okta(sim, '/api/v1/users/alice@example.com'));
  assert.equal((await okta(sim, '/api/v1/users/alice@example.com')).status, 200);
  const e429 = await okta<OktaErr>(sim, '/api/v1/users/bob@example.com/lifecycle/unlock', { method: 'POST' });
  assert.equal(e429.status, 429);
  assert.equal(e429.body.errorCode, 'E0000047');
  assert.equal((await sim.control.getUser('bob@example.com')).status, 'LOCKED_OUT', 'a faulted call changes nothing');

  const log = await sim.control.requests({ pathPrefix: '/api/v1/' });
  assert.deepEqual(log.map((r) => [r.method, r.status, r.fault ?? null]), [
    ['GET', 500, '500'], ['GET', 200, null], ['GET', 0, 'drop'], ['GET', 200, null], ['POST', 429, '429'],
  ]);
  assert.equal((await sim.control.requests({ method: 'POST' })).length, 1);

  const bad = await fetch(`${sim.url}/__sim/faults`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([{ endpoint: 'logs', type: '503', probability: 2 }]) });
  assert.equal(bad.status, 400);
});

test('faults with a probability are deterministic for a seed', async () => {
  const run = async () => {
    await sim.control.reset();
    await sim.control.setFaults([{ endpoint: '/api/v1/users', type: '500', probability: 0.5 }]);
    const out: number[] = [];
    for (let i = 0; i < 12; i++) out.push((await okta(sim, '/api/v1/users/alice@example.com')).status);
    return out;
  };
  const a = await run();
  assert.deepEqual(await run(), a);
  assert.ok(a.includes(500) && a.includes(200));
});
