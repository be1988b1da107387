/**
 * The product's notifications as Slack DMs. The worker's webhook notifier (NOTIFIER=webhook) posts
 * signed JSON here; each notification goes to the Slack member whose email is the Okta login
 * (users.lookupByEmail). The ask-user lockout question gets Yes/No buttons; a click sends the
 * `unlockReply` signal with the clicker's Slack-verified email, which the lockout workflow accepts
 * only from the locked-out user. Texts may carry a reset link for that user: never logged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App, BlockAction, ButtonAction, CustomRoute } from '@slack/bolt';
import { WorkflowNotFoundError } from '@temporalio/common';
import { z } from 'zod';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../../activities/notify/notifier.js';
import { replyToUnlockQuestion } from '../lockout-client.js';
import { errorKind, NO_VERIFIED_EMAIL, type SlackAppContext } from './context.js';
import { slackUserByEmail, verifiedEmail } from './identity.js';
import { ACTIONS, notificationMessage } from './messages.js';

export const NOTIFICATIONS_PATH = '/okta-access/notify';
const MAX_BODY = 64 * 1024;
const OktaUserIdSchema = z.string().regex(/^[A-Za-z0-9]{1,64}$/);

const NotificationSchema = z.object({
  type: z.literal('okta-account-access.notification'),
  kind: z.string().min(1).max(64),
  userId: OktaUserIdSchema,
  login: z.string().max(320).optional(),
  text: z.string().min(1).max(4000),
  workflowId: z.string().min(1).max(400),
  data: z.record(z.string(), z.unknown()).optional(),
});

/** The webhook receiver (a route on the app's own HTTP server; Slack's signature does not apply here). */
export function notificationRoute(ctx: SlackAppContext, secret: string): CustomRoute {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: Record<string, unknown>) =>
      void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const body = await readLimited(req, MAX_BODY);
    if (body === undefined) return send(413, { error: 'body too large' });
    const signature = req.headers[SIGNATURE_HEADER];
    if (typeof signature !== 'string' || !verifyWebhookSignature(secret, body, signature, Math.floor(Date.now() / 1000))) {
      return send(401, { error: 'bad or stale signature' });
    }
    let parsed;
    try {
      parsed = NotificationSchema.safeParse(JSON.parse(body));
    } catch {
      return send(400, { error: 'not JSON' });
    }
    if (!parsed.success) return send(400, { error: 'not a notification' });
    const n = parsed.data;
    const email = n.login?.includes('@') ? n.login.toLowerCase() : undefined;
    const slackUserId = email ? await slackUserByEmail(ctx.web, email) : undefined;
    if (!slackUserId) {
      // 4xx: the notifier does not retry; the workflow records that the user was not told.
      ctx.log('warn', 'slack: no Slack member for a notification', { kind: n.kind, userId: n.userId });
      return send(404, { error: 'no Slack member with this email' });
    }
    await ctx.web.chat.postMessage({ channel: slackUserId, ...notificationMessage(n.kind, n.text, n.userId) });
    ctx.log('info', 'slack: notification delivered', { kind: n.kind, userId: n.userId });
    send(200, { delivered: true });
  }
  return {
    path: NOTIFICATIONS_PATH,
    method: 'POST',
    handler: (req, res) => {
      handle(req, res).catch((err: unknown) => {
        ctx.log('warn', 'slack: notification not delivered', { error: errorKind(err) });
        // 5xx: the notifier retries (Slack down, rate limited).
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"slack unavailable"}');
      });
    },
  };
}

async function readLimited(req: IncomingMessage, limit: number): Promise<string | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function registerLockoutReplies(app: App, ctx: SlackAppContext): void {
  app.action<BlockAction<ButtonAction>>(ACTIONS.lockoutReply, async ({ ack, body, action, respond }) => {
    await ack();
    const oktaUserId = OktaUserIdSchema.safeParse(action.value);
    if (!oktaUserId.success) return;
    const clicker = body.user.id;
    const email = await verifiedEmail(ctx.web, clicker);
    if (!email) {
      await respond({ replace_original: false, text: NO_VERIFIED_EMAIL });
      return;
    }
    const answer = action.action_id === 'lockout_reply_yes' ? 'yes' : 'no';
    try {
      await replyToUnlockQuestion(ctx.temporal, oktaUserId.data, { answer, email, chatUserId: clicker, respondent: `slack:${clicker}` });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      await respond({ replace_original: true, text: 'This question is closed: the lockout was already handled or the time to answer ran out.' });
      return;
    }
    ctx.log('info', 'slack: lockout reply sent', { answer, userId: oktaUserId.data });
    await respond({
      replace_original: true,
      text: answer === 'yes' ? 'Thanks. Unlocking your account now; you will get a message when it is done.' : 'Understood: your account stays locked.',
    });
  });
}
