/**
 * DPoP (RFC 9449) for the OAuth service-app path, against the simulator over HTTP: a plain Bearer app and
 * an app that requires DPoP, the nonce dance on the token endpoint, nonce refresh on API calls, and the
 * simulator refusing proofs that are wrong the way an attacker's would be.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { exportJWK, exportPKCS8, generateKeyPair, importPKCS8, SignJWT } from 'jose';
import { startOktaSimulator, type OktaSimulator } from '../../okta-sim/index.js';
import { createOktaClient } from '../../activities/okta/client.js';
import type { DpopMode } from '../../activities/okta/config.js';
import { DpopProver } from '../../activities/okta/dpop.js';
import { OktaConfigError } from '../../activities/okta/errors.js';

let sim: OktaSimulator;
const SCOPES = ['okta.logs.read', 'okta.users.read', 'okta.users.manage'] as const;

before(async () => {
  sim = await startOktaSimulator({ seed: 'demo', quiet: true });
});
after(async () => {
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
});

async function registerApp(clientId: string, opts: { requireDpop?: boolean; dpopResourceNonce?: boolean } = {}) {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  await sim.control.registerOAuthClient({ clientId, publicJwk: { ...jwk, kty: jwk.kty ?? '', alg: 'RS256' }, scopes: [...SCOPES], ...opts });
  return { clientId, privateKeyPem: await exportPKCS8(privateKey) };
}

function oauthClient(app: { clientId: string; privateKeyPem: string }, dpop: DpopMode) {
  return createOktaClient({
    orgUrl: sim.url,
    auth: { kind: 'oauth', clientId: app.clientId, privateKeyPem: app.privateKeyPem, scopes: [], dpop },
    requestTimeoutMs: 5_000,
  });
}

/** A few calls a worker makes, a login with `@` in the path among them (its `htu` must be the decoded path). */
async function useApi(client: ReturnType<typeof oauthClient>): Promise<void> {
  const alice = await client.getUser('alice@example.com');
  await client.getUser(alice.id);
  await client.listLogEvents({ since: new Date(Date.now() - 60_000).toISOString(), limit: 1 });
  await client.listFactors(alice.id);
}

describe('both kinds of service app', () => {
  test('a plain app gets Bearer tokens (auto mode sends no proofs)', async () => {
    const app = await registerApp('0oaPlain');
    await useApi(oauthClient(app, 'auto'));
    const tokens = await sim.control.requests({ pathPrefix: '/oauth2/v1/token' });
    assert.deepEqual(tokens.map((r) => r.status), [200]);
    const api = await sim.control.requests({ pathPrefix: '/api/v1/' });
    assert.equal(api.length, 4);
    assert.ok(api.every((r) => r.auth === 'Bearer' && r.status === 200), JSON.stringify(api));
  });

  test('an app that requires DPoP: auto mode detects it, answers the nonce, then signs every call', async () => {
    const app = await registerApp('0oaDpop', { requireDpop: true });
    await useApi(oauthClient(app, 'auto'));
    const tokens = await sim.control.requests({ pathPrefix: '/oauth2/v1/token' });
    // plain request refused (invalid_dpop_proof) → proof without nonce refused (use_dpop_nonce) → token
    assert.deepEqual(tokens.map((r) => r.status), [400, 400, 200]);
    const api = await sim.control.requests({ pathPrefix: '/api/v1/' });
    assert.equal(api.length, 4);
    assert.ok(api.every((r) => r.auth === 'DPoP' && r.status === 200), JSON.stringify(api));
  });

  test('OKTA_DPOP=on goes straight to proofs; OKTA_DPOP=off says what to change', async () => {
    const app = await registerApp('0oaDpopOn', { requireDpop: true });
    await useApi(oauthClient(app, 'on'));
    assert.deepEqual((await sim.control.requests({ pathPrefix: '/oauth2/v1/token' })).map((r) => r.status), [400, 200]);

    const off = oauthClient(app, 'off');
    await assert.rejects(off.getUser('alice@example.com'), (err: unknown) => err instanceof OktaConfigError && /OKTA_DPOP=auto or on/.test(err.message));
  });

  test('a nonce the API asks for is picked up and refreshed when the server rotates it', async () => {
    const app = await registerApp('0oaNonce', { requireDpop: true, dpopResourceNonce: true });
    const client = oauthClient(app, 'on');
    const alice = await client.getUser('alice@example.com');
    await client.getUser(alice.id);
    await sim.control.rotateDpopNonce();
    await client.getUser(alice.id);
    const api = await sim.control.requests({ pathPrefix: '/api/v1/' });
    assert.deepEqual(api.map((r) => r.status), [401, 200, 200, 401, 200]);
  });
});

