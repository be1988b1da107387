import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, describeConfig, loadConfig, parseDurationMs } from '../temporal.config.js';

const load = (env: Record<string, string>) => loadConfig(env, { dotEnvPath: false });

function problemsOf(env: Record<string, string>): ConfigError {
  try {
    load(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('config was accepted');
}

describe('config', () => {
  it('has working defaults for a laptop: dev server, 30 s polls, no Okta org (simulator)', () => {
    const config = load({});
    assert.equal(config.temporal.address, '127.0.0.1:7233');
    assert.equal(config.temporal.namespace, 'default');
    assert.equal(config.lockout.pollIntervalMs, 30_000);
    assert.equal(config.lockout.unlockPolicy, 'auto');
    assert.equal(config.okta, undefined);
    assert.deepEqual(config.notifier, { kind: 'log' });
  });

  it('task queues: one name each, at most 200 characters; the poller queue follows the main one unless set', () => {
    assert.equal(load({ TEMPORAL_TASK_QUEUE: 'acme' }).temporal.pollerTaskQueue, 'acme-poller');
    assert.equal(load({ TEMPORAL_POLLER_TASK_QUEUE: 'detect' }).temporal.pollerTaskQueue, 'detect');
    assert.match(problemsOf({ TEMPORAL_POLLER_TASK_QUEUE: 'okta-account-access-okta' }).message, /TEMPORAL_POLLER_TASK_QUEUE: names the same task queue as TEMPORAL_OKTA_TASK_QUEUE/);
    assert.match(problemsOf({ TEMPORAL_OKTA_LOG_TASK_QUEUE: 'okta-account-access' }).message, /TEMPORAL_OKTA_LOG_TASK_QUEUE: names the same task queue as TEMPORAL_TASK_QUEUE/);
    assert.match(problemsOf({ TEMPORAL_TASK_QUEUE: 'q'.repeat(195) }).message, /TEMPORAL_POLLER_TASK_QUEUE: at most 200 characters/);
  });

  it('names every bad variable in one message', () => {
    const err = problemsOf({
      LOCKOUT_POLL_INTERVAL: 'soon',
      UNLOCK_POLICY: 'maybe',
      OKTA_MAX_REQUESTS_PER_SECOND: '-3',
      FEATURE_MFA_RESET: 'perhaps',
      OKTA_ORG_URL: 'not a url',
    });
    for (const name of ['LOCKOUT_POLL_INTERVAL', 'UNLOCK_POLICY', 'OKTA_MAX_REQUESTS_PER_SECOND', 'FEATURE_MFA_RESET', 'OKTA_ORG_URL']) {
      assert.match(err.message, new RegExp(`${name}:`), `message names ${name}`);
    }
    assert.equal(err.problems.length, 5);
  });

  it('one pass: a bad value and a cross-variable problem of another variable are reported together', () => {
    const err = problemsOf({ LOCKOUT_POLL_INTERVAL: 'soon', NOTIFIER: 'webhook' });
    assert.match(err.message, /LOCKOUT_POLL_INTERVAL:/);
    assert.match(err.message, /NOTIFIER_WEBHOOK_URL: required/);
  });

  it('URLs: http(s) only, no user:password (and the credential is never printed)', () => {
    for (const bad of ['ftp://acme.okta.com', 'javascript:alert(1)', 'file:///etc/passwd']) {
      assert.match(problemsOf({ OKTA_ORG_URL: bad, OKTA_API_TOKEN: 't' }).message, /OKTA_ORG_URL: expected an http/);
    }
    const withCredentials = problemsOf({ OKTA_ORG_URL: 'https://admin:hunter2@acme.okta.com', OKTA_API_TOKEN: 't', NOTIFIER: 'webhook', NOTIFIER_WEBHOOK_URL: 'https://u:p4ss@hooks.example.com/x', NOTIFIER_WEBHOOK_SECRET: 's' });
    assert.match(withCredentials.message, /OKTA_ORG_URL: must not contain a user name or password/);
    assert.match(withCredentials.message, /NOTIFIER_WEBHOOK_URL: must not contain/);
    assert.doesNotMatch(withCredentials.message, /hunter2|p4ss/);
    assert.equal(withCredentials.problems.filter((p) => p.startsWith('OKTA_ORG_URL')).length, 1, 'reported once');
  });

  it('reports cross-variable problems together', () => {
    const err = problemsOf({ OKTA_API_TOKEN: 'tok', NOTIFIER: 'webhook' });
    assert.match(err.message, /OKTA_ORG_URL: required when Okta credentials are set/);
    assert.match(err.message, /NOTIFIER_WEBHOOK_URL: required/);
    assert.match(err.message, /NOTIFIER_WEBHOOK_SECRET: required/);
  });

  it('never prints secrets, not even invalid ones', () => {
    const token = '00aVerySecretOktaTokenValue1234567890';
    const err = problemsOf({ OKTA_ORG_URL: 'https://acme.okta.com', OKTA_API_TOKEN: token, OKTA_PRIVATE_KEY: 'garbage-key-material' });
    assert.doesNotMatch(err.message, /00aVerySecret|garbage-key-material/);
    const ok = load({ OKTA_ORG_URL: 'https://acme.okta.com/', OKTA_API_TOKEN: token, TEMPORAL_API_KEY: 'cloud-key-123' });
    assert.equal(ok.okta?.orgUrl, 'https://acme.okta.com');
    const printed = JSON.stringify(describeConfig(ok));
    assert.doesNotMatch(printed, /00aVerySecret|cloud-key-123/);
    assert.match(printed, /ssws/);
  });

  it('accepts OAuth service-app credentials with a PEM key', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';
    const config = load({ OKTA_ORG_URL: 'https://acme.okta.com', OKTA_CLIENT_ID: '0oa1', OKTA_PRIVATE_KEY: pem, OKTA_SCOPES: 'okta.logs.read,okta.users.read' });
    assert.equal(config.okta?.auth.kind, 'oauth');
    assert.deepEqual(config.okta?.auth.kind === 'oauth' && config.okta.auth.scopes, ['okta.logs.read', 'okta.users.read']);
  });

  it('reads an optional .env file, with the real environment taking precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oaa-config-'));
    const path = join(dir, '.env');
    writeFileSync(path, '# comment\nLOCKOUT_POLL_INTERVAL=2s\nTEMPORAL_NAMESPACE="from-file"\n');
    const config = loadConfig({ TEMPORAL_NAMESPACE: 'from-env' }, { dotEnvPath: path });
    assert.equal(config.lockout.pollIntervalMs, 2_000);
    assert.equal(config.temporal.namespace, 'from-env');
  });

  it('self-service: defaults, key rotation list, frontend tokens, and secrets never printed', () => {
    const defaults = load({});
    assert.equal(defaults.selfService.dailyLimits.passwordReset, 3);
    assert.equal(defaults.selfService.dailyLimits.mfaReset, 1);
    assert.equal(defaults.selfService.mfaResetMode, 'choose');
    assert.deepEqual(defaults.selfService.payloadKeys, []);
    const k1 = Buffer.alloc(32, 1).toString('base64');
    const k2 = Buffer.alloc(32, 2).toString('base64');
    const config = load({
      PAYLOAD_ENCRYPTION_KEYS: `2026-b:${k2}, 2026-a:${k1}`,
      HTTP_API_TOKENS: 'slack:slack-token-0123456789,teams:teams-token-0123456789',
      CODEC_SERVER_TOKEN: 'codec-token-0123456789',
      APPROVAL_MFA_RESET: 'helpdesk',
      HELPDESK_LOGINS: 'Carol@Example.com',
      APPROVAL_TIMEOUT: '2s',
    });
    assert.deepEqual(config.selfService.payloadKeys.map((k) => k.id), ['2026-b', '2026-a']);
    assert.deepEqual(config.selfService.httpApi.tokens.map((t) => t.frontend), ['slack', 'teams']);
    assert.equal(config.selfService.approval.mfaReset, 'helpdesk');
    assert.equal(config.selfService.approval.timeoutMs, 2_000);
    assert.deepEqual(config.selfService.helpdesk.logins, ['carol@example.com']);
    const printed = JSON.stringify(describeConfig(config));
    assert.doesNotMatch(printed, new RegExp(`${k1.slice(0, 20)}|${k2.slice(0, 20)}|slack-token|codec-token`));
    const err = problemsOf({ PAYLOAD_ENCRYPTION_KEYS: 'k1:dG9vLXNob3J0', HTTP_API_TOKENS: 'slack:short' });
    assert.match(err.message, /PAYLOAD_ENCRYPTION_KEYS:/);
    assert.match(err.message, /HTTP_API_TOKENS:/);
    assert.doesNotMatch(err.message, /dG9vLXNob3J0|slack:short/);
    assert.match(problemsOf({ APPROVAL_PASSWORD_RESET: 'boss' }).message, /APPROVAL_PASSWORD_RESET:/);
  });

  it('web users: email:token pairs, emails lower-cased, tokens never printed', () => {
    const token = 'alice-web-token-0123456789';
    const ok = load({ WEB_USERS: `Alice@Example.com:${token}` });
    assert.deepEqual(ok.selfService.httpApi.webUsers, [{ email: 'alice@example.com', token }]);
    assert.doesNotMatch(JSON.stringify(describeConfig(ok)), new RegExp(token));
    assert.deepEqual(load({}).selfService.httpApi.webUsers, [], 'none by default: no web pages');
    const short = problemsOf({ WEB_USERS: 'alice@example.com:short-one' });
    assert.match(short.message, /WEB_USERS: expected "name:token/);
    assert.doesNotMatch(short.message, /short-one/);
  });

  it('event hook: defaults, a secret of at least 16 characters that is never printed', () => {
    const secret = 'hook-secret-0123456789';
    const ok = load({ EVENT_HOOK_SECRET: secret, EVENT_HOOK_PORT: '9001', EVENT_HOOK_AUTH_HEADER: 'X-Okta-Hook-Key' });
    assert.deepEqual(ok.eventHook, {
      host: '127.0.0.1', port: 9001, secret, authHeader: 'X-Okta-Hook-Key', url: 'http://127.0.0.1:9001/okta/event-hook',
      name: 'okta-account-access lockouts', eventTypes: ['user.account.lock', 'user.session.start'],
    });
    assert.doesNotMatch(JSON.stringify(describeConfig(ok)), new RegExp(secret));
    assert.equal(load({ EVENT_HOOK_URL: 'https://hooks.example.com/okta' }).eventHook.url, 'https://hooks.example.com/okta');
    const short = problemsOf({ EVENT_HOOK_SECRET: 'short-secret' });
    assert.match(short.message, /EVENT_HOOK_SECRET: at least 16 characters/);
    assert.doesNotMatch(short.message, /short-secret/);
    assert.match(problemsOf({ EVENT_HOOK_AUTH_HEADER: 'Bad Header:' }).message, /EVENT_HOOK_AUTH_HEADER:/);
  });

  it('approver tokens: separate from frontend tokens, validated, never printed', () => {
    const frontend = 'frontend-token-0123456789';
    const approver = 'approver-token-0123456789';
    const ok = load({ HTTP_API_TOKENS: `slack:${frontend}`, HTTP_API_APPROVER_TOKENS: `helpdesk-console:${approver}` });
    assert.deepEqual(ok.selfService.httpApi.approverTokens, [{ name: 'helpdesk-console', token: approver }]);
    assert.doesNotMatch(JSON.stringify(describeConfig(ok)), new RegExp(`${frontend}|${approver}`));
    const reused = problemsOf({ HTTP_API_TOKENS: `slack:${frontend}`, HTTP_API_APPROVER_TOKENS: `desk:${frontend}` });
    assert.match(reused.message, /HTTP_API_APPROVER_TOKENS: an approver token must not also be a frontend token/);
    const short = problemsOf({ HTTP_API_APPROVER_TOKENS: 'desk:short' });
    assert.match(short.message, /HTTP_API_APPROVER_TOKENS: expected "name:token/);
    assert.doesNotMatch(short.message + reused.message, new RegExp(`short|${frontend}`));
  });

  it('Slack app and report settings: both Slack secrets or neither, channel ID checked, secrets never printed', () => {
    const defaults = load({});
    assert.equal(defaults.slack, undefined);
    assert.equal(defaults.report.minutesPerTicket, 15);
    const signing = 'slack-signing-secret-0123456789';
    const bot = 'xoxb-1234-5678-botTokenValue';
    const ok = load({ SLACK_SIGNING_SECRET: signing, SLACK_BOT_TOKEN: bot, SLACK_HELPDESK_CHANNEL: 'C0HELPDESK', SLACK_APP_PORT: '3100', REPORT_MINUTES_PER_TICKET: '7.5' });
    assert.deepEqual(ok.slack, { signingSecret: signing, botToken: bot, helpdeskChannel: 'C0HELPDESK', host: '127.0.0.1', port: 3100 });
    assert.equal(ok.report.minutesPerTicket, 7.5);
    assert.doesNotMatch(JSON.stringify(describeConfig(ok)), /slack-signing-secret|botTokenValue/);
    const bad = problemsOf({ SLACK_HELPDESK_CHANNEL: '#helpdesk', REPORT_MINUTES_PER_TICKET: '0' });
    for (const name of ['SLACK_HELPDESK_CHANNEL', 'REPORT_MINUTES_PER_TICKET']) assert.match(bad.message, new RegExp(`${name}:`));
    const half = problemsOf({ SLACK_BOT_TOKEN: 'xoxp-user-token-not-a-bot-1234' });
    for (const name of ['SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN']) assert.match(half.message, new RegExp(`${name}:`));
    assert.doesNotMatch(half.message, /xoxp-user-token/);
    assert.match(problemsOf({ SLACK_HELPDESK_CHANNEL: 'C0HELPDESK' }).message, /SLACK_HELPDESK_CHANNEL: needs SLACK_SIGNING_SECRET/);
  });

  it('protected-members cache: 60 s by default, 0 turns it off, nonsense is named', () => {
    assert.equal(load({}).protectedMembersCacheTtlMs, 60_000);
    assert.equal(load({ LOCKOUT_PROTECTED_CACHE_TTL: '0' }).protectedMembersCacheTtlMs, 0);
    assert.equal(describeConfig(load({ LOCKOUT_PROTECTED_CACHE_TTL: '5m' })).protectedMembersCacheTtlMs, 300_000);
    assert.match(problemsOf({ LOCKOUT_PROTECTED_CACHE_TTL: 'soon' }).message, /LOCKOUT_PROTECTED_CACHE_TTL/);
  });

  it('parses durations', () => {
    assert.equal(parseDurationMs('30s'), 30_000);
    assert.equal(parseDurationMs('1.5m'), 90_000);
    assert.equal(parseDurationMs('250'), 250);
    assert.equal(parseDurationMs('soon'), undefined);
  });

  it('observability, DPoP and codec settings: defaults, switches, bad values named', () => {
    const d = load({});
    assert.deepEqual(d.observability, { health: { host: '0.0.0.0', port: 9464 }, metrics: true, serviceName: 'okta-account-access-worker' });
    assert.deepEqual(d.selfService.codecServer.corsOrigins, ['http://localhost:8233', 'http://127.0.0.1:8233']);
    assert.deepEqual(load({ TEMPORAL_DEV_UI_PORT: '18433' }).selfService.codecServer.corsOrigins, ['http://localhost:18433', 'http://127.0.0.1:18433']);
    assert.deepEqual(load({ CODEC_SERVER_CORS_ORIGINS: 'https://ui.example', TEMPORAL_DEV_UI_PORT: '18433' }).selfService.codecServer.corsOrigins, ['https://ui.example']);
    const traced = load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', WORKER_METRICS: 'false', WORKER_HEALTH_PORT: '0' });
    assert.equal(traced.observability.tracesEndpoint, 'http://collector:4318/v1/traces');
    assert.equal(traced.observability.metrics, false);
    assert.equal(load({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c.example/t?token=abc' }).observability.tracesEndpoint, 'https://c.example/t?token=abc');
    assert.equal(JSON.stringify(describeConfig(load({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c.example/t?token=abc' }))).includes('abc'), false);
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';
    const oauth = (dpop?: string) => load({ OKTA_ORG_URL: 'https://acme.okta.com', OKTA_CLIENT_ID: '0oa1', OKTA_PRIVATE_KEY: pem, ...(dpop ? { OKTA_DPOP: dpop } : {}) }).okta?.auth;
    assert.deepEqual([oauth(), oauth('true'), oauth('false')].map((a) => a?.kind === 'oauth' && a.dpop), ['auto', 'on', 'off']);
    const bad = problemsOf({ OKTA_DPOP: 'maybe', WORKER_HEALTH_PORT: '70000', OTEL_EXPORTER_OTLP_ENDPOINT: 'javascript:alert(1)', CODEC_SERVER_ALLOWED_HOSTS: 'ok.example,bad host' });
    for (const name of ['OKTA_DPOP', 'WORKER_HEALTH_PORT', 'OTEL_EXPORTER_OTLP_ENDPOINT']) assert.match(bad.message, new RegExp(name));
    assert.match(problemsOf({ CODEC_SERVER_ALLOWED_HOSTS: 'ok.example,bad host' }).message, /CODEC_SERVER_ALLOWED_HOSTS/);
  });

  it('paces a storm at the Okta rate\'s worth unless told otherwise; blank is unset, 0 is unpaced, nonsense refused', () => {
    assert.equal(load({ OKTA_MAX_REQUESTS_PER_SECOND: '25' }).lockout.stormStartsPerSecond, 12.5);
    assert.equal(load({ OKTA_MAX_REQUESTS_PER_SECOND: '25', LOCKOUT_STORM_STARTS_PER_SECOND: '' }).lockout.stormStartsPerSecond, 12.5);
    assert.equal(load({ LOCKOUT_STORM_STARTS_PER_SECOND: '7' }).lockout.stormStartsPerSecond, 7);
    assert.equal(load({ LOCKOUT_STORM_STARTS_PER_SECOND: '0' }).lockout.stormStartsPerSecond, undefined);
    assert.equal(load({ OKTA_MAX_REQUESTS_PER_SECOND: '0.001' }).lockout.stormStartsPerSecond, 0.01);
    for (const bad of ['fast', '0.00001', '-1', '20000']) assert.match(problemsOf({ LOCKOUT_STORM_STARTS_PER_SECOND: bad }).message, /LOCKOUT_STORM_STARTS_PER_SECOND/, bad);
  });

  it('leaves the workflow cache to the heap limit unless a size is set; blank is unset, nonsense refused', () => {
    assert.equal(load({}).workerMaxCachedWorkflows, undefined);
    assert.equal(load({ WORKER_MAX_CACHED_WORKFLOWS: ' ' }).workerMaxCachedWorkflows, undefined);
    assert.equal(load({ WORKER_MAX_CACHED_WORKFLOWS: '80' }).workerMaxCachedWorkflows, 80);
    for (const bad of ['many', '1', '2.5', '1000000']) assert.match(problemsOf({ WORKER_MAX_CACHED_WORKFLOWS: bad }).message, /WORKER_MAX_CACHED_WORKFLOWS/, bad);
  });
});
