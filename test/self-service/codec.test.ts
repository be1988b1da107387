import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { startCodecServer, type RunningCodecServer } from '../../client/codec-server.js';
import { AesGcmPayloadCodec, payloadToJson } from '../../client/payload-codec.js';

const oldKey = { id: 'k-2025', key: randomBytes(32) };
const newKey = { id: 'k-2026', key: randomBytes(32) };
const secret = 'https://acme.okta.com/reset_password/SECRET-TOKEN-123';

describe('payload codec (AES-256-GCM)', () => {
  it('encrypts with the first key and names it; decodes with any known key (rotation)', async () => {
    const before = new AesGcmPayloadCodec([oldKey]);
    const [sealed] = await before.encode([defaultPayloadConverter.toPayload({ resetPasswordUrl: secret })]);
    assert.equal(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString(), 'k-2025');
    assert.equal(Buffer.from(sealed!.data!).toString('latin1').includes('SECRET-TOKEN'), false);
    const rotated = new AesGcmPayloadCodec([newKey, oldKey]);
    const [opened] = await rotated.decode([sealed!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(opened!), { resetPasswordUrl: secret });
    const [resealed] = await rotated.encode([opened!]);
    assert.equal(Buffer.from(resealed!.metadata!['encryption-key-id']!).toString(), 'k-2026');
  });

  it('refuses unknown keys and tampered data without echoing the payload', async () => {
    const codec = new AesGcmPayloadCodec([oldKey]);
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(secret)]);
    await assert.rejects(new AesGcmPayloadCodec([newKey]).decode([sealed!]), /unknown key ID "k-2025"/);
    const tampered = { ...sealed!, data: Uint8Array.from(sealed!.data!, (b, i) => (i === 20 ? b ^ 1 : b)) };
    await assert.rejects(codec.decode([tampered]), (err: Error) => /tampered or wrong key/.test(err.message) && !err.message.includes('SECRET'));
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, 'encryption-key-id': new TextEncoder().encode('k-2026') } };
    await assert.rejects(new AesGcmPayloadCodec([oldKey, { id: 'k-2026', key: oldKey.key }]).decode([relabelled]), /tampered or wrong key/);
    const plain = defaultPayloadConverter.toPayload('not encrypted');
    assert.deepEqual(await codec.decode([plain]), [plain], 'unencrypted payloads pass through');
  });
});

describe('codec server for the Web UI', () => {
  const token = 'codec-operator-token-0123456789';
  const codec = new AesGcmPayloadCodec([newKey]);
  let server: RunningCodecServer;
  before(async () => {
    server = await startCodecServer({ codec, token, corsOrigins: ['http://localhost:8233'], port: 0 });
  });
  after(async () => server?.close());

  it('answers CORS preflights for the UI origin only', async () => {
    const ok = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:8233', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace,authorization' } });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:8233');
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /X-Namespace/i);
    const evil = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } });
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
  });

  it('decodes only for operators with the token (remote codec protocol)', async () => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(secret)]);
    const body = JSON.stringify({ payloads: [payloadToJson(sealed!)] });
    const anonymous = await fetch(`${server.url}/decode`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    assert.equal(anonymous.status, 401);
    assert.equal((await anonymous.text()).includes('SECRET'), false);
    const res = await fetch(`${server.url}/default/decode`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', Authorization: `Bearer ${token}` }, body });
    assert.equal(res.status, 200);
    const { payloads } = (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    assert.equal(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString(), 'json/plain');
    assert.equal(JSON.parse(Buffer.from(payloads[0]!.data, 'base64').toString()), secret);
    const enc = await fetch(`${server.url}/encode`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify({ payloads }) });
    const encoded = (await enc.json()) as { payloads: { metadata: Record<string, string> }[] };
    assert.equal(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString(), 'binary/encrypted');
    assert.equal((await fetch(`${server.url}/decode`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{"payloads": 3}' })).status, 400);
  });

  const json = { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` };

  it('answers a request with no payloads (empty list or none) with an empty list', async () => {
    for (const body of ['{"payloads":[]}', '{}', '']) {
      const res = await fetch(`${server.url}/decode`, { method: 'POST', headers: json, body });
      assert.equal(res.status, 200, body);
      assert.deepEqual(await res.json(), { payloads: [] });
    }
  });

  it('accepts only application/json, so a cross-site form or text/plain POST cannot skip the CORS preflight', async () => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(secret)]);
    const body = JSON.stringify({ payloads: [payloadToJson(sealed!)] });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
      const res = await fetch(`${server.url}/decode`, { method: 'POST', headers: { ...json, 'Content-Type': type }, body });
      assert.equal(res.status, 415, type);
      assert.equal((await res.text()).includes('SECRET'), false);
    }
    const ok = await fetch(`${server.url}/decode`, { method: 'POST', headers: { ...json, 'Content-Type': 'application/json; charset=utf-8' }, body });
    assert.equal(ok.status, 200);
  });

  it('answers only to its own Host names (DNS rebinding), and serves /livez to probes', async () => {
    const { request } = await import('node:http');
    const call = (host: string, path = '/decode') =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${server.url}${path}`, { method: path === '/livez' ? 'GET' : 'POST', headers: { ...json, Host: host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end('{"payloads":[]}');
      });
    const port = new URL(server.url).port;
    assert.equal(await call(`127.0.0.1:${port}`), 200);
    assert.equal(await call(`localhost:${port}`), 200);
    assert.equal(await call(`evil.example:${port}`), 421);
    assert.equal(await call(`localhost:${Number(port) + 1}`), 421);
    assert.equal(await call('evil.example', '/livez'), 200);
  });

  it('takes the token as a path prefix too (the dev Web UI cannot send headers), refusing a wrong one', async () => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(secret)]);
    const body = JSON.stringify({ payloads: [payloadToJson(sealed!)] });
    const headers = { 'Content-Type': 'application/json', 'X-Namespace': 'default' };
    const ok = await fetch(`${server.url}/t/${token}/decode`, { method: 'POST', headers, body });
    assert.equal(ok.status, 200);
    const wrong = await fetch(`${server.url}/t/${token}x/decode`, { method: 'POST', headers, body });
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.text()).includes('SECRET'), false);
  });

  it('will not listen beyond loopback without a token', async () => {
    await assert.rejects(startCodecServer({ codec, corsOrigins: [], host: '0.0.0.0' }), /CODEC_SERVER_TOKEN is required/);
  });
});
