// The web chat and the helpdesk console in a real browser (headless Chromium), against the real dev
// server, the project's workers and the Okta simulator. Screenshots go to docs/images/ (docs/web-console.md).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startHttpApi, type RunningHttpApi } from '../../client/http-api/server.js';
import { lockoutStateQuery } from '../../workflows/lockout/messages.js';
import { eventually } from '../helpers/eventually.js';
import { testTemporal, type TestTemporal } from '../helpers/temporal.js';
import { startAskUserLockout, startSelfServiceEnv, type SelfServiceEnv } from '../self-service/helpers.js';
import { launchChromium } from './browser.js';

const IMAGES = new URL('../../docs/images/', import.meta.url);
const CAROL = { email: 'carol@example.com', token: 'carol-web-token-0123456789' }; // Helpdesk in the simulator's seed
const TIMEOUT = 20_000;

describe('web chat and helpdesk console (headless Chromium)', () => {
  let temporal: TestTemporal;
  let env: SelfServiceEnv;
  let api: RunningHttpApi;
  let browser: Browser;
  let alice: { id: string; login: string };
  let admin: { id: string; login: string };
  let locked: { id: string; login: string };
  const token = (login: string) => `${login.split('@')[0]}-web-token-0123456789`;

  before(async () => {
    browser = await launchChromium(); // first: without Chromium the suite fails here, with the install command
    temporal = await testTemporal();
    env = await startSelfServiceEnv(temporal);
    alice = await env.newUser({ factors: [{ factorType: 'push' }, { factorType: 'sms' }] });
    admin = await env.newUser({ groups: ['Okta Admins'] });
    locked = await env.newUser();
    api = await startHttpApi({
      selfService: env.selfService,
      client: env.client,
      tokens: [{ frontend: 'slack', token: 'slack-token-0123456789abcdef' }],
      web: { users: [CAROL, { email: alice.login, token: token(alice.login) }, { email: admin.login, token: token(admin.login) }, { email: locked.login, token: token(locked.login) }], helpdeskLogins: [CAROL.email], taskQueue: env.config.temporal.taskQueue, orgUrl: env.sim.url },
      port: 0,
    });
  });
  after(async () => {
    await browser?.close();
    await api?.close();
    await env?.close();
    await temporal?.close();
  });

  async function signIn(page: Page, path: string, email: string, secret: string) {
    await page.goto(`${api.url}${path}`);
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('Personal access token').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#who').filter({ hasText: email }).waitFor({ timeout: TIMEOUT });
  }
  const focused = (page: Page) => page.evaluate<string>("document.activeElement?.id ?? ''");

  it('an employee gets a password reset link, keyboard only', async () => {
    const page = await browser.newPage();
    await page.goto(`${api.url}/web/`);
    await page.locator('#email:focus').waitFor({ timeout: TIMEOUT }); // the sign-in form takes focus once the page knows there is no session
    await page.keyboard.type(alice.login);
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'token');
    await page.keyboard.type(token(alice.login));
    await page.keyboard.press('Enter');
    await page.locator('#chat').waitFor({ state: 'visible', timeout: TIMEOUT });
    assert.equal(await focused(page), 'chat-title', 'focus moves to the chat');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'ask-password', 'the first action is next in the focus order');
    await page.keyboard.press('Enter');
    const link = page.locator('#reset-link');
    await link.waitFor({ timeout: TIMEOUT });
    assert.match((await link.getAttribute('href')) ?? '', /\/reset_password\//);
    assert.equal(await page.locator('#answer').getAttribute('role'), 'status', 'answers are announced');
    await page.screenshot({ path: new URL('web-chat-password-reset.png', IMAGES).pathname, fullPage: true });
    assert.equal((await env.sim.control.requests({ pathPrefix: `/api/v1/users/${alice.id}/lifecycle/reset_password`, method: 'POST' })).length, 1, 'Okta saw one reset');
    await page.close();
  });

  it('an employee resets one chosen MFA factor', async () => {
    const page = await browser.newPage();
    await signIn(page, '/web/', alice.login, token(alice.login));
    await page.getByRole('button', { name: /Reset my MFA/ }).click();
    await page.locator('#factors').waitFor({ state: 'visible', timeout: TIMEOUT });
    const boxes = page.locator('#factor-list input[type=checkbox]');
    assert.equal(await boxes.count(), 2);
    const sms = page.getByRole('checkbox', { name: /SMS/i });
    await sms.check();
    await page.screenshot({ path: new URL('web-chat-mfa-choice.png', IMAGES).pathname, fullPage: true });
    await page.getByRole('button', { name: 'Reset the chosen factors' }).click();
    await page.locator('#answer[data-status=completed]').waitFor({ timeout: TIMEOUT });
    await page.locator('#portal-link').waitFor({ timeout: TIMEOUT });
    assert.deepEqual((await env.sim.control.listFactors(alice.id)).map((f) => f.factorType), ['push']);
    await page.close();
  });

  it('a locked-out employee answers the lockout question; the real workflow unlocks them', async () => {
    const handle = await startAskUserLockout(env, locked);
    await eventually('the question is asked and visible', async () =>
      (await handle.query(lockoutStateQuery)).phase === 'awaiting-user' && (await env.client.workflow.count(`OktaLogin = "${locked.login}" AND ExecutionStatus = "Running"`)).count === 1,
    );
    const page = await browser.newPage();
    await signIn(page, '/web/', locked.login, token(locked.login));
    await page.locator('#lockout').waitFor({ state: 'visible', timeout: TIMEOUT });
    await page.screenshot({ path: new URL('web-chat-lockout-question.png', IMAGES).pathname, fullPage: true });
    await page.getByRole('button', { name: 'Yes, it was me: unlock my account' }).click();
    await page.locator('#answer-text').filter({ hasText: 'being unlocked' }).waitFor({ timeout: TIMEOUT });
    const state = await handle.result();
    assert.equal(state.outcome, 'unlocked');
    assert.equal(state.reply?.email, locked.login, 'the answer carries the signed-in person');
    assert.equal((await env.sim.control.getUser(locked.id)).status, 'ACTIVE');
    await page.close();
  });

  it('helpdesk approves in the console as the signed-in person; the employee sees the link', async () => {
    const employee = await browser.newContext();
    const asking = await employee.newPage();
    await signIn(asking, '/web/', admin.login, token(admin.login));
    await asking.getByRole('button', { name: 'Send me a password reset link' }).click();
    await asking.locator('#answer[data-status=awaiting-approval]').waitFor({ timeout: TIMEOUT });

    const helpdesk = await browser.newContext();
    const console = await helpdesk.newPage();
    await signIn(console, '/web/console', CAROL.email, CAROL.token);
    const row = console.getByRole('row').filter({ hasText: admin.login });
    // Visibility lags behind the request on a busy server: Refresh, as a person would, until it is listed.
    const idle = console.locator('#console[aria-busy=false]');
    await eventually('the request is listed in the console', async () => {
      await console.getByRole('button', { name: 'Refresh' }).click();
      await idle.waitFor({ timeout: TIMEOUT });
      return (await row.count()) === 1;
    }, TIMEOUT, 500);
    await row.getByLabel(`Reason for ${admin.login}`).fill('called back on the desk phone');
    await console.screenshot({ path: new URL('helpdesk-console.png', IMAGES).pathname, fullPage: true });
    await row.getByRole('button', { name: `Approve Password reset for ${admin.login}` }).click();
    await console.locator('#console-status').filter({ hasText: 'Approved' }).waitFor({ timeout: TIMEOUT });
    await row.waitFor({ state: 'detached', timeout: TIMEOUT }); // the console reloaded: nothing left to decide
    // The helpdesk lead's report, on the same page.
    await console.locator('#report').filter({ hasText: 'helpdesk minutes saved' }).waitFor({ timeout: TIMEOUT });

    await asking.locator('#reset-link').waitFor({ timeout: TIMEOUT });
    const view = await env.selfService.operatorView(`reset-password/${admin.login}`);
    assert.equal(view.approval?.decision, 'approved');
    assert.equal(view.approval?.by, CAROL.email, 'the approver recorded is the signed-in person');
    await employee.close();
    await helpdesk.close();
  });

  it('refuses without a session, without the CSRF token, and the console to non-helpdesk people', async () => {
    const call = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
      fetch(`${api.url}${path}`, { method, headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    assert.equal((await call('POST', '/web/api/password-reset', { 'Idempotency-Key': 'web-x1' })).status, 401);
    assert.equal((await call('POST', '/web/api/session', {}, { email: alice.login, token: 'wrong-token-0123456789' })).status, 401);
    const signed = await call('POST', '/web/api/session', {}, { email: alice.login, token: token(alice.login) });
    assert.equal(signed.status, 200);
    const cookie = signed.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const session = cookie.split(';')[0]!;
    const { csrf } = (await signed.json()) as { csrf: string };
    assert.equal((await call('POST', '/web/api/password-reset', { Cookie: session, 'Idempotency-Key': 'web-x2' })).status, 403, 'no CSRF token');
    assert.equal((await call('POST', '/web/api/password-reset', { Cookie: session, 'Idempotency-Key': 'web-x3', 'X-CSRF-Token': csrf, Origin: 'https://evil.example' })).status, 403, 'foreign origin');
    assert.equal((await call('GET', '/web/api/console', { Cookie: session })).status, 403, 'the console is for helpdesk');
    assert.equal((await call('GET', '/web/api/report', { Cookie: session })).status, 403, 'so is the report');
    const approve = await call('POST', '/web/api/console/approval', { Cookie: session, 'X-CSRF-Token': csrf }, { id: `reset-password/${admin.login}`, decision: 'approve', reason: 'x' });
    assert.equal(approve.status, 403);
  });
});
