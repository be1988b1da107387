/**
 * A stand-in for Slack on loopback: answers the Web API methods the app calls (WebClient's
 * `slackApiUrl` points here) and `response_url` posts, and records every call. Plus a signer that
 * sends requests to the app the way Slack does (v0 HMAC-SHA256 over `v0:{timestamp}:{body}`).
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
}

export interface SlackMember {
  email?: string;
  isBot?: boolean;
}

export interface FakeSlack {
  apiUrl: string;
  /** Web API calls (`chat.postMessage`...), in order. */
  calls: SlackCall[];
  /** Posts to response URLs: `url` is the one handed out by `responseUrl()`. */
  responses: { url: string; body: Record<string, unknown> }[];
  members: Map<string, SlackMember>;
  responseUrl(): string;
  callsOf(method: string): SlackCall[];
  close(): Promise<void>;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const responses: FakeSlack['responses'] = [];
  const members = new Map<string, SlackMember>();
  let ts = 0;
  let responseN = 0;

  function answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, team_id: 'T0TEAM', user_id: 'UBOT0000', bot_id: 'BBOT0000' };
      case 'users.info': {
        const m = members.get(String(args.user));
        return m ? { ok: true, user: { id: args.user, is_bot: m.isBot ?? false, profile: m.email ? { email: m.email } : {} } } : { ok: false, error: 'user_not_found' };
      }
      case 'users.lookupByEmail': {
        const found = [...members].find(([, m]) => m.email === args.email);
        return found ? { ok: true, user: { id: found[0] } } : { ok: false, error: 'users_not_found' };
      }
      case 'chat.postMessage':
        return { ok: true, channel: args.channel, ts: `1700000000.${String(++ts).padStart(6, '0')}` };
      default:
        return { ok: true };
    }
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '';
      if (path.startsWith('/respond/')) {
        responses.push({ url: path, body: JSON.parse(raw) as Record<string, unknown> });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      const method = path.replace(/^\/api\//, '').split('?')[0]!;
      const args = parseArgs(raw, String(req.headers['content-type'] ?? ''));
      calls.push({ method, args });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(method, args)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: `${base}/api/`,
    calls,
    responses,
    members,
    responseUrl: () => `${base}/respond/${++responseN}`,
    callsOf: (method) => calls.filter((c) => c.method === method),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** WebClient sends form fields, with objects (blocks) as JSON strings. */
function parseArgs(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('json')) return JSON.parse(raw || '{}') as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    try {
      out[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

/** The buttons of a message's first actions block. */
export function buttonsOf(blocks: unknown): { action_id: string; value: string; text: { text: string } }[] {
  const list = (blocks ?? []) as { type: string; elements?: { action_id: string; value: string; text: { text: string } }[] }[];
  return list.find((b) => b.type === 'actions')?.elements ?? [];
}

// ---- requests as Slack sends them ------------------------------------------------------------

export interface SignOptions {
  secret: string;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** false: send without signature headers. */
  sign?: boolean;
}

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export async function postToSlackApp(url: string, body: string, contentType: string, opts: SignOptions): Promise<{ status: number; text: string }> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { 'content-type': contentType };
  if (opts.sign !== false) {
    headers['x-slack-request-timestamp'] = String(timestamp);
    headers['x-slack-signature'] = slackSignature(opts.secret, timestamp, body);
  }
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}

let trigger = 0;
export const triggerId = () => `${Date.now()}.${++trigger}.abcdef0123456789`;

export function commandBody(fields: { userId: string; text: string; responseUrl: string; channelId?: string }): string {
  return new URLSearchParams({
    token: 'legacy-verification-token-unused',
    team_id: 'T0TEAM',
    team_domain: 'acme',
    channel_id: fields.channelId ?? 'C0GENERAL',
    channel_name: 'general',
    user_id: fields.userId,
    user_name: fields.userId.toLowerCase(),
    command: '/okta',
    text: fields.text,
    api_app_id: 'A0APP',
    response_url: fields.responseUrl,
    trigger_id: triggerId(),
  }).toString();
}

/** What every interaction payload carries: the workspace, the person, a fresh trigger. */
function interactionFrom(userId: string) {
  return {
    team: { id: 'T0TEAM', domain: 'acme' },
    user: { id: userId, username: userId.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token-unused',
    trigger_id: triggerId(),
  };
}

/** A block_actions payload: a button click on a message. */
export function buttonClickBody(fields: {
  userId: string;
  actionId: string;
  value: string;
  responseUrl?: string;
  channelId?: string;
  messageTs?: string;
}): string {
  const payload = {
    type: 'block_actions',
    ...interactionFrom(fields.userId),
    container: { type: 'message', message_ts: fields.messageTs ?? '1700000000.000001', channel_id: fields.channelId ?? 'D0DM' },
    channel: { id: fields.channelId ?? 'D0DM', name: 'directmessage' },
    message: { type: 'message', ts: fields.messageTs ?? '1700000000.000001', text: '' },
    ...(fields.responseUrl ? { response_url: fields.responseUrl } : {}),
    actions: [{ type: 'button', action_id: fields.actionId, block_id: 'b', value: fields.value, action_ts: `${Date.now() / 1000}` }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A view_submission payload: a modal submitted, with its text inputs (block ID = action ID). */
export function viewSubmissionBody(fields: { userId: string; callbackId: string; privateMetadata: string; inputs: Record<string, string> }): string {
  const values = Object.fromEntries(Object.entries(fields.inputs).map(([id, value]) => [id, { [id]: { type: 'plain_text_input', value } }]));
  const payload = {
    type: 'view_submission',
    ...interactionFrom(fields.userId),
    view: { id: 'V0MODAL', team_id: 'T0TEAM', type: 'modal', callback_id: fields.callbackId, private_metadata: fields.privateMetadata, state: { values }, hash: 'h', blocks: [] },
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function eventBody(event: Record<string, unknown>): string {
  return JSON.stringify({ token: 'unused', team_id: 'T0TEAM', api_app_id: 'A0APP', type: 'event_callback', event_id: `Ev${Date.now()}`, event_time: Math.floor(Date.now() / 1000), event });
}
