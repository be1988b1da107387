/**
 * What the Slack app shows, as Block Kit: pure builders, so the handlers stay short. Anything that
 * came from Okta or a person is escaped for mrkdwn; sizes are capped to Block Kit's limits.
 */
import type { types } from '@slack/bolt';
import type { SelfServiceReply } from '../self-service-client.js';
import type { OperatorView } from '../../workflows/self-service/messages.js';

export interface SlackMessage {
  text: string;
  blocks?: types.KnownBlock[];
}

export const ACTIONS = {
  mfaFactor: /^mfa_factor_\d+$/,
  lockoutReply: /^lockout_reply_(yes|no)$/,
  approval: /^approval_(approve|deny)$/,
  home: /^home_(password|mfa)$/,
} as const;

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const section = (text: string): types.SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text, 3000) } });
const button = (actionId: string, text: string, value: string, style?: 'primary' | 'danger'): types.Button => ({
  type: 'button',
  action_id: actionId,
  text: { type: 'plain_text', text: clip(text, 75) },
  value,
  ...(style ? { style } : {}),
});

export const HELP_TEXT =
  'Use `/okta password` for a single-use password reset link, or `/okta mfa` to reset your MFA factors. ' +
  'Only you see the answers; the link is sent to you alone.';

/** The answer to an employee's request (the link only ever goes to them: ephemeral or DM). */
export function requestReplyMessage(reply: SelfServiceReply): SlackMessage {
  const text = esc(reply.message) + (reply.resetLink ? `\n${reply.resetLink}` : '');
  if (reply.status !== 'awaiting-choice' || !reply.factors) return { text, blocks: [section(text)] };
  const resettable = reply.factors.filter((f) => f.resettable).slice(0, 20);
  const value = (factorIds: string[]) => JSON.stringify({ r: reply.id, f: factorIds });
  const buttons = resettable.map((f, i) => button(`mfa_factor_${i}`, `Reset ${f.name}`, value([f.id])));
  if (resettable.length > 1) buttons.push(button(`mfa_factor_${resettable.length}`, 'Reset all of these', value(resettable.map((f) => f.id)), 'danger'));
  return {
    text,
    blocks: [section(`${text}\nPick the factor you lost; you can enrol a new one afterwards.`), { type: 'actions', block_id: 'mfa_choice', elements: buttons }],
  };
}

/** A lockout notification; the ask-user question gets Yes/No buttons. */
export function notificationMessage(kind: string, text: string, oktaUserId: string): SlackMessage {
  const body = esc(text);
  if (kind !== 'lockout-ask-user') return { text: body, blocks: [section(body)] };
  return {
    text: body,
    blocks: [
      section(body),
      {
        type: 'actions',
        block_id: 'lockout_reply',
        elements: [button('lockout_reply_yes', 'Yes, it was me: unlock', oktaUserId, 'primary'), button('lockout_reply_no', 'No, it was not me', oktaUserId, 'danger')],
      },
    ],
  };
}

function approvalSummary(view: OperatorView): string {
  const action = view.action === 'reset-password' ? 'Password reset link' : 'MFA reset';
  const requesters = [...new Set(view.requests.filter((r) => r.accepted).map((r) => r.email))].slice(0, 5);
  const factors = view.chosenFactorIds && view.factors ? view.factors.filter((f) => view.chosenFactorIds!.includes(f.id)).map((f) => f.name) : [];
  return [
    `*${action}* for *${esc(view.target?.login ?? 'unknown account')}* needs helpdesk approval.`,
    view.approval?.why ? `Why: ${esc(view.approval.why)}` : undefined,
    requesters.length ? `Requested by: ${esc(requesters.join(', '))}` : undefined,
    factors.length ? `Factors to reset: ${esc(factors.slice(0, 20).join(', '))}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
}

/** The approval request posted to the helpdesk channel (no link, ever: operator views have none). */
export function approvalRequestMessage(view: OperatorView, ref: string): SlackMessage {
  const text = approvalSummary(view);
  return {
    text,
    blocks: [
      section(text),
      { type: 'actions', block_id: 'approval', elements: [button('approval_approve', 'Approve', ref, 'primary'), button('approval_deny', 'Deny', ref, 'danger')] },
    ],
  };
}

/** The same message once decided: the buttons are gone, the outcome and who decided are shown. */
export function approvalDecidedMessage(view: OperatorView, decision: 'approve' | 'deny', slackUserId: string, email: string, reason?: string): SlackMessage {
  const outcome =
    `${decision === 'approve' ? ':white_check_mark: Approved' : ':no_entry: Denied'} by <@${slackUserId}> (${esc(email)})` +
    (reason ? `: ${esc(clip(reason, 500))}` : '');
  const text = `${approvalSummary(view)}\n${outcome}`;
  return { text, blocks: [section(text)] };
}

/** A posted request that was settled elsewhere (CLI, another message, timeout): the buttons go. */
export function approvalClosedMessage(view: OperatorView): SlackMessage {
  const decided = view.approval?.decision ? `, ${view.approval.decision} by ${esc(view.approval.by ?? 'someone')}` : '';
  const text = `${approvalSummary(view)}\n:information_source: No longer waiting for approval (${esc(view.outcome)}${decided}).`;
  return { text, blocks: [section(text)] };
}

export const DENY_REASON_CALLBACK = 'approval_deny_reason';
export const DENY_REASON_INPUT = 'reason';

/** The modal asking a helpdesk approver why they deny (the employee is told this reason). */
export function denyReasonView(privateMetadata: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: DENY_REASON_CALLBACK,
    private_metadata: privateMetadata,
    title: { type: 'plain_text', text: 'Deny the request' },
    submit: { type: 'plain_text', text: 'Deny' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: DENY_REASON_INPUT,
        label: { type: 'plain_text', text: 'Why? The employee reads this.' },
        element: { type: 'plain_text_input', action_id: DENY_REASON_INPUT, multiline: true, max_length: 500 },
      },
    ],
  };
}

export function homeView(): types.HomeView {
  return {
    type: 'home',
    blocks: [
      section('*Okta account help*\nGet a single-use password reset link or reset your MFA factors. The answers come to you here, in a direct message.'),
      { type: 'actions', block_id: 'home', elements: [button('home_password', 'Reset my password', 'password', 'primary'), button('home_mfa', 'Reset my MFA', 'mfa')] },
    ],
  };
}
