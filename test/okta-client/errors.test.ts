import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  OktaApiError,
  OktaConfigError,
  OktaFailureType,
  OktaResponseShapeError,
  OktaUnavailableError,
  RATE_LIMIT_MAX_DELAY_MS,
  redactSecrets,
  toApplicationFailure,
} from '../../activities/okta/errors.js';
import { createOktaActivities } from '../../activities/okta-activities.js';
import type { OktaClient } from '../../activities/okta/client.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const noJitter = { now: NOW, random: () => 0 };

function apiError(status: number, extra: Partial<ConstructorParameters<typeof OktaApiError>[0]> = {}): OktaApiError {
  return new OktaApiError({ status, method: 'GET', path: '/api/v1/users/00u1', errorCode: 'E0000000', errorId: 'oaeX', ...extra });
}

function delayMs(f: ApplicationFailure): number | undefined {
  const d = f.nextRetryDelay;
  return d === undefined || d === null ? undefined : Number(d);
}

test('429 → retryable OktaRateLimited with nextRetryDelay = reset - now (+ jitter)', () => {
  const err = apiError(429, { errorCode: 'E0000047', rateLimitResetEpochSeconds: NOW / 1000 + 17 });
  const f = toApplicationFailure(err, noJitter);
  assert.equal(f.type, OktaFailureType.RateLimited);
  assert.equal(f.nonRetryable, false);
  assert.equal(delayMs(f), 17_000);
  const jittered = toApplicationFailure(err, { now: NOW, random: () => 0.5 });
  assert.ok(delayMs(jittered)! > 17_000 && delayMs(jittered)! <= 18_000);
});

test('429 delay is at least 1 s and capped', () => {
  const past = toApplicationFailure(apiError(429, { rateLimitResetEpochSeconds: NOW / 1000 - 30 }), noJitter);
  assert.equal(delayMs(past), 1_000);
  const far = toApplicationFailure(apiError(429, { rateLimitResetEpochSeconds: NOW / 1000 + 3600 }), noJitter);
  assert.equal(delayMs(far), RATE_LIMIT_MAX_DELAY_MS);
  const none = toApplicationFailure(apiError(429), noJitter);
  assert.ok(delayMs(none)! >= 1_000 && delayMs(none)! <= RATE_LIMIT_MAX_DELAY_MS);
});

test('429 delay uses Okta clock (Date header) when no clock is injected', () => {
  const serverNow = Date.now() - 3_600_000; // our clock is an hour ahead of Okta's
  const err = apiError(429, { rateLimitResetEpochSeconds: Math.floor(serverNow / 1000) + 10, serverDateEpochMs: Math.floor(serverNow / 1000) * 1000 });
  const d = delayMs(toApplicationFailure(err, { random: () => 0 }))!;
  assert.equal(d, 10_000);
});

test('5xx → retryable OktaServerError', () => {
  const f = toApplicationFailure(apiError(500, { errorCode: 'E0000009' }));
  assert.equal(f.type, OktaFailureType.ServerError);
  assert.equal(f.nonRetryable, false);
});

test('4xx → non-retryable with errorCode and errorId in details', () => {
  const cases: [number, string][] = [
    [400, OktaFailureType.BadRequest],
    [401, OktaFailureType.Unauthorized],
    [403, OktaFailureType.Forbidden],
    [404, OktaFailureType.NotFound],
    [409, OktaFailureType.ClientError],
  ];
  for (const [status, type] of cases) {
    const f = toApplicationFailure(apiError(status, { errorCode: 'E0000007', errorId: 'oaeAbc', errorSummary: 'Not found: x' }));
    assert.equal(f.type, type);
    assert.equal(f.nonRetryable, true);
    assert.deepEqual(f.details?.[0], {
      status,
      errorCode: 'E0000007',
      errorId: 'oaeAbc',
      errorSummary: 'Not found: x',
      method: 'GET',
      path: '/api/v1/users/00u1',
    });
  }
});

test('connection errors and timeouts → retryable OktaUnavailable', () => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT']) {
    const f = toApplicationFailure(new OktaUnavailableError(code, 'GET', '/api/v1/logs'));
    assert.equal(f.type, OktaFailureType.Unavailable);
    assert.equal(f.nonRetryable, false);
    assert.match(f.message, new RegExp(code));
  }
});

