/**
 * The notifier port: how the product talks to an employee in chat. The workflow decides *what* to
 * say; a notifier decides *how* it reaches the person (a log line, a chat frontend's webhook...).
 */
import { createHmac } from 'node:crypto';
import { got, HTTPError, RequestError } from 'got';

export type NotificationKind =
  | 'lockout-unlocked'
  | 'lockout-ask-user'
  | 'lockout-ask-expired'
  | 'lockout-declined'
  | 'lockout-notify-only'
  /** The unlock could not be done (Okta refused or stayed unreachable): the user is told to ask the helpdesk. */
  | 'lockout-failed'
  /** Locked again and again within one episode: left locked, the user is told what to fix. */
  | 'lockout-relock-loop'
  /** An unlock policy kept the account locked (storm, protected account awaiting approval, threat sent to the helpdesk). */
  | 'lockout-held'
  /** Locked out too often across episodes: not unlocked again, the user is told what to fix. */
  | 'lockout-relock-stop'
  /** To the helpdesk: a protected or suspicious account waits for an approval (`decideApproval`). */
  | 'lockout-approval-request'
  /** To the helpdesk: the storm breaker tripped; new lockouts are no longer unlocked automatically. */
  | 'lockout-storm'
  | 'self-service';

export interface UserNotification {
  kind: NotificationKind;
  /** Okta user ID and login of the person to tell. */
  userId: string;
  login?: string;
  /** Plain-language text a chat frontend can show as is. */
  text: string;
  /** The workflow this is about, so a frontend can send replies (e.g. an unlock "yes") back. */
  workflowId: string;
  /** Machine-readable extras (e.g. the reply options). Never credentials. */
  data?: Record<string, unknown>;
}

export interface Notifier {
  readonly name: string;
  notify(notification: UserNotification): Promise<void>;
}

export interface NotifierLogger {
  info(message: string, meta?: Record<string, unknown>): void;
}

/** Default: one structured log line per notification (for demos and for log-based chat bridges). */
export class LogNotifier implements Notifier {
  readonly name = 'log';
  constructor(private readonly logger: NotifierLogger) {}
  async notify(n: UserNotification): Promise<void> {
    this.logger.info('notify user', { kind: n.kind, userId: n.userId, login: n.login, workflowId: n.workflowId, text: n.text });
  }
}

export const SIGNATURE_HEADER = 'x-okta-access-signature';

/**
 * Signs `${timestamp}.${body}` with HMAC-SHA256, Stripe-style (`t=...,v1=...`), so the receiver can
 * check both who sent it and that it is fresh (reject old timestamps to stop replays).
 */
export function signWebhookBody(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/** What a receiver runs: true when the signature matches and is at most `toleranceSeconds` old. */
export function verifyWebhookSignature(secret: string, body: string, header: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isFinite(t) || !parts.v1 || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = signWebhookBody(secret, body, t).split('v1=')[1] ?? '';
  if (expected.length !== parts.v1.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ parts.v1.charCodeAt(i);
  return diff === 0;
}

export class WebhookDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'WebhookDeliveryError';
  }
}

/** POSTs the notification as JSON to a chat frontend, signed so it can verify the sender. */
export class WebhookNotifier implements Notifier {
  readonly name = 'webhook';
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly timeoutMs = 5_000,
    private readonly nowSeconds = () => Math.floor(Date.now() / 1000),
  ) {}

  async notify(n: UserNotification): Promise<void> {
    const body = JSON.stringify({ type: 'okta-account-access.notification', ...n });
    try {
      await got.post(this.url, {
        body,
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhookBody(this.secret, body, this.nowSeconds()) },
        timeout: { request: this.timeoutMs },
        retry: { limit: 0 },
      });
    } catch (err) {
      // Only the status or error code: got errors carry request options we do not want in history.
      if (err instanceof HTTPError) {
        const status = err.response.statusCode;
        throw new WebhookDeliveryError(`webhook answered ${status}`, status >= 500 || status === 429 || status === 408);
      }
      if (err instanceof RequestError) throw new WebhookDeliveryError(`webhook unreachable (${err.code})`, true);
      throw new WebhookDeliveryError('webhook delivery failed', true);
    }
  }
}
