/** The Okta client and activities against the Okta simulator over real HTTP. */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { startOktaSimulator, type OktaSimulator } from '../../okta-sim/index.js';
import { createOktaClient, type OktaClient } from '../../activities/okta/client.js';
import { OktaConfigError, OktaFailureType } from '../../activities/okta/errors.js';
import { createOktaActivities, type OktaActivities } from '../../activities/okta-activities.js';
import { ProtectedMembersCache } from '../../activities/okta/protected-members.js';

let sim: OktaSimulator;
let okta: OktaClient;
let acts: OktaActivities;
type LogLine = { level: string; message: string; meta?: Record<string, unknown> };
const logLines: LogLine[] = [];
const record = (level: string) => (message: string, meta?: Record<string, unknown>) => void logLines.push({ level, message, meta });
// Records activity log lines (instead of printing them) so tests can check they hold no secrets.
const logger = {
  log: (level: string, message: string, meta?: Record<string, unknown>) => void logLines.push({ level, message, meta }),
  trace: record('TRACE'),
  debug: record('DEBUG'),
  info: record('INFO'),
  warn: record('WARN'),
  error: record('ERROR'),
};
const env = new MockActivityEnvironment(undefined, { logger });
/** `env.run` with the activity's return type kept. */
const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> => env.run(fn, ...args) as Promise<R>;

before(async () => {
  sim = await startOktaSimulator({ seed: 'demo', quiet: true });
});
after(async () => {
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
  okta = createOktaClient({ orgUrl: sim.url, auth: { kind: 'ssws', token: sim.apiToken }, requestTimeoutMs: 5_000 });
  acts = createOktaActivities(okta);
});

/** Runs an activity and returns the ApplicationFailure it throws. */
async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected ApplicationFailure, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the activity to fail');
}

async function oauthKeyPair(alg: 'RS256' | 'ES256' = 'RS256') {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { publicJwk: { ...jwk, kty: jwk.kty ?? '', alg }, privateKeyPem: await exportPKCS8(privateKey) };
}

