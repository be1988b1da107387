import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createNotifyActivities, NotifyFailureType } from '../../activities/notify/activities.js';
import { SIGNATURE_HEADER, WebhookNotifier, signWebhookBody, verifyWebhookSignature, type UserNotification } from '../../activities/notify/notifier.js';

const SECRET = 'a-webhook-secret-of-some-length';
const notification: UserNotification = {
  kind: 'lockout-unlocked',
  userId: '00u1',
  login: 'alice@example.com',
  text: 'Your Okta account is unlocked.',
  workflowId: 'lockout/00u1',
};

/** A chat frontend stand-in that verifies signatures the way a real receiver would. */
function chatFrontend(status: () => number) {
  const received: { body: string; verified: boolean }[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const header = String(req.headers[SIGNATURE_HEADER] ?? '');
      received.push({ body, verified: verifyWebhookSignature(SECRET, body, header, Math.floor(Date.now() / 1000)) });
      res.writeHead(status()).end();
    });
  });
  return { server, received };
}

describe('webhook notifier', () => {
  let status = 200;
  const frontend = chatFrontend(() => status);
  let url = '';
  before(async () => {
    await new Promise<void>((resolve) => frontend.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(frontend.server.address() as AddressInfo).port}/hooks/okta-access`;
  });
  after(() => new Promise<void>((resolve) => frontend.server.close(() => resolve())));

  it('POSTs JSON signed with HMAC-SHA256 that the receiver can verify', async () => {
    status = 200;
    await new WebhookNotifier(url, SECRET).notify(notification);
    const last = frontend.received.at(-1)!;
    assert.equal(last.verified, true);
    assert.equal(JSON.parse(last.body).text, notification.text);
  });

  it('a wrong secret, a tampered body or an old timestamp does not verify', () => {
    const body = JSON.stringify(notification);
    const now = 1_800_000_000;
    const header = signWebhookBody(SECRET, body, now);
    assert.equal(verifyWebhookSignature(SECRET, body, header, now), true);
    assert.equal(verifyWebhookSignature('another-secret-value', body, header, now), false);
    assert.equal(verifyWebhookSignature(SECRET, body.replace('alice', 'mallory'), header, now), false);
    assert.equal(verifyWebhookSignature(SECRET, body, header, now + 3600), false);
  });

  it('notifyUser: a 5xx is retryable, a 4xx is not, and neither leaks the URL or secret', async () => {
    const env = new MockActivityEnvironment();
    const { notifyUser } = createNotifyActivities(new WebhookNotifier(url, SECRET));
    for (const [code, retryable] of [[503, true], [400, false]] as const) {
      status = code;
      await assert.rejects(env.run(notifyUser, notification), (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure);
        assert.equal(err.type, NotifyFailureType.Undeliverable);
        assert.equal(err.nonRetryable, !retryable);
        assert.doesNotMatch(JSON.stringify({ m: err.message, d: err.details }), new RegExp(`${SECRET}|hooks/okta-access`));
        return true;
      });
    }
  });
});
