/**
 * Client behaviour that the (faithful) simulator cannot produce: malformed bodies, dead sockets,
 * exact request headers and the client assertion's claims. Uses a tiny node:http server per test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify } from 'jose';
import { createOktaClient } from '../../activities/okta/client.js';
import { OktaConfigError, OktaFailureType, OktaResponseShapeError, OktaUnavailableError, toApplicationFailure } from '../../activities/okta/errors.js';
import { nextLink, type RequestLogLine } from '../../activities/okta/http.js';
import type { OktaConnection } from '../../activities/okta/config.js';
import { factorDisplayName } from '../../activities/okta-activities.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function withServer(handler: Handler, fn: (url: string) => Promise<void>): Promise<void> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

const TOKEN = '00sswsSECRETtoken_abc';
const ssws = (orgUrl: string, requestTimeoutMs = 2_000): OktaConnection => ({ orgUrl, auth: { kind: 'ssws', token: TOKEN }, requestTimeoutMs });

const event = (i: number) => ({
  uuid: `u${i}`,
  published: '2026-01-01T00:00:00.000Z',
  eventType: 'user.account.lock',
  actor: { id: `00u${i}`, type: 'User', alternateId: 'a@example.com', displayName: 'A' },
  target: null,
});

test('a malformed event is dropped and reported by field path; a malformed page is an OktaResponseShapeError', async () => {
  let calls = 0;
  await withServer(
    (_req, res) => {
      calls += 1;
      const body = calls === 1 ? [event(0), event(1), event(2), { ...event(3), actor: { type: 'User' } }] : { events: 'not a list' };
      json(res, 200, body, { link: '<http://x/api/v1/logs?after=1>; rel="next"' });
    },
    async (url) => {
      const client = createOktaClient(ssws(url));
      // One odd event must not wedge the poller's cursor: the rest of the page is still usable.
      const page = await client.listLogEvents({ since: '2026-01-01T00:00:00Z' });
      assert.equal(page.events.length, 3);
      assert.equal(page.malformed.length, 1);
      assert.equal(page.malformed[0]?.index, 3);
      assert.match(page.malformed[0]?.problem ?? '', /^events\[3\]\.actor\.id: expected string/);
      await assert.rejects(client.listLogEvents({ since: '2026-01-01T00:00:00Z' }), (err: unknown) => {
        assert.ok(err instanceof OktaResponseShapeError);
        assert.match(err.problem, /^events: expected array/);
        const f = toApplicationFailure(err);
        assert.equal(f.type, OktaFailureType.ResponseShape);
        assert.equal(f.nonRetryable, true);
        return true;
      });
    },
  );
});

test('non-JSON 200 body and missing reset URL are shape errors that never echo the body', async () => {
  await withServer(
    (req, res) => {
      if (req.url?.includes('reset_password')) return json(res, 200, { resetPasswordLink: 'https://x/reset_password/SECRETOTT' });
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    },
    async (url) => {
      const client = createOktaClient(ssws(url));
      await assert.rejects(client.getUser('00u1'), /user: body is not JSON/);
      await assert.rejects(client.resetPassword('00u1', { revokeSessions: true }), (err: unknown) => {
        assert.ok(err instanceof OktaResponseShapeError);
        assert.match(err.problem, /body\.resetPasswordUrl: expected string/);
        assert.ok(!JSON.stringify(toApplicationFailure(err)).includes('SECRETOTT'));
        return true;
      });
    },
  );
});

test('request headers, query building, escaping, and log lines without secrets or queries', async () => {
  const seen: { url: string; headers: IncomingMessage['headers'] }[] = [];
  const lines: RequestLogLine[] = [];
  await withServer(
    (req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      if (req.url?.startsWith('/api/v1/users?filter')) return json(res, 200, []);
      if (req.url?.startsWith('/api/v1/users?search')) {
        return json(res, 200, [{ id: '00u1', status: 'ACTIVE', profile: { login: 'a@example.com', email: 'a"b@example.com' } }]);
      }
      json(res, 200, [], { link: [`<${'http://' + req.headers.host}/api/v1/logs?after=abc&limit=5>; rel="next"`, '<http://x/self>; rel="self"'] });
    },
    async (url) => {
      const client = createOktaClient(ssws(url), { logger: (l) => lines.push(l) });
      const user = await client.findUserByLoginOrEmail('a"b@example.com');
      assert.equal(user?.id, '00u1');
      const page = await client.listLogEvents({ since: '2026-01-01T00:00:00Z', filter: 'eventType eq "user.account.lock"', limit: 5 });
      assert.equal(page.nextUrl, `${url}/api/v1/logs?after=abc&limit=5`);
      assert.deepEqual(page.events, []);
    },
  );
  const filter = new URL(seen[0]!.url, 'http://x').searchParams.get('filter');
  assert.equal(filter, 'profile.login eq "a\\"b@example.com"');
  assert.equal(new URL(seen[1]!.url, 'http://x').searchParams.get('search'), 'profile.email eq "a\\"b@example.com"');
  const logs = new URL(seen[2]!.url, 'http://x').searchParams;
  assert.equal(logs.get('sortOrder'), 'ASCENDING');
  assert.equal(logs.get('until'), null);
  assert.equal(logs.get('limit'), '5');
  const h = seen[0]!.headers;
  assert.equal(h.authorization, `SSWS ${TOKEN}`);
  assert.equal(h.accept, 'application/json');
  assert.match(h['user-agent'] ?? '', /okta-account-access/);
  assert.equal(lines.length, 3);
  for (const line of lines) {
    assert.ok(!line.path.includes('?'));
    assert.ok(!JSON.stringify(line).includes(TOKEN));
    assert.equal(line.status, 200);
    assert.equal(typeof line.durationMs, 'number');
  }
});

test('nextUrl must point at the same org and the logs endpoint', async () => {
  const client = createOktaClient(ssws('https://acme.okta.com'));
  await assert.rejects(client.listLogEvents({ nextUrl: 'https://evil.example.com/api/v1/logs?after=1' }), OktaConfigError);
  await assert.rejects(client.listLogEvents({ nextUrl: 'https://acme.okta.com/api/v1/users?after=1' }), OktaConfigError);
  await assert.rejects(client.listLogEvents({ nextUrl: '/api/v1/logs?after=1' }), OktaConfigError);
});

test('Link header parsing handles several links and comma-joined values', () => {
  assert.equal(nextLink({ link: '<https://a/x?after=1>; rel="self", <https://a/x?after=2>; rel="next"' }), 'https://a/x?after=2');
  assert.equal(nextLink({ link: ['<https://a/x>; rel="self"', '<https://a/y?after=3&limit=2>; rel=next'] }), 'https://a/y?after=3&limit=2');
  assert.equal(nextLink({ link: '<https://a/x>; rel="self"' }), undefined);
  assert.equal(nextLink({}), undefined);
});

test('connection refused and timeouts → OktaUnavailable (retryable), no got internals', async () => {
  let port = 0;
  await withServer(() => undefined, async (url) => {
    port = Number(new URL(url).port);
    // A server that never answers: the request timeout fires.
    const client = createOktaClient(ssws(url, 150));
    await assert.rejects(client.getUser('00u1'), (err: unknown) => {
      assert.ok(err instanceof OktaUnavailableError);
      assert.equal(err.code, 'ETIMEDOUT');
      return true;
    });
  });
  const client = createOktaClient(ssws(`http://127.0.0.1:${port}`));
  await assert.rejects(client.unlockUser('00u1'), (err: unknown) => {
    assert.ok(err instanceof OktaUnavailableError);
    assert.equal(err.code, 'ECONNREFUSED');
    const f = toApplicationFailure(err);
    assert.equal(f.type, OktaFailureType.Unavailable);
    assert.equal(f.nonRetryable, false);
    assert.ok(!JSON.stringify(f).includes(TOKEN));
    assert.ok(!('options' in err));
    return true;
  });
});

test('socket hang up → OktaUnavailable', async () => {
  await withServer(
    (req) => req.socket.destroy(),
    async (url) => {
      await assert.rejects(createOktaClient(ssws(url)).listFactors('00u1'), (err: unknown) => {
        assert.ok(err instanceof OktaUnavailableError);
        assert.equal(toApplicationFailure(err).nonRetryable, false);
        return true;
      });
    },
  );
});

test('bad private key → clear non-retryable error at creation, key never echoed', () => {
  const pem = '-----BEGIN PRIVATE KEY-----\nTHISISNOTAKEYbutSECRETish\n-----END PRIVATE KEY-----';
  assert.throws(
    () => createOktaClient({ orgUrl: 'https://acme.okta.com', auth: { kind: 'oauth', clientId: '0oa1', privateKeyPem: pem, scopes: [] }, requestTimeoutMs: 1000 }),
    (err: unknown) => {
      assert.ok(err instanceof OktaConfigError);
      assert.match(err.message, /OKTA_PRIVATE_KEY is not a valid PKCS#8\/PEM private key/);
      assert.ok(!err.message.includes('SECRETish'));
      const f = toApplicationFailure(err);
      assert.equal(f.nonRetryable, true);
      assert.ok(!JSON.stringify(f).includes('SECRETish'));
      return true;
    },
  );
});

test('OAuth: private_key_jwt assertion claims, one shared token request, refresh before expiry', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  // PEM with literal "\n" as found in .env files.
  const pem = (await exportPKCS8(privateKey)).replace(/\n/g, '\\n');
  const verifyKey = await importSPKI(await exportSPKI(publicKey), 'ES256');
  let clock = Date.now();
  const tokenRequests: URLSearchParams[] = [];
  const assertions: { header: Record<string, unknown>; payload: Record<string, unknown> }[] = [];
  let origin = '';
  await withServer(
    (req, res, body) => {
      if (req.url === '/oauth2/v1/token') {
        const form = new URLSearchParams(body);
        tokenRequests.push(form);
        void jwtVerify(form.get('client_assertion') ?? '', verifyKey, { audience: `${origin}/oauth2/v1/token`, issuer: '0oaClient', subject: '0oaClient' }).then(
          ({ protectedHeader, payload }) => {
            assertions.push({ header: protectedHeader, payload });
            json(res, 200, { token_type: 'Bearer', expires_in: 3600, access_token: `at-${tokenRequests.length}`, scope: form.get('scope') });
          },
          () => json(res, 401, { error: 'invalid_client', error_description: 'bad assertion' }),
        );
        return;
      }
      assert.equal(req.headers.authorization, `Bearer at-${tokenRequests.length}`);
      json(res, 200, []);
    },
    async (url) => {
      origin = url;
      const client = createOktaClient(
        { orgUrl: url, auth: { kind: 'oauth', clientId: '0oaClient', privateKeyPem: pem, keyId: 'kid-1', scopes: [] }, requestTimeoutMs: 2000 },
        { now: () => clock },
      );
      await Promise.all([client.listFactors('a'), client.listFactors('b'), client.listUserGroups('c')]);
      await client.listFactors('d');
      assert.equal(tokenRequests.length, 1);
      clock += 3600_000 - 59_000; // inside the 60 s refresh margin
      await client.listFactors('e');
      assert.equal(tokenRequests.length, 2);
    },
  );
  const form = tokenRequests[0]!;
  assert.equal(form.get('grant_type'), 'client_credentials');
  assert.equal(form.get('scope'), 'okta.logs.read okta.users.read okta.users.manage');
  assert.equal(form.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  assert.equal(assertions.length, 2);
  const [a, b] = assertions;
  assert.equal(a!.header.alg, 'ES256');
  assert.equal(a!.header.kid, 'kid-1');
  assert.ok((a!.payload.exp as number) - (a!.payload.iat as number) <= 300);
  assert.notEqual(a!.payload.jti, b!.payload.jti);
});

test('factor display names are readable and masked', () => {
  const f = (factorType: string, provider: string, profile?: Record<string, unknown>) =>
    factorDisplayName({ id: 'f', factorType, provider, status: 'ACTIVE', profile });
  assert.equal(f('push', 'OKTA', { name: 'My iPhone' }), 'Okta Verify (push)');
  assert.equal(f('sms', 'OKTA', { phoneNumber: '+15554151234' }), 'SMS to +1 XXX-XXX-1234');
  assert.equal(f('sms', 'OKTA', { phoneNumber: '+447700900123' }), 'SMS to phone ending in 0123');
  assert.equal(f('token:software:totp', 'GOOGLE'), 'Google Authenticator');
  assert.equal(f('token:software:totp', 'OKTA'), 'Okta Verify (code)');
  assert.equal(f('email', 'OKTA', { email: 'jane.doe@example.com' }), 'Email to j***@example.com');
  assert.equal(f('webauthn', 'FIDO', { authenticatorName: 'MacBook Touch ID' }), 'MacBook Touch ID');
});