describe('users', () => {
  test('get by id and login, find by login and email, missing user is null', async () => {
    const byLogin = await run(acts.oktaGetUser, 'alice@example.com');
    assert.ok(byLogin);
    assert.deepEqual(byLogin, { id: byLogin.id, status: 'ACTIVE', login: 'alice@example.com', email: 'alice@example.com', firstName: 'Alice', lastName: 'Anderson' });
    assert.deepEqual(await run(acts.oktaGetUser, byLogin.id), byLogin);

    const zed = await sim.control.createUser({ login: 'zed.login', email: 'zed.oneil@corp.example', firstName: 'Zed' });
    assert.equal((await run(acts.oktaFindUser, 'zed.login'))?.id, zed.id);
    assert.equal((await run(acts.oktaFindUser, 'zed.oneil@corp.example'))?.id, zed.id);
    assert.equal(await run(acts.oktaFindUser, 'a"quote\\@example.com'), null);
    assert.equal(await run(acts.oktaFindUser, 'nobody@example.com'), null);
    assert.equal(await run(acts.oktaGetUser, '00uDoesNotExist0000'), null);
  });

  test('groups', async () => {
    const groups = await run(acts.oktaListUserGroups, 'dave@example.com');
    const names = groups.map((g) => g.name).sort();
    assert.deepEqual(names, ['Engineering', 'Everyone', 'Okta Admins']);
    assert.ok(groups.every((g) => typeof g.id === 'string' && Object.keys(g).length === 2));
  });

  test('unlock a locked user, then unlocking again is not-locked', async () => {
    await sim.control.lockUser('carol@example.com', { via: 'failed-signins' });
    assert.equal((await okta.getUser('carol@example.com')).status, 'LOCKED_OUT');
    assert.deepEqual(await run(acts.oktaUnlockUser, 'carol@example.com'), { outcome: 'unlocked' });
    assert.equal((await okta.getUser('carol@example.com')).status, 'ACTIVE');
    assert.deepEqual(await run(acts.oktaUnlockUser, 'carol@example.com'), { outcome: 'not-locked' });
  });

  test('reset password returns a URL (no email) and moves the user to RECOVERY', async () => {
    const user = (await okta.getUser('alice@example.com')).id;
    logLines.length = 0;
    const { resetPasswordUrl } = await run(acts.oktaResetPassword, user, { revokeSessions: true });
    assert.match(resetPasswordUrl, /\/reset_password\//);
    const oktaLines = logLines.filter((l) => l.message.startsWith('Okta request'));
    assert.equal(oktaLines.length, 1);
    assert.deepEqual(
      { ...oktaLines[0]!.meta, durationMs: 0 },
      { ...oktaLines[0]!.meta, method: 'POST', path: `/api/v1/users/${user}/lifecycle/reset_password`, status: 200, durationMs: 0 },
    );
    const token = resetPasswordUrl.split('/').pop()!;
    assert.ok(!JSON.stringify(logLines).includes(token), 'reset token must not be logged');
    assert.equal((await okta.getUser(user)).status, 'RECOVERY');
    assert.deepEqual(await sim.control.outbox(), []);
    const [req] = await sim.control.requests({ pathPrefix: `/api/v1/users/${user}/lifecycle/reset_password` });
    assert.equal(req?.query.sendEmail, 'false');
    assert.equal(req?.query.revokeSessions, 'true');
  });

  test('factors: list with display names, delete one (twice), reset all', async () => {
    const factors = await run(acts.oktaListFactors, 'alice@example.com');
    assert.deepEqual(factors.map((f) => f.displayName).sort(), ['Okta Verify (code)', 'Okta Verify (push)']);
    assert.ok(factors.every((f) => f.id && f.factorType && f.provider && f.status));
    const sms = await run(acts.oktaListFactors, 'bob@example.com');
    assert.match(sms[0]?.displayName ?? '', /^SMS to (\+1 XXX-XXX-\d{4}|phone ending in \d{4})$/);

    const [first] = factors;
    assert.ok(first);
    assert.deepEqual(await run(acts.oktaDeleteFactor, 'alice@example.com', first.id), { outcome: 'deleted' });
    assert.deepEqual(await run(acts.oktaDeleteFactor, 'alice@example.com', first.id), { outcome: 'already-gone' });

    await run(acts.oktaResetFactors, 'carol@example.com');
    assert.deepEqual(await run(acts.oktaListFactors, 'carol@example.com'), []);
  });
});

describe('protected groups', () => {
  test('a group by its exact name, members across Link pages, the cap, and the combined lockout check', async () => {
    const big = await startOktaSimulator({ seed: 'groups', users: 2_300, quiet: true });
    try {
      const client = createOktaClient({ orgUrl: big.url, auth: { kind: 'ssws', token: big.apiToken }, requestTimeoutMs: 5_000 });
      const admins = await client.findGroupsByName('Okta Admins');
      assert.equal(admins.complete, true);
      assert.deepEqual(admins.groups.map((g) => g.profile.name), ['Okta Admins']);
      // `q` matches prefixes, case-insensitively; the name check is exact, as the user-groups check is.
      assert.deepEqual((await client.findGroupsByName('Okta')).groups, []);
      assert.deepEqual((await client.findGroupsByName('okta admins')).groups, []);

      const everyone = (await client.findGroupsByName('Everyone')).groups[0]!;
      const all = await client.listGroupMemberIds(everyone.id, 20_000);
      assert.equal(all.complete, true);
      assert.equal(new Set(all.ids).size, all.ids.length);
      assert.ok(all.ids.length > 2_300, `${all.ids.length} members over 3 pages of 1000`);
      assert.equal((await big.control.requests({ pathPrefix: `/api/v1/groups/${everyone.id}/users` })).length, 3);
      assert.equal((await client.listGroupMemberIds(everyone.id, 1_500)).complete, false);
      await assert.rejects(client.listGroupMemberIds('00gNoSuchGroup000000', 10), (err: unknown) => err instanceof Error && /404/.test(err.message));

      const cache = new ProtectedMembersCache(client, { ttlMs: 60_000 });
      const checks = createOktaActivities(client, { protectedMembers: cache });
      const dave = await big.control.getUser('dave@example.com');
      await big.control.lockUser(dave.id, { via: 'failed-signins' });
      await big.control.lockUser('carol@example.com', { via: 'failed-signins' });
      const adminCheck = await run(checks.oktaCheckLockout, { userId: dave.id, protectedGroups: ['Okta Admins'] });
      assert.equal(adminCheck.user?.status, 'LOCKED_OUT');
      assert.equal(adminCheck.protectedMember, true);
      const carol = await big.control.getUser('carol@example.com');
      assert.equal((await run(checks.oktaCheckLockout, { userId: carol.id, protectedGroups: ['Okta Admins'] })).protectedMember, false);
      const alice = await run(checks.oktaCheckLockout, { userId: (await big.control.getUser('alice@example.com')).id, protectedGroups: ['Okta Admins'] });
      assert.equal(alice.protectedMember, undefined, 'not locked: nothing to decide');
      assert.deepEqual(await run(checks.oktaCheckLockout, { userId: '00uDoesNotExist0000', protectedGroups: ['Okta Admins'] }), { user: null });
      assert.equal(cache.refreshes, 1);
      assert.equal((await run(checks.oktaCheckLockout, { userId: dave.id, protectedGroups: ['Everyone'] })).protectedMember, true);
      const oversize = new ProtectedMembersCache(client, { ttlMs: 60_000, maxMembers: 1_000 });
      const capped = createOktaActivities(client, { protectedMembers: oversize });
      assert.equal((await run(capped.oktaCheckLockout, { userId: carol.id, protectedGroups: ['Everyone'] })).protectedMember, undefined, 'too big to cache: the child reads the user\'s groups');
      await assert.rejects(run(checks.oktaCheckLockout, { userId: dave.id, protectedGroups: Array.from({ length: 21 }, (_, i) => `g${i}`) }), /invalid lockout check/);
    } finally {
      await big.close();
    }
  });
});

describe('system log polling', () => {
  test('pages through next links, including the empty page, and sees later events', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const filter = 'eventType eq "user.account.lock"';
    for (const login of ['alice@example.com', 'carol@example.com', 'dave@example.com']) {
      await sim.control.lockUser(login, { via: 'failed-signins' });
    }
    const seen: string[] = [];
    let page = await run(acts.oktaReadLogPage, { since, filter, limit: 2 });
    seen.push(...page.events.map((e) => e.actor?.alternateId ?? ''));
    assert.equal(page.events.length, 2);
    let guard = 0;
    while (page.events.length > 0 && guard++ < 5) {
      page = await run(acts.oktaReadLogPage, { nextUrl: page.nextUrl, filter, limit: 2 });
      seen.push(...page.events.map((e) => e.actor?.alternateId ?? ''));
    }
    assert.deepEqual(seen, ['alice@example.com', 'carol@example.com', 'dave@example.com']);
    // Only the product's subset of each event reaches workflow history.
    const [first] = (await run(acts.oktaReadLogPage, { since, filter, limit: 1 })).events;
    assert.ok(first && first.actor?.id && first.uuid && first.published && first.debugContext);
    assert.equal(first.request, undefined);
    assert.equal(first.securityContext, undefined);
    // The empty page still carried a next link; following it later returns what arrived since.
    assert.ok(page.nextUrl.startsWith(`${sim.url}/api/v1/logs?`));
    await sim.control.lockUser('frank@example.com', { via: 'failed-signins' });
    const later = await run(acts.oktaReadLogPage, { nextUrl: page.nextUrl, filter, limit: 2 });
    assert.deepEqual(
      later.events.map((e) => [e.eventType, e.actor?.type, e.actor?.alternateId, e.outcome?.reason]),
      [['user.account.lock', 'User', 'frank@example.com', 'LOCKED_OUT']],
    );

    // Only the first request built a query; every other one replayed Okta's link (after, no since).
    const reqs = (await sim.control.requests({ pathPrefix: '/api/v1/logs' })).filter((r) => r.query.limit !== '1');
    assert.equal(reqs[0]?.query.since, since);
    assert.equal(reqs[0]?.query.sortOrder, 'ASCENDING');
    assert.equal(reqs[0]?.query.until, undefined);
    for (const r of reqs.slice(1)) {
      assert.ok(r.query.after, 'follow-up requests use the after cursor');
      assert.equal(r.query.since, undefined);
    }
  });

  test('a bad filter is a non-retryable OktaBadRequest with Okta error code', async () => {
    const f = await failureOf(run(acts.oktaReadLogPage, { since: new Date().toISOString(), filter: 'published gt "x"', limit: 1 }));
    assert.equal(f.type, OktaFailureType.BadRequest);
    assert.equal(f.nonRetryable, true);
    assert.equal((f.details?.[0] as { errorCode: string }).errorCode, 'E0000053');
  });

  test('a nextUrl for another origin is refused before any request', async () => {
    const f = await failureOf(run(acts.oktaReadLogPage, { nextUrl: 'https://evil.example.com/api/v1/logs?after=x', filter: '', limit: 1 }));
    assert.equal(f.type, OktaFailureType.ConfigInvalid);
    assert.deepEqual(await sim.control.requests({ pathPrefix: '/api/v1/logs' }), []);
  });
});

