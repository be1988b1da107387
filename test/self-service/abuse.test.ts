/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are loosely typed JSON; the assertions check them */
/**
 * Self-service under abuse, through the HTTP API against the simulator: concurrent and retried asks,
 * enumeration, floods, reused keys and forged references.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeRequestRef } from '../../client/self-service-client.js';
import { startHttpApi, type RunningHttpApi } from '../../client/http-api/server.js';
import { testTemporal, type TestTemporal } from '../helpers/temporal.js';
import { requester, rid, startSelfServiceEnv, type SelfServiceEnv } from './helpers.js';

const SLACK = 'slack-token-0123456789abcdef';
const APPROVER = 'helpdesk-portal-token-0123456789'; // carol's, helpdesk
const FRANK = 'frank-approver-token-0123456789'; // frank is not helpdesk

describe('self-service under abuse (HTTP API, dev server, simulator)', () => {
  let temporal: TestTemporal;
  let env: SelfServiceEnv;
  /** With the production linger: late requests join the finished run instead of starting another. */
  let lingering: SelfServiceEnv;
  let api: RunningHttpApi;
  let lingeringApi: RunningHttpApi;

  async function call(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string>; token?: string; via?: RunningHttpApi } = {}) {
    const headers: Record<string, string> = { Authorization: `Bearer ${opts.token ?? SLACK}`, ...(opts.headers ?? {}) };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${(opts.via ?? api).url}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Record<string, any> };
  }
  const post = (path: string, key: string, body: unknown, via?: RunningHttpApi) => call('POST', path, { body, headers: { 'Idempotency-Key': key }, ...(via ? { via } : {}) });
  const resets = (userId: string) => env.sim.control.requests({ pathPrefix: `/api/v1/users/${userId}/lifecycle/reset_password`, method: 'POST' });

  before(async () => {
    temporal = await testTemporal();
    env = await startSelfServiceEnv(temporal, { DAILY_LIMIT_PASSWORD_RESET: '5' });
    lingering = await startSelfServiceEnv(temporal, { SELF_SERVICE_ANSWER_LINGER: process.env.BREAK_LINGER ?? '10s', DAILY_LIMIT_PASSWORD_RESET: '5' }, env.sim);
    // Rate limits out of the way: these tests are about what reaches Temporal (http-api.test.ts tests the limits).
    const options = { tokens: [{ frontend: 'slack', token: SLACK }], approverTokens: [{ name: 'carol@example.com', token: APPROVER }, { name: 'frank@example.com', token: FRANK }], port: 0, perChatUserPerMinute: 10_000, perFrontendPerMinute: 10_000 };
    api = await startHttpApi({ selfService: env.selfService, ...options });
    lingeringApi = await startHttpApi({ selfService: lingering.selfService, ...options });
  });
  after(async () => {
    await lingeringApi?.close();
    await api?.close();
    await lingering?.close();
    await env?.close();
    await temporal?.close();
  });

  it('50 concurrent asks with different keys: one reset_password, one link for everyone', async () => {
    const user = await lingering.newUser();
    const replies = await Promise.all(Array.from({ length: 50 }, () => post('/v1/password-resets', rid(), { requester: requester(user.login) }, lingeringApi)));
    const statuses = replies.map((r) => r.status);
    const ok = replies.filter((r) => r.status === 200);
    // Whoever was not answered was told to come back (503 + Retry-After), never handed another link.
    for (const r of replies.filter((x) => x.status !== 200)) {
      assert.equal(r.status, 503, JSON.stringify(r.body));
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    }
    assert.ok(ok.length >= 40, `most asks answered at once: ${JSON.stringify(statuses)}`);
    console.log(`50 concurrent asks: ${ok.length} answered 200, ${replies.length - ok.length} answered 503`);
    const links = new Set(ok.map((r) => r.body.resetLink));
    assert.equal(links.size, 1, 'one link');
    assert.equal((await resets(user.id)).length, 1, 'Okta saw one reset_password');
    // Asking again just after, with a new key: the same answer, still one reset.
    const again = await post('/v1/password-resets', rid(), { requester: requester(user.login) }, lingeringApi);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.resetLink, [...links][0]);
    assert.equal((await resets(user.id)).length, 1);
  });

  it('a retry of a key after another ask came in between gets its own earlier answer, not a new reset', async () => {
    const user = await env.newUser();
    const key = rid();
    const first = await post('/v1/password-resets', key, { requester: requester(user.login) });
    assert.equal(first.status, 200);
    await env.client.workflow.getHandle(first.body.workflowId, first.body.runId).result();
    // Another chat user's ask for the same account starts a new run (a new reset)...
    const other = await post('/v1/password-resets', rid(), { requester: { chatUserId: 'chat-other-device', email: user.login } });
    assert.equal(other.status, 200);
    assert.notEqual(other.body.runId, first.body.runId);
    await env.client.workflow.getHandle(other.body.workflowId, other.body.runId).result();
    // ...and the first key's retry still finds its answer in the older run.
    const retry = await post('/v1/password-resets', key, { requester: requester(user.login) });
    assert.equal(retry.status, 200);
    assert.equal(retry.body.runId, first.body.runId);
    assert.equal(retry.body.resetLink, first.body.resetLink);
    assert.equal((await resets(user.id)).length, 2);
  });

  it('a key reused with a different body answers 409', async () => {
    const user = await env.newUser();
    const other = await env.newUser();
    const key = rid();
    assert.equal((await post('/v1/password-resets', key, { requester: requester(user.login) })).status, 200);
    const otherEmail = await post('/v1/password-resets', key, { requester: requester(other.login) });
    assert.equal(otherEmail.status, 409);
    assert.equal(otherEmail.body.error.code, 'idempotency_conflict');
    assert.equal(otherEmail.body.resetLink, undefined);
    const otherTarget = await post('/v1/password-resets', key, { requester: requester(user.login), target: other.login });
    assert.equal(otherTarget.status, 409);
    const otherAction = await post('/v1/mfa-resets', key, { requester: requester(user.login) });
    assert.equal(otherAction.status, 409);
  });

  it('no enumeration: naming someone else gets one answer whether they exist or not, and their account is not touched', async () => {
    const mallory = await env.newUser();
    const victim = await env.newUser();
    const ghostRequester = requester(`ghost-${rid()}@example.com`);
    const answers = [
      await post('/v1/mfa-resets', rid(), { requester: requester(mallory.login), target: victim.login }),
      await post('/v1/mfa-resets', rid(), { requester: requester(mallory.login), target: `nobody-${rid()}@example.com` }),
      await post('/v1/mfa-resets', rid(), { requester: ghostRequester, target: victim.login }),
      await post('/v1/mfa-resets', rid(), { requester: ghostRequester, target: `nobody-${rid()}@example.com` }),
    ];
    for (const a of answers) {
      assert.equal(a.status, 403, JSON.stringify(a.body));
      assert.equal(a.body.error.code, 'not_your_account');
      assert.equal(a.body.error.message, answers[0]!.body.error.message);
    }
    await assert.rejects(env.client.workflow.getHandle(`reset-mfa/${victim.login}`).describe(), /not found/i, 'the victim has no run');
    // The refusal can be read back by its reference.
    const got = await call('GET', `/v1/requests/${answers[0]!.body.error.details.request.id}`, { headers: { 'X-Chat-User-Id': requester(mallory.login).chatUserId } });
    assert.equal(got.status, 200);
    assert.equal(got.body.refusal.code, 'not-your-account');
  });

  it('a flooded waiting request keeps a small history and still completes', async () => {
    const admin = await env.newUser({ groups: ['Okta Admins'] });
    const mallory = await env.newUser();
    const created = await post('/v1/password-resets', rid(), { requester: requester(admin.login) });
    assert.equal(created.body.status, 'awaiting-approval');
    const handle = env.client.workflow.getHandle(created.body.workflowId, created.body.runId);
    // Strangers' asks never reach the run; the owner's own keys are capped per run.
    const strangers = await Promise.all(Array.from({ length: 30 }, () => post('/v1/password-resets', rid(), { requester: requester(mallory.login), target: admin.login })));
    assert.ok(strangers.every((r) => r.status === 403));
    const owner = [];
    for (let i = 0; i < 60; i += 10) owner.push(...(await Promise.all(Array.from({ length: 10 }, () => post('/v1/password-resets', rid(), { requester: requester(admin.login) })))));
    const busy = owner.filter((r) => r.status === 503);
    assert.equal(busy.length, 61 - 50, `requests beyond the per-run cap are turned away: ${owner.map((r) => r.status).join(',')}`);
    // Approval attempts by a non-helpdesk user (with their own approver token) are capped per approver...
    const frank = await env.sim.control.getUser('frank@example.com');
    await env.sim.control.clearRequests();
    const tries = [];
    for (let i = 0; i < 12; i++) {
      tries.push((await call('POST', `/v1/requests/${created.body.id}/approval`, { token: FRANK, body: { decision: 'approve', approver: 'frank@example.com', reason: 'flood' } })).status);
    }
    assert.ok(tries.every((s) => s === 403 || s === 503), tries.join(','));
    const checks = await env.sim.control.requests({ pathPrefix: `/api/v1/users/${frank.id}/groups`, method: 'GET' });
    assert.ok(checks.length <= 5, `at most 5 checks of one approver: ${checks.length}`);
    // ...and the genuine approver still gets through.
    const ok = await call('POST', `/v1/requests/${created.body.id}/approval`, { token: APPROVER, body: { decision: 'approve', approver: 'carol@example.com', reason: 'verified' } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const result = await handle.result();
    assert.equal(result.outcome, 'link-issued');
    assert.ok(result.requests <= 50, `tracked requests are capped: ${result.requests}`);
    const { events } = await handle.fetchHistory();
    const bytes = JSON.stringify(events).length;
    assert.ok(events!.length < 1500, `history stays small: ${events!.length} events`);
    assert.ok(bytes < 1_000_000, `history stays small: ${bytes} bytes`);
  });

  it('forged references address nothing but self-service workflows', async () => {
    const poller = encodeRequestRef({ workflowId: 'lockout-poller/http://x', runId: 'abc', requestId: 'slack:x' });
    const r = await call('GET', `/v1/requests/${poller}`, { headers: { 'X-Chat-User-Id': 'x' } });
    assert.equal(r.status, 404);
    const approval = await call('POST', `/v1/requests/${poller}/approval`, { token: APPROVER, body: { decision: 'approve', approver: 'carol@example.com', reason: 'x' } });
    assert.equal(approval.status, 404);
  });
});