/** Gets a DPoP-bound token by hand, the way the protocol says, for the attack tests below. */
async function dpopToken(app: { clientId: string; privateKeyPem: string }, prover: DpopProver): Promise<string> {
  const tokenUrl = new URL('/oauth2/v1/token', sim.url);
  const key = await importPKCS8(app.privateKeyPem, 'RS256');
  let nonce: string | undefined;
  for (let i = 0; i < 2; i++) {
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(app.clientId)
      .setSubject(app.clientId)
      .setAudience(tokenUrl.href)
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(randomUUID())
      .sign(key);
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { DPoP: await prover.proof({ method: 'POST', url: tokenUrl, ...(nonce ? { nonce } : {}) }) },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'okta.users.read',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
    });
    const body = (await res.json()) as { error?: string; token_type?: string; access_token?: string };
    if (res.status === 400 && body.error === 'use_dpop_nonce') {
      nonce = res.headers.get('dpop-nonce') ?? undefined;
      continue;
    }
    assert.equal(body.token_type, 'DPoP');
    return body.access_token!;
  }
  assert.fail('no token');
}

describe('the simulator refuses bad proofs, as Okta does', () => {
  test('wrong ath, wrong htu, replayed jti, another key, Bearer scheme, no proof', async () => {
    const app = await registerApp('0oaAttack', { requireDpop: true });
    const prover = new DpopProver();
    const token = await dpopToken(app, prover);
    const url = new URL('/api/v1/users/alice@example.com', sim.url);
    const call = (headers: Record<string, string>) => fetch(url, { headers: { Accept: 'application/json', ...headers } });
    const refusal = async (res: Response) => ({ status: res.status, challenge: res.headers.get('www-authenticate') ?? '' });

    const good = await prover.proof({ method: 'GET', url, accessToken: token });
    assert.equal((await call({ Authorization: `DPoP ${token}`, DPoP: good })).status, 200);

    const replay = await refusal(await call({ Authorization: `DPoP ${token}`, DPoP: good }));
    assert.equal(replay.status, 400);
    assert.match(replay.challenge, /error="invalid_dpop_proof".*already been used/);

    const wrongAth = await refusal(await call({ Authorization: `DPoP ${token}`, DPoP: await prover.proof({ method: 'GET', url, accessToken: `${token}x` }) }));
    assert.equal(wrongAth.status, 400);
    assert.match(wrongAth.challenge, /'ath' claim/);

    const otherUrl = new URL('/api/v1/users/bob@example.com', sim.url);
    const wrongHtu = await refusal(await call({ Authorization: `DPoP ${token}`, DPoP: await prover.proof({ method: 'GET', url: otherUrl, accessToken: token }) }));
    assert.equal(wrongHtu.status, 400);
    assert.match(wrongHtu.challenge, /'htu' claim/);

    const wrongHtm = await refusal(await call({ Authorization: `DPoP ${token}`, DPoP: await prover.proof({ method: 'POST', url, accessToken: token }) }));
    assert.match(wrongHtm.challenge, /'htm' claim/);

    // A thief with the token but not the key signs with a key of their own.
    const thief = await refusal(await call({ Authorization: `DPoP ${token}`, DPoP: await new DpopProver().proof({ method: 'GET', url, accessToken: token }) }));
    assert.equal(thief.status, 400);
    assert.match(thief.challenge, /does not match the access token/);

    assert.equal((await call({ Authorization: `Bearer ${token}` })).status, 401, 'a DPoP-bound token is not a Bearer token');
    const noProof = await refusal(await call({ Authorization: `DPoP ${token}` }));
    assert.equal(noProof.status, 400);
    assert.match(noProof.challenge, /header is missing/);
  });
});