test('shape and config errors are non-retryable', () => {
  const shape = toApplicationFailure(new OktaResponseShapeError('events[3].actor.id: expected string', 'GET', '/api/v1/logs'));
  assert.equal(shape.type, OktaFailureType.ResponseShape);
  assert.equal(shape.nonRetryable, true);
  assert.match(shape.message, /events\[3\]\.actor\.id: expected string/);
  const config = toApplicationFailure(new OktaConfigError('OKTA_PRIVATE_KEY is not a valid PKCS#8/PEM private key'));
  assert.equal(config.type, OktaFailureType.ConfigInvalid);
  assert.equal(config.nonRetryable, true);
});

test('secrets never survive into the failure', () => {
  const token = '00abcDEFsecretTOKEN123';
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl';
  const unexpected = new Error(`boom SSWS ${token} Bearer ${jwt} client_assertion=${jwt} https://x.okta.com/reset_password/XE6wE17zmph`);
  const failures = [
    toApplicationFailure(unexpected),
    toApplicationFailure(apiError(401, { errorSummary: `Invalid token SSWS ${token} ${jwt}` })),
  ];
  for (const f of failures) {
    const text = JSON.stringify({ message: f.message, details: f.details, type: f.type, stack: f.stack, cause: f.cause });
    assert.ok(!text.includes(token), text);
    assert.ok(!text.includes(jwt), text);
    assert.ok(!text.includes('XE6wE17zmph'), text);
    assert.equal(f.cause, undefined);
  }
  assert.equal(toApplicationFailure(failures[0]), failures[0], 'ApplicationFailure passes through');
  assert.doesNotMatch(redactSecrets('-----BEGIN PRIVATE KEY-----\nMIIabc\n-----END PRIVATE KEY-----'), /MIIabc/);
});

function fakeClient(impl: Partial<Record<keyof OktaClient, (...args: never[]) => unknown>>): OktaClient {
  return impl as unknown as OktaClient;
}

test('activities in a MockActivityEnvironment: normal outcomes are values, errors are failures', async () => {
  const env = new MockActivityEnvironment();
  const acts = createOktaActivities(
    fakeClient({
      getUser: async () => {
        throw apiError(404, { errorCode: 'E0000007' });
      },
      unlockUser: async () => {
        throw apiError(403, { errorCode: 'E0000032' });
      },
      deleteFactor: async () => {
        throw apiError(404, { errorCode: 'E0000007' });
      },
      resetFactors: async () => {
        throw apiError(429, { errorCode: 'E0000047', rateLimitResetEpochSeconds: Math.floor(Date.now() / 1000) + 5 });
      },
      listLogEvents: async () => ({ events: [], nextUrl: undefined }),
    }),
  );
  assert.equal(await env.run(acts.oktaGetUser, '00u404'), null);
  assert.deepEqual(await env.run(acts.oktaUnlockUser, '00u1'), { outcome: 'not-locked' });
  assert.deepEqual(await env.run(acts.oktaDeleteFactor, '00u1', 'f1'), { outcome: 'already-gone' });
  await assert.rejects(env.run(acts.oktaResetFactors, '00u1'), (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, OktaFailureType.RateLimited);
    assert.ok(delayMs(err)! >= 1_000 && delayMs(err)! <= 7_000);
    return true;
  });
  await assert.rejects(env.run(acts.oktaReadLogPage, { since: '2026-01-01T00:00:00Z', filter: '', limit: 10 }), (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, OktaFailureType.ResponseShape);
    assert.equal(err.nonRetryable, true);
    return true;
  });
});

test('other 403s and 404s stay failures', async () => {
  const env = new MockActivityEnvironment();
  const acts = createOktaActivities(
    fakeClient({
      getUser: async () => {
        throw apiError(404, { errorCode: 'E0000008' });
      },
      unlockUser: async () => {
        throw apiError(403, { errorCode: 'E0000006' });
      },
    }),
  );
  await assert.rejects(env.run(acts.oktaGetUser, 'x'), { type: OktaFailureType.NotFound });
  await assert.rejects(env.run(acts.oktaUnlockUser, 'x'), { type: OktaFailureType.Forbidden, nonRetryable: true });
});
