/**
 * Employees: `/okta password|mfa` (answers ephemeral, visible to them only), the App Home buttons
 * (answers by DM), and the MFA factor buttons. Whoever asks is the Slack user Slack signed the
 * request for, resolved to an email by users.info — never a name typed in the command.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { z } from 'zod';
import { SelfServiceError, type SelfServiceReply } from '../self-service-client.js';
import { errorKind, NO_VERIFIED_EMAIL, SOMETHING_WENT_WRONG, type SlackAppContext } from './context.js';
import { verifiedEmail } from './identity.js';
import { ACTIONS, esc, HELP_TEXT, homeView, requestReplyMessage, type SlackMessage } from './messages.js';
import { createUserRateLimit } from './rate-limit.js';

type Reply = (message: SlackMessage) => Promise<unknown>;

const FINAL = new Set(['completed', 'refused', 'denied', 'expired', 'cancelled', 'failed']);
const FactorChoiceSchema = z.object({ r: z.string().min(1).max(1000), f: z.array(z.string().min(1).max(100)).min(1).max(20) });
const RequestKeySchema = z.string().regex(/^[A-Za-z0-9._-]{1,150}$/);

export interface EmployeeOptions {
  /** Called when a request waits for the helpdesk (posts it to the helpdesk channel). */
  announceApproval(id: string): Promise<void>;
  /** How long to keep watching a pending request for its final answer. */
  watchForMs: number;
  /** First poll delay of the watcher (grows to 15 s). */
  watchIntervalMs: number;
  /** Requests (and factor choices) per Slack user per minute. */
  perUserPerMinute: number;
}

const MAX_WATCHED = 5_000;
const TOO_MANY = 'You have asked several times in a short while. Wait a minute, then try again.';

export function registerEmployeeHandlers(app: App, ctx: SlackAppContext, opts: EmployeeOptions): void {
  const watching = new Set<string>();
  const allow = createUserRateLimit(opts.perUserPerMinute, 60_000);

  /** Polls a pending request until it settles, then DMs the answer (the link only to its owner). */
  async function watch(reply: SelfServiceReply, slackUserId: string): Promise<void> {
    // Bounded: beyond this many pending requests, employees get the answer by asking again.
    if (watching.has(reply.id) || watching.size >= MAX_WATCHED) return;
    watching.add(reply.id);
    const deadline = Date.now() + opts.watchForMs;
    let delay = opts.watchIntervalMs;
    try {
      while (Date.now() < deadline) {
        await sleep(delay, undefined, { signal: ctx.signal });
        delay = Math.min(delay * 1.5, 15_000);
        const view = await ctx.selfService.getRequest(reply.id, slackUserId).catch(() => undefined);
        if (view && FINAL.has(view.status)) {
          await ctx.web.chat.postMessage({ channel: slackUserId, ...requestReplyMessage(view) });
          return;
        }
      }
    } catch (err) {
      if (!ctx.signal.aborted) ctx.log('warn', 'slack: follow-up of a request failed', { error: errorKind(err) });
    } finally {
      watching.delete(reply.id);
    }
  }

  async function answer(reply: SelfServiceReply, slackUserId: string, send: Reply): Promise<void> {
    await send(requestReplyMessage(reply));
    if (reply.status === 'awaiting-approval') {
      await opts.announceApproval(reply.id).catch((err: unknown) => ctx.log('warn', 'slack: approval not posted', { error: errorKind(err) }));
    }
    if (!FINAL.has(reply.status) && reply.status !== 'awaiting-choice') void watch(reply, slackUserId);
  }

  async function guarded(send: Reply, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (err instanceof SelfServiceError) {
        await send({ text: esc(err.message) });
        return;
      }
      ctx.log('warn', 'slack: request failed', { error: errorKind(err) });
      await send({ text: SOMETHING_WENT_WRONG }).catch(() => undefined);
    }
  }

  async function startReset(kind: 'password' | 'mfa', slackUserId: string, key: string | undefined, send: Reply): Promise<void> {
    if (!allow(slackUserId)) {
      await send({ text: TOO_MANY });
      return;
    }
    await guarded(send, async () => {
      const email = await verifiedEmail(ctx.web, slackUserId);
      if (!email) {
        await send({ text: NO_VERIFIED_EMAIL });
        return;
      }
      const requestKey = RequestKeySchema.safeParse(key);
      const input = { requestId: requestKey.success ? requestKey.data : randomUUID(), requester: { chatUserId: slackUserId, email } };
      const reply = kind === 'password' ? await ctx.selfService.requestPasswordReset(input) : await ctx.selfService.requestMfaReset(input);
      ctx.log('info', 'slack: request answered', { action: reply.action, status: reply.status, workflowId: reply.workflowId });
      await answer(reply, slackUserId, send);
    });
  }

  app.command('/okta', async ({ command, ack, respond }) => {
    const sub = command.text.trim().slice(0, 100).split(/\s+/)[0]?.toLowerCase();
    if (sub !== 'password' && sub !== 'mfa') {
      await ack({ response_type: 'ephemeral', text: HELP_TEXT });
      return;
    }
    await ack({ response_type: 'ephemeral', text: sub === 'password' ? 'Preparing your password reset link…' : 'Looking up your MFA factors…' });
    const send: Reply = (m) => respond({ response_type: 'ephemeral', ...m });
    await startReset(sub, command.user_id, command.trigger_id, send);
  });

  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await client.views.publish({ user_id: event.user, view: homeView() });
  });

  app.action<BlockAction<ButtonAction>>(ACTIONS.home, async ({ ack, body, action, client }) => {
    await ack();
    const slackUserId = body.user.id;
    const send: Reply = (m) => client.chat.postMessage({ channel: slackUserId, ...m });
    await startReset(action.action_id === 'home_password' ? 'password' : 'mfa', slackUserId, body.trigger_id, send);
  });

  app.action<BlockAction<ButtonAction>>(ACTIONS.mfaFactor, async ({ ack, body, action, respond, client }) => {
    await ack();
    const slackUserId = body.user.id;
    const send: Reply = body.response_url ? (m) => respond({ replace_original: true, ...m }) : (m) => client.chat.postMessage({ channel: slackUserId, ...m });
    let choice: z.infer<typeof FactorChoiceSchema>;
    try {
      choice = FactorChoiceSchema.parse(JSON.parse(action.value ?? ''));
    } catch {
      return;
    }
    if (!allow(slackUserId)) {
      await send({ text: TOO_MANY });
      return;
    }
    await guarded(send, async () => {
      // The workflow accepts the choice only from the chat user who made the request.
      const reply = await ctx.selfService.chooseFactors(choice.r, slackUserId, choice.f);
      await answer(reply, slackUserId, send);
    });
  });
}