describe('oauth private_key_jwt', () => {
  test('token fetched once and reused across calls', async () => {
    const keys = await oauthKeyPair('RS256');
    await sim.control.registerOAuthClient({ clientId: '0oaAccessBot', publicJwk: keys.publicJwk, scopes: ['okta.logs.read', 'okta.users.read', 'okta.users.manage'] });
    const client = createOktaClient({
      orgUrl: sim.url,
      auth: { kind: 'oauth', clientId: '0oaAccessBot', privateKeyPem: keys.privateKeyPem, scopes: [] },
      requestTimeoutMs: 5_000,
    });
    const oauthActs = createOktaActivities(client);
    await Promise.all([run(oauthActs.oktaGetUser, 'alice@example.com'), run(oauthActs.oktaListFactors, 'bob@example.com')]);
    await run(oauthActs.oktaListUserGroups, 'alice@example.com');
    await run(oauthActs.oktaReadLogPage, { since: new Date().toISOString(), filter: 'eventType eq "user.account.lock"', limit: 1 });
    assert.equal((await sim.control.requests({ pathPrefix: '/oauth2/v1/token' })).length, 1);
    const apiCalls = await sim.control.requests({ pathPrefix: '/api/v1/' });
    assert.equal(apiCalls.length, 4);
    assert.ok(apiCalls.every((r) => r.auth === 'Bearer' && r.clientId === '0oaAccessBot' && r.status === 200));
  });

  test('a token the org no longer accepts is replaced once, transparently', async () => {
    const keys = await oauthKeyPair('RS256');
    const register = () => sim.control.registerOAuthClient({ clientId: '0oaRevoked', publicJwk: keys.publicJwk, scopes: ['okta.users.read'] });
    await register();
    const client = createOktaClient({
      orgUrl: sim.url,
      auth: { kind: 'oauth', clientId: '0oaRevoked', privateKeyPem: keys.privateKeyPem, scopes: ['okta.users.read'] },
      requestTimeoutMs: 5_000,
    });
    const { id } = await client.getUser('alice@example.com');
    await sim.control.reset(); // forgets issued tokens and OAuth clients (same seed: same ids)
    await register();
    assert.equal((await client.getUser(id)).profile.login, 'alice@example.com');
    const calls = await sim.control.requests({});
    assert.deepEqual(
      calls.map((r) => [r.path, r.status]),
      [
        [`/api/v1/users/${id}`, 401],
        ['/oauth2/v1/token', 200],
        [`/api/v1/users/${id}`, 200],
      ],
    );
  });

  test('ES256 keys work too', async () => {
    const keys = await oauthKeyPair('ES256');
    await sim.control.registerOAuthClient({ clientId: '0oaEc', publicJwk: keys.publicJwk, scopes: ['okta.users.read'] });
    const client = createOktaClient({
      orgUrl: sim.url,
      auth: { kind: 'oauth', clientId: '0oaEc', privateKeyPem: keys.privateKeyPem, scopes: ['okta.users.read'] },
      requestTimeoutMs: 5_000,
    });
    assert.equal((await client.getUser('alice@example.com')).profile.login, 'alice@example.com');
  });

  test('missing scope → non-retryable OktaForbidden E0000006, no secrets in the failure', async () => {
    const keys = await oauthKeyPair('RS256');
    await sim.control.registerOAuthClient({ clientId: '0oaLogsOnly', publicJwk: keys.publicJwk, scopes: ['okta.logs.read'] });
    const client = createOktaClient({
      orgUrl: sim.url,
      auth: { kind: 'oauth', clientId: '0oaLogsOnly', privateKeyPem: keys.privateKeyPem, scopes: ['okta.logs.read'] },
      requestTimeoutMs: 5_000,
    });
    const f = await failureOf(run(createOktaActivities(client).oktaUnlockUser, 'bob@example.com'));
    assert.equal(f.type, OktaFailureType.Forbidden);
    assert.equal(f.nonRetryable, true);
    assert.equal((f.details?.[0] as { errorCode: string }).errorCode, 'E0000006');
    const text = JSON.stringify({ m: f.message, d: f.details, s: f.stack });
    assert.ok(!/Bearer|eyJ|PRIVATE KEY/.test(text), text);
  });

  test('an unregistered client → non-retryable OktaUnauthorized from the token endpoint', async () => {
    const keys = await oauthKeyPair('RS256');
    const client = createOktaClient({
      orgUrl: sim.url,
      auth: { kind: 'oauth', clientId: '0oaUnknown', privateKeyPem: keys.privateKeyPem, scopes: [] },
      requestTimeoutMs: 5_000,
    });
    const f = await failureOf(run(createOktaActivities(client).oktaGetUser, 'alice@example.com'));
    assert.equal(f.type, OktaFailureType.Unauthorized);
    assert.equal(f.nonRetryable, true);
    assert.equal((f.details?.[0] as { path: string }).path, '/oauth2/v1/token');
  });

  test('a bad private key is a clear error at client creation', () => {
    assert.throws(
      () =>
        createOktaClient({
          orgUrl: sim.url,
          auth: { kind: 'oauth', clientId: '0oa1', privateKeyPem: 'not a key', scopes: [] },
          requestTimeoutMs: 5_000,
        }),
      (err: unknown) => err instanceof OktaConfigError && /OKTA_PRIVATE_KEY is not a valid PKCS#8\/PEM private key/.test(err.message),
    );
  });
});

