import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOktaSimulator, type LogEvent, type OktaSimulator } from '../../okta-sim/index.js';
import { nextLink, okta } from './helpers.js';

type OktaErr = { errorCode: string; errorSummary: string };
type U = { id: string; status: string; profile: { login: string; email: string } };

let sim: OktaSimulator;
before(async () => {
  sim = await startOktaSimulator({ seed: 'demo', quiet: true });
});
after(() => sim.close());
beforeEach(() => sim.control.reset());

async function eventsOf(type: string): Promise<LogEvent[]> {
  return (await sim.control.events(type)).events;
}

test('get a user by id or login; unknown user is 404 E0000007', async () => {
  const byLogin = await okta<U>(sim, '/api/v1/users/alice@example.com');
  assert.equal(byLogin.status, 200);
  const byId = await okta<U>(sim, `/api/v1/users/${byLogin.body.id}`);
  assert.deepEqual(byId.body, byLogin.body);
  assert.ok(byId.headers.get('x-okta-request-id'));
  assert.ok(byId.headers.get('date'));
  const missing = await okta<OktaErr>(sim, '/api/v1/users/nobody@example.com');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.errorCode, 'E0000007');
  assert.match(missing.body.errorSummary, /^Not found: /);
});

test('unlock only from LOCKED_OUT, else 403 E0000032; writes user.account.unlock_by_admin', async () => {
  const bad = await okta<OktaErr>(sim, '/api/v1/users/alice@example.com/lifecycle/unlock', { method: 'POST' });
  assert.equal(bad.status, 403);
  assert.equal(bad.body.errorCode, 'E0000032');
  assert.equal(bad.body.errorSummary, 'Unlock is not allowed for this user.');

  const ok = await okta(sim, '/api/v1/users/bob@example.com/lifecycle/unlock', { method: 'POST' });
  assert.equal(ok.status, 200);
  assert.equal((await sim.control.getUser('bob@example.com')).status, 'ACTIVE');
  const [e] = await eventsOf('user.account.unlock_by_admin');
  assert.equal(e?.target?.[0]?.alternateId, 'bob@example.com');
  assert.equal(e?.debugContext.debugData.requestId, ok.headers.get('x-okta-request-id'));
});

test('reset_password sendEmail=false: single-use URL under the org, user in RECOVERY', async () => {
  const r = await okta<{ resetPasswordUrl: string }>(sim, '/api/v1/users/alice@example.com/lifecycle/reset_password?sendEmail=false', { method: 'POST' });
  assert.equal(r.status, 200);
  assert.match(r.body.resetPasswordUrl, new RegExp(`^${sim.url}/reset_password/\\w+$`));
  assert.equal((await sim.control.getUser('alice@example.com')).status, 'RECOVERY');
  assert.equal((await eventsOf('user.account.reset_password')).length, 1);

  const first = await fetch(r.body.resetPasswordUrl);
  assert.equal(first.status, 200);
  assert.match(await first.text(), /data-state="consumed"/);
  assert.equal((await sim.control.getUser('alice@example.com')).status, 'ACTIVE');
  const second = await fetch(r.body.resetPasswordUrl);
  assert.match(await second.text(), /expired/);

  const mailed = await okta(sim, '/api/v1/users/carol@example.com/lifecycle/reset_password?sendEmail=true', { method: 'POST' });
  assert.deepEqual(mailed.body, {});
  const [mail] = await sim.control.outbox();
  assert.equal(mail?.to, 'carol@example.com');

  const suspended = await okta<OktaErr>(sim, '/api/v1/users/erin@example.com/lifecycle/reset_password?sendEmail=false', { method: 'POST' });
  assert.equal(suspended.status, 403);
  assert.equal(suspended.body.errorCode, 'E0000038');
});

