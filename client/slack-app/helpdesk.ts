/**
 * Helpdesk approvals in Slack. The self-service workflows do not call anyone when they need an
 * approval: the run waits in phase `awaiting-approval` and is found through visibility (running
 * `reset-password` / `reset-mfa` runs) and its operator view. So this posts each waiting run once to
 * the helpdesk channel — at once for requests made in Slack, and by a periodic sweep for requests
 * from any other frontend. Approve/Deny: the approver is the Slack user who clicked (Slack signed
 * the click; Deny first asks for the reason the employee will read, in a modal), mapped to Okta by
 * their Slack-verified email; the workflow checks they are helpdesk and not a requester, and the
 * message is updated with the outcome.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { z } from 'zod';
import { decodeRequestRef, encodeRequestRef, SelfServiceError } from '../self-service-client.js';
import { listRuns } from '../visibility.js';
import { errorKind, NO_VERIFIED_EMAIL, type SlackAppContext } from './context.js';
import { verifiedEmail } from './identity.js';
import { ACTIONS, approvalClosedMessage, approvalDecidedMessage, approvalRequestMessage, DENY_REASON_CALLBACK, DENY_REASON_INPUT, denyReasonView } from './messages.js';

/** Runs looked at per sweep, and runs remembered as posted (oldest forgotten first). */
const SWEEP_LIMIT = 200;
const REMEMBERED = 5_000;

export interface Approvals {
  /** Posts the run of this request reference to the helpdesk channel, once, if it awaits approval. */
  announce(id: string): Promise<void>;
  /** Looks for runs awaiting approval that were not posted yet (other frontends, restarts). */
  sweep(): Promise<void>;
}

export function registerApprovals(app: App, ctx: SlackAppContext): Approvals {
  const channel = ctx.helpdeskChannel;
  /** runId → the post in flight or done. */
  const posted = new Map<string, Promise<void>>();

  async function post(id: string): Promise<void> {
    // Bounded: a run whose worker is gone must not hold up the sweep.
    const view = await ctx.temporal.withDeadline(Date.now() + 10_000, () => ctx.selfService.operatorView(id));
    if (view.phase !== 'awaiting-approval' || view.approval?.decision) throw new NotWaiting();
    await ctx.web.chat.postMessage({ channel: channel!, ...approvalRequestMessage(view, id) });
    ctx.log('info', 'slack: approval request posted', { workflowId: view.workflowId });
  }

  async function announce(id: string): Promise<void> {
    const ref = decodeRequestRef(id);
    if (!channel || !ref) return;
    let pending = posted.get(ref.runId);
    if (!pending) {
      pending = post(id);
      posted.set(ref.runId, pending);
      if (posted.size > REMEMBERED) posted.delete(posted.keys().next().value!);
    }
    try {
      await pending;
    } catch (err) {
      posted.delete(ref.runId); // not waiting yet, or the post failed: the next sweep looks again
      if (!(err instanceof NotWaiting)) throw err;
    }
  }

  async function sweep(): Promise<void> {
    if (!channel) return;
    const query = `AccessAction IN ("reset-password", "reset-mfa") AND ExecutionStatus = "Running" AND TaskQueue = "${ctx.taskQueue}"`;
    const { runs } = await listRuns(ctx.temporal, query, SWEEP_LIMIT);
    for (const run of runs) {
      if (ctx.signal.aborted) break;
      if (posted.has(run.runId)) continue;
      // Approvals address the run; the request part of the reference is not used for them.
      await announce(encodeRequestRef({ workflowId: run.workflowId, runId: run.runId, requestId: 'approval' })).catch((err: unknown) =>
        ctx.log('warn', 'slack: approval not posted', { error: errorKind(err) }),
      );
    }
  }

  /** Decides as the Slack user who clicked (their Slack-verified email) and updates the posted request. */
  async function decide(where: { channel: string; ts: string }, ref: string, clicker: string, decision: 'approve' | 'deny', reason?: string): Promise<void> {
    const tell = (text: string) => ctx.web.chat.postEphemeral({ channel: where.channel, user: clicker, text });
    const email = await verifiedEmail(ctx.web, clicker);
    if (!email) {
      await tell(NO_VERIFIED_EMAIL);
      return;
    }
    try {
      const result = await ctx.selfService.decideApproval(ref, {
        decision,
        approver: email,
        reason: reason ?? `${decision === 'approve' ? 'Approved' : 'Denied'} in Slack by ${email}`,
      });
      ctx.log('info', 'slack: approval decision', { decision, accepted: result.accepted, workflowId: result.view.workflowId });
      if (!result.accepted) {
        await tell(result.code === 'check-failed' ? `Your decision could not be checked right now; try again. (${result.message})` : result.message);
        if (result.code === 'not-awaiting') await closeIfSettled(where, ref);
        return;
      }
      await ctx.web.chat.update({ channel: where.channel, ts: where.ts, ...approvalDecidedMessage(result.view, decision, clicker, email, reason) });
    } catch (err) {
      if (!(err instanceof SelfServiceError)) throw err;
      await tell(err.message);
      await closeIfSettled(where, ref);
    }
  }

  /** Replaces the buttons of a post whose request no longer waits (decided elsewhere, expired, finished). */
  async function closeIfSettled(where: { channel: string; ts: string }, ref: string): Promise<void> {
    const view = await ctx.selfService.operatorView(ref).catch(() => undefined);
    if (view && view.phase !== 'awaiting-approval') await ctx.web.chat.update({ channel: where.channel, ts: where.ts, ...approvalClosedMessage(view) });
  }

  app.action<BlockAction<ButtonAction>>(ACTIONS.approval, async ({ ack, body, action }) => {
    await ack();
    const where = body.channel?.id;
    const ts = body.message?.ts;
    const ref = action.value ?? '';
    // Only clicks on our posts in the helpdesk channel count.
    if (!channel || where !== channel || !ts || !decodeRequestRef(ref)) {
      ctx.log('warn', 'slack: approval click outside the helpdesk channel ignored', { channel: where ?? '(none)' });
      return;
    }
    if (action.action_id === 'approval_approve') {
      await decide({ channel, ts }, ref, body.user.id, 'approve');
      return;
    }
    // A denial tells the employee why: ask the approver in a modal (the decision happens on submit).
    await ctx.web.views.open({ trigger_id: body.trigger_id, view: denyReasonView(JSON.stringify({ ref, ts })) });
  });

  app.view(DENY_REASON_CALLBACK, async ({ ack, body, view }) => {
    const meta = DenyMetaSchema.safeParse(safeJson(view.private_metadata));
    const reason = view.state.values[DENY_REASON_INPUT]?.[DENY_REASON_INPUT]?.value?.trim() ?? '';
    if (!reason || reason.length > 500) {
      await ack({ response_action: 'errors', errors: { [DENY_REASON_INPUT]: 'Say in a few words why (at most 500 characters).' } });
      return;
    }
    await ack();
    if (!channel || !meta.success || !decodeRequestRef(meta.data.ref)) return;
    await decide({ channel, ts: meta.data.ts }, meta.data.ref, body.user.id, 'deny', reason);
  });

  return { announce, sweep };
}

class NotWaiting extends Error {}

/** What the deny modal carries from the click to the submission (set by us; Slack returns it as is). */
const DenyMetaSchema = z.object({ ref: z.string().min(1).max(1000), ts: z.string().regex(/^\d{1,12}\.\d{1,9}$/) });

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