test('activity log lines never hold credentials', () => {
  const text = JSON.stringify(logLines);
  assert.ok(logLines.some((l) => l.message.startsWith('Okta request')));
  assert.ok(!text.includes(sim.apiToken));
  assert.ok(!/SSWS|Bearer|eyJ|reset_password\//.test(text));
});

describe('rate limits and faults', () => {
  test('429 → OktaRateLimited with nextRetryDelay from X-Rate-Limit-Reset', async () => {
    await sim.control.setRateLimits({ userGet: { limit: 2, windowMs: 30_000 }, tokenShare: 1 });
    await run(acts.oktaGetUser, 'alice@example.com');
    await run(acts.oktaGetUser, 'alice@example.com');
    const f = await failureOf(run(acts.oktaGetUser, 'alice@example.com'));
    assert.equal(f.type, OktaFailureType.RateLimited);
    assert.equal(f.nonRetryable, false);
    assert.equal((f.details?.[0] as { errorCode: string }).errorCode, 'E0000047');
    const delay = Number(f.nextRetryDelay);
    const reset = (f.details?.[0] as { rateLimitResetEpochSeconds: number }).rateLimitResetEpochSeconds;
    // The sim's windows are aligned, so the reset is 0..30 s away. Okta's Date header has 1 s resolution
    // and we add up to 1 s of jitter.
    const expected = Math.max(1_000, reset * 1000 - Date.now());
    assert.ok(delay >= expected - 500 && delay <= expected + 2_100, `delay ${delay}, expected ~${expected}`);
  });

  test('500 fault → retryable OktaServerError; dropped connection → retryable OktaUnavailable', async () => {
    await sim.control.setFaults([{ endpoint: '/api/v1/users', type: '500', times: 1 }]);
    const f = await failureOf(run(acts.oktaListFactors, 'alice@example.com'));
    assert.equal(f.type, OktaFailureType.ServerError);
    assert.equal(f.nonRetryable, false);
    assert.equal((await run(acts.oktaListFactors, 'alice@example.com')).length > 0, true, 'next attempt succeeds');

    await sim.control.setFaults([{ endpoint: '/api/v1/logs', type: 'drop', times: 1 }]);
    const d = await failureOf(run(acts.oktaReadLogPage, { since: new Date().toISOString(), filter: 'eventType eq "x"', limit: 1 }));
    assert.equal(d.type, OktaFailureType.Unavailable);
    assert.equal(d.nonRetryable, false);
  });
});