test('factors: list, delete one (204), reset all; each writes its event', async () => {
  const list = await okta<{ id: string; factorType: string }[]>(sim, '/api/v1/users/dave@example.com/factors');
  assert.deepEqual(list.body.map((f) => f.factorType), ['webauthn', 'push']);
  const del = await okta(sim, `/api/v1/users/dave@example.com/factors/${list.body[0]?.id}`, { method: 'DELETE' });
  assert.equal(del.status, 204);
  assert.equal(del.body, '');
  const gone = await okta<OktaErr>(sim, `/api/v1/users/dave@example.com/factors/${list.body[0]?.id}`, { method: 'DELETE' });
  assert.equal(gone.status, 404);
  assert.equal((await eventsOf('user.mfa.factor.deactivate')).length, 1);

  const reset = await okta(sim, '/api/v1/users/alice@example.com/lifecycle/reset_factors', { method: 'POST' });
  assert.equal(reset.status, 200);
  assert.deepEqual((await okta(sim, '/api/v1/users/alice@example.com/factors')).body, []);
  const [e] = await eventsOf('user.mfa.factor.reset_all');
  assert.equal(e?.target?.[0]?.alternateId, 'alice@example.com');
});

test('groups of a user', async () => {
  const r = await okta<{ profile: { name: string }; type: string }[]>(sim, '/api/v1/users/dave@example.com/groups');
  assert.deepEqual(r.body.map((g) => g.profile.name).sort(), ['Engineering', 'Everyone', 'Okta Admins']);
  assert.equal(r.body.find((g) => g.profile.name === 'Everyone')?.type, 'BUILT_IN');
});

test('find users by search, filter and q; pagination with Link', async () => {
  const s = await okta<U[]>(sim, `/api/v1/users?search=${encodeURIComponent('profile.email eq "CAROL@example.com"')}`);
  assert.deepEqual(s.body.map((u) => u.profile.login), ['carol@example.com']);
  const f = await okta<U[]>(sim, `/api/v1/users?filter=${encodeURIComponent('profile.login eq "bob@example.com"')}`);
  assert.deepEqual(f.body.map((u) => u.profile.login), ['bob@example.com']);
  const st = await okta<U[]>(sim, `/api/v1/users?search=${encodeURIComponent('status eq "LOCKED_OUT"')}`);
  assert.deepEqual(st.body.map((u) => u.profile.login).sort(), ['bob@example.com', 'frank@example.com']);
  const q = await okta<U[]>(sim, '/api/v1/users?q=gra');
  assert.deepEqual(q.body.map((u) => u.profile.login), ['grace@example.com']);
  const bad = await okta<OktaErr>(sim, `/api/v1/users?search=${encodeURIComponent('profile.email eq')}`);
  assert.equal(bad.status, 400);

  const logins: string[] = [];
  let url: string | undefined = '/api/v1/users?limit=3';
  while (url) {
    const p: Awaited<ReturnType<typeof okta<U[]>>> = await okta<U[]>(sim, url);
    logins.push(...p.body.map((u) => u.profile.login));
    url = nextLink(p.headers);
  }
  assert.equal(logins.length, 7);
});

test('control surface: create users with factors and groups; bad input is a clear 400', async () => {
  const u = await sim.control.createUser({ login: 'zed@example.com', firstName: 'Zed', groups: ['Contractors'], factors: [{ factorType: 'sms' }, { factorType: 'token:software:totp', provider: 'GOOGLE' }] });
  assert.equal(u.status, 'ACTIVE');
  const factors = await sim.control.listFactors('zed@example.com');
  assert.deepEqual(factors.map((f) => [f.factorType, f.provider]), [['sms', 'OKTA'], ['token:software:totp', 'GOOGLE']]);
  const groups = await okta<{ profile: { name: string } }[]>(sim, `/api/v1/users/${u.id}/groups`);
  assert.ok(groups.body.some((g) => g.profile.name === 'Contractors'));

  const res = await fetch(`${sim.url}/__sim/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: 'x', factors: [{ factorType: 'carrier-pigeon' }] }) });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { issues: { path: string }[] };
  assert.ok(body.issues.some((i) => i.path === 'login'));
  assert.ok(body.issues.some((i) => i.path.startsWith('factors.0.factorType')));
  const dup = await fetch(`${sim.url}/__sim/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: 'alice@example.com' }) });
  assert.equal(dup.status, 400);
});

test('end-user settings page and unknown endpoints', async () => {
  const page = await fetch(`${sim.url}/enduser/settings`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  const unknown = await okta<OktaErr>(sim, '/api/v1/nothing-here');
  assert.equal(unknown.status, 404);
  const wrongMethod = await okta<OktaErr>(sim, '/api/v1/users/alice@example.com/lifecycle/unlock');
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.body.errorCode, 'E0000022');
});
