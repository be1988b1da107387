/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are loosely typed JSON; the assertions check them */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpApi, type RunningHttpApi } from '../../client/http-api/server.js';
import { testTemporal, type TestTemporal } from '../helpers/temporal.js';
import { lockoutStateQuery } from '../../workflows/lockout/messages.js';
import { eventually } from '../helpers/eventually.js';
import { requester, rid, startAskUserLockout, startSelfServiceEnv, type SelfServiceEnv } from './helpers.js';

const SLACK = 'slack-token-0123456789abcdef';
const TEAMS = 'teams-token-0123456789abcdef';
const APPROVER = 'helpdesk-portal-token-0123456789'; // carol's (helpdesk)
const FRANK = 'frank-approver-token-0123456789'; // frank is not helpdesk

describe('HTTP API for chat frontends (loopback)', () => {
  let temporal: TestTemporal;
  let env: SelfServiceEnv;
  let api: RunningHttpApi;

  async function call(method: string, path: string, opts: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token !== null) headers.Authorization = `Bearer ${opts.token ?? SLACK}`;
    if (opts.body !== undefined || opts.raw !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${api.url}${path}`, { method, headers, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, any> };
  }
  const post = (path: string, key: string, body: unknown, token?: string) => call('POST', path, { body, headers: { 'Idempotency-Key': key }, ...(token ? { token } : {}) });

  before(async () => {
    temporal = await testTemporal();
    env = await startSelfServiceEnv(temporal);
    api = await startHttpApi({ selfService: env.selfService, tokens: [{ frontend: 'slack', token: SLACK }, { frontend: 'teams', token: TEAMS }],
      approverTokens: [{ name: 'carol@example.com', token: APPROVER }, { name: 'frank@example.com', token: FRANK }],
      port: 0,
    });
  });
  after(async () => {
    await api?.close();
    await env?.close();
    await temporal?.close();
  });

  it('serves an OpenAPI 3 document without auth and refuses calls without a valid token', async () => {
    const doc = await call('GET', '/openapi.json', { token: null });
    assert.equal(doc.status, 200);
    assert.match(doc.body.openapi, /^3\./);
    for (const p of ['/v1/password-resets', '/v1/mfa-resets', '/v1/requests/{id}', '/v1/requests/{id}/factors', '/v1/requests/{id}/approval', '/v1/lockouts/{userId}/reply']) {
      assert.ok(doc.body.paths[p], `documents ${p}`);
    }
    const none = await post('/v1/password-resets', rid(), { requester: requester('alice@example.com') }, 'wrong-token-0123456789');
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'unauthorized');
    assert.equal((await call('POST', '/v1/password-resets', { token: null, body: {} })).status, 401);
  });

  it('rejects malformed bodies and missing idempotency keys with clear 4xx errors', async () => {
    const badJson = await call('POST', '/v1/password-resets', { raw: '{"requester": ', headers: { 'Idempotency-Key': rid() } });
    assert.equal(badJson.status, 400);
    assert.equal(badJson.body.error.code, 'invalid_json');
    const badBody = await post('/v1/password-resets', rid(), { requester: { chatUserId: '', email: 'not-an-email' }, extra: 1 });
    assert.equal(badBody.status, 400);
    assert.equal(badBody.body.error.code, 'invalid_request');
    const paths = badBody.body.error.details.issues.map((i: { path: string }) => i.path);
    assert.ok(paths.includes('requester.email') && paths.includes('requester.chatUserId'), JSON.stringify(paths));
    const noKey = await call('POST', '/v1/mfa-resets', { body: { requester: requester('alice@example.com') } });
    assert.equal(noKey.status, 400);
    assert.equal(noKey.body.error.code, 'invalid_idempotency_key');
    assert.equal((await call('GET', '/v1/nope')).status, 404);
    const badPath = await call('GET', '/v1/requests/%E0%A4%A', { headers: { 'X-Chat-User-Id': 'x' } });
    assert.equal(badPath.status, 400, 'bad percent-encoding is a client error');
    assert.equal(badPath.body.error.code, 'invalid_path');
    assert.equal((await call('POST', '/v1/lockouts/%ZZ/reply', { body: { answer: 'yes', email: 'a@example.com' } })).status, 400);
  });

  it('password reset: link for the owner, idempotent by key, scoped to the frontend', async () => {
    const user = await env.newUser();
    const key = rid();
    const first = await post('/v1/password-resets', key, { requester: requester(user.login) });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.status, 'completed');
    assert.match(first.body.resetLink, /\/reset_password\//);
    const retry = await post('/v1/password-resets', key, { requester: requester(user.login) });
    assert.equal(retry.body.resetLink, first.body.resetLink, 'same key → same link, no second reset');
    const got = await call('GET', `/v1/requests/${first.body.id}`, { headers: { 'X-Chat-User-Id': requester(user.login).chatUserId } });
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.equal(got.body.resetLink, first.body.resetLink);
    assert.equal((await call('GET', `/v1/requests/${first.body.id}`, { headers: { 'X-Chat-User-Id': 'other-user' } })).status, 404);
    assert.equal((await call('GET', `/v1/requests/${first.body.id}`, { token: TEAMS, headers: { 'X-Chat-User-Id': requester(user.login).chatUserId } })).status, 404);
    assert.equal((await call('GET', `/v1/requests/${first.body.id}`)).status, 400, 'X-Chat-User-Id is required');
  });

  it('refusals map to 403 / 404 / 429', async () => {
    const mallory = await env.newUser();
    const victim = await env.newUser();
    const other = await post('/v1/password-resets', rid(), { requester: requester(mallory.login), target: victim.login });
    assert.equal(other.status, 403);
    assert.equal(other.body.error.code, 'not_your_account');
    const unknown = await post('/v1/password-resets', rid(), { requester: requester(`ghost-${rid()}@example.com`) });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'user_not_found');
  });

  it('MFA choose over HTTP: list, choose, portal link; the second reset today is 429', async () => {
    const user = await env.newUser({ factors: [{ factorType: 'push' }, { factorType: 'token:software:totp' }] });
    const created = await post('/v1/mfa-resets', rid(), { requester: requester(user.login) });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.status, 'awaiting-choice');
    const totp = created.body.factors.find((f: { factorType: string }) => f.factorType === 'token:software:totp');
    const bad = await call('POST', `/v1/requests/${created.body.id}/factors`, { body: { chatUserId: requester(user.login).chatUserId, factorIds: ['nope'] } });
    assert.equal(bad.status, 409);
    const chosen = await call('POST', `/v1/requests/${created.body.id}/factors`, { body: { chatUserId: requester(user.login).chatUserId, factorIds: [totp.id] } });
    assert.equal(chosen.status, 200, JSON.stringify(chosen.body));
    assert.equal(chosen.body.status, 'completed');
    assert.match(chosen.body.portalUrl, /\/enduser\/settings$/);
    assert.deepEqual((await env.sim.control.listFactors(user.id)).map((f) => f.factorType), ['push']);

    await env.client.workflow.getHandle(chosen.body.workflowId, chosen.body.runId).result();
    await eventually('visibility caught up', async () => (await env.client.workflow.count(`OktaUserId = "${user.id}" AND AccessOutcome = "factors-reset"`)).count >= 1);
    const limited = await post('/v1/mfa-resets', rid(), { requester: { chatUserId: 'chat-other-device', email: user.login } });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'daily_limit');
  });

  it('approval over HTTP: a non-approver gets 403, helpdesk approves, the owner polls the link', async () => {
    const admin = await env.newUser({ groups: ['Okta Admins'] });
    const created = await post('/v1/password-resets', rid(), { requester: requester(admin.login) });
    assert.equal(created.body.status, 'awaiting-approval');
    const employee = await env.newUser();
    const approval = (token: string, body: unknown) => call('POST', `/v1/requests/${created.body.id}/approval`, { token, body });
    const frontendToken = await approval(TEAMS, { decision: 'approve', approver: 'carol@example.com', reason: 'sure' });
    assert.equal(frontendToken.status, 403, 'a chat frontend token cannot approve');
    assert.equal(frontendToken.body.error.code, 'approver_token_required');
    assert.equal((await approval('wrong-token-0123456789', { decision: 'approve', approver: 'carol@example.com', reason: 'x' })).status, 401);
    const nope = await approval(FRANK, { decision: 'approve', approver: 'frank@example.com', reason: 'sure' });
    assert.equal(nope.status, 403, 'the workflow refuses a person who is not helpdesk');
    assert.equal(nope.body.error.code, 'approver_not_allowed');
    // A token approves only as its own person: frank's token cannot name carol (nor carol's anyone else).
    for (const [token, approver] of [[FRANK, 'carol@example.com'], [APPROVER, employee.login]] as const) {
      const posing = await approval(token, { decision: 'approve', approver, reason: 'sure' });
      assert.equal(posing.status, 403, `${approver} named by someone else's token`);
      assert.equal(posing.body.error.code, 'approver_not_allowed');
    }
    assert.equal((await env.selfService.operatorView(created.body.id)).approval?.decision, undefined, 'nothing was decided');
    const malformed = await approval(APPROVER, { decision: 'maybe', approver: 'carol@example.com' });
    assert.equal(malformed.status, 400);
    const yes = await approval(APPROVER, { decision: 'approve', reason: 'called back' }); // the token's person approves
    assert.equal(yes.status, 200, JSON.stringify(yes.body));
    assert.equal(yes.body.accepted, true);
    assert.equal(yes.body.request.approval.decision, 'approved');
    assert.equal(yes.body.request.approval.by, 'carol@example.com');
    assert.equal(yes.body.request.linkIssued, false, 'decided, the link comes after');
    const view: Record<string, any> = await eventually('the request completed', async () => {
      const body = (await call('GET', `/v1/requests/${created.body.id}`, { headers: { 'X-Chat-User-Id': requester(admin.login).chatUserId } })).body;
      return body.status === 'completed' && body;
    });
    assert.equal(view.status, 'completed');
    assert.match(view.resetLink, /\/reset_password\//);
    const operator = await env.selfService.operatorView(created.body.id);
    assert.equal(operator.linkIssued, true);
    const again = await approval(APPROVER, { decision: 'deny', approver: 'carol@example.com', reason: 'late' });
    assert.equal(again.status, 409);
  });

  it('limits: 413 for large bodies, 429 with Retry-After per chat user and per frontend, CORS only for listed origins', async () => {
    const limited = await startHttpApi({
      selfService: env.selfService,
      tokens: [{ frontend: 'slack', token: SLACK }, { frontend: 'teams', token: TEAMS }],
      port: 0,
      perChatUserPerMinute: 2,
      perFrontendPerMinute: 8,
      corsOrigins: ['https://chat.example.com'],
    });
    try {
      const send = (token: string, body: unknown) =>
        fetch(`${limited.url}/v1/mfa-resets`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Idempotency-Key': rid() }, body: JSON.stringify(body) });
      const big = await send(SLACK, { requester: requester('a@example.com'), target: 'x'.repeat(20_000) });
      assert.equal(big.status, 413);
      assert.equal(((await big.json()) as any).error.code, 'body_too_large');
      // Someone else's account: answered by the gate (cheap), so the limits are what is measured.
      const mallory = await env.newUser();
      const victim = await env.newUser();
      const ask = (chatUserId: string, token = SLACK) => send(token, { requester: { chatUserId, email: mallory.login }, target: victim.login });
      assert.equal((await ask('chat-1')).status, 403);
      assert.equal((await ask('chat-1')).status, 403);
      const third = await ask('chat-1');
      assert.equal(third.status, 429, 'per chat user');
      assert.equal(((await third.json()) as any).error.code, 'rate_limited');
      assert.ok(Number(third.headers.get('retry-after')) > 0);
      assert.equal((await ask('chat-2')).status, 403, 'another chat user of the same frontend still passes');
      // Per frontend: 8 requests a minute for slack (1 large + 4 asks so far), teams unaffected.
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await ask(`chat-x${i}`)).status);
      assert.deepEqual(statuses, [403, 403, 403, 429]);
      assert.equal((await ask('chat-t', TEAMS)).status, 403, 'another frontend has its own budget');
      const preflight = await fetch(`${limited.url}/v1/mfa-resets`, { method: 'OPTIONS', headers: { Origin: 'https://chat.example.com', 'Access-Control-Request-Method': 'POST' } });
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://chat.example.com');
      const stranger = await fetch(`${limited.url}/v1/mfa-resets`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example.com', 'Access-Control-Request-Method': 'POST' } });
      assert.equal(stranger.headers.get('access-control-allow-origin'), null);
    } finally {
      await limited.close();
    }
  });

  it('probes: /livez always, /readyz while Temporal answers; the OpenAPI document comes from the zod schemas', async () => {
    assert.deepEqual((await call('GET', '/livez', { token: null })).body, { ok: true });
    const ready = await call('GET', '/readyz', { token: null });
    assert.equal(ready.status, 200);
    assert.equal(ready.body.ready, true);
    const { Client, Connection } = await import('@temporalio/client');
    const connection = await Connection.connect({ address: temporal.address });
    const unreachable = await startHttpApi({ selfService: env.selfService, client: new Client({ connection }), tokens: [{ frontend: 'slack', token: SLACK }], port: 0 });
    try {
      await connection.close();
      const notReady = await fetch(`${unreachable.url}/readyz`);
      assert.equal(notReady.status, 503);
      assert.equal(((await notReady.json()) as any).ready, false);
      assert.equal((await fetch(`${unreachable.url}/livez`)).status, 200);
    } finally {
      await unreachable.close();
    }
    const doc = (await call('GET', '/openapi.json', { token: null })).body;
    const create = doc.paths['/v1/password-resets'].post;
    assert.equal(create.parameters.find((p: any) => p.name === 'idempotency-key').schema.maxLength, 128, 'header schema from zod');
    const body = create.requestBody.content['application/json'].schema;
    assert.deepEqual(body.required, ['requester']);
    assert.equal(body.properties.target.maxLength, 254);
    assert.ok(create.responses['413'] && create.responses['503'], 'documented status codes');
  });

  it('lockout replies: email required; the real lockout workflow unlocks on the owner\'s yes; 404 when no lockout is open', async () => {
    assert.equal((await call('POST', '/v1/lockouts/00unknown0000000000/reply', { body: { answer: 'perhaps', email: 'a@example.com' } })).status, 400);
    const noEmail = await call('POST', '/v1/lockouts/00unknown0000000000/reply', { body: { answer: 'yes' } });
    assert.equal(noEmail.status, 400);
    assert.deepEqual(noEmail.body.error.details.issues.map((i: { path: string }) => i.path), ['email']);
    const missing = await call('POST', '/v1/lockouts/00unknown0000000000/reply', { body: { answer: 'yes', email: 'a@example.com' } });
    assert.equal(missing.status, 404);

    // The real lockout workflow (ask-user) on the real workers: the HTTP reply unlocks the user.
    const login = `locked.${rid()}@example.com`;
    const user = await env.sim.control.createUser({ login });
    const handle = await startAskUserLockout(env, { id: user.id, login });
    await eventually('the user asked', async () => (await handle.query(lockoutStateQuery)).phase === 'awaiting-user');
    const reply = { answer: 'yes', email: login, chatUserId: 'U123LOCKED', respondent: 'slack:U123LOCKED' };
    const sent = await call('POST', `/v1/lockouts/${user.id}/reply`, { body: reply });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const state = await handle.result();
    assert.deepEqual(state.reply, reply);
    assert.equal(state.outcome, 'unlocked');
    assert.equal((await env.sim.control.getUser(user.id)).status, 'ACTIVE');
  });
});
