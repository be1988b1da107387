/**
 * Pure authorisation rules of the self-service family, shared by the request gate and the per-account
 * runs (no I/O, no workflow APIs: unit-tested directly).
 */
import type { SelfServicePolicy } from '../../activities/self-service/activities.js';
import type { RefusalCode, SelfServiceAction } from './messages.js';

/** Helpdesk staff: listed by login/email, or a member of the helpdesk group. */
export function isHelpdesk(policy: Pick<SelfServicePolicy, 'helpdeskLogins' | 'helpdeskGroup'>, login: string, email: string | undefined, groups: { name: string }[]): boolean {
  const ids = [login.toLowerCase(), email?.toLowerCase()].filter((x): x is string => Boolean(x));
  if (ids.some((id) => policy.helpdeskLogins.includes(id))) return true;
  return policy.helpdeskGroup !== undefined && groups.some((g) => g.name === policy.helpdeskGroup);
}

export const CANNOT_DELIVER =
  'A password reset link for someone else cannot be delivered here: no chat notifier is configured, so the link would ' +
  'never reach the employee and their account would be left in password recovery. Ask the employee to request the link ' +
  'themselves, or reset the password in the Okta admin console.';

/**
 * The one answer to every request naming someone else's account that the requester may not make —
 * whether that account exists, and whether the requester has an Okta account, does not change it.
 */
export const NOT_YOUR_ACCOUNT = { code: 'not-your-account' as RefusalCode, message: 'You can only reset your own account. Ask the helpdesk if someone else needs help.' };

export type GateDecision = { proceed: true } | { proceed: false; refusal: { code: RefusalCode; message: string } };

/** What the gate knows about the requester (null: no Okta user has the verified email as primary email). */
export interface GateFacts {
  action: SelfServiceAction;
  targetKey: string;
  requesterEmail: string;
  secretDelivery: boolean;
  requester?: { login: string; email?: string; helpdesk: boolean } | null;
}

/**
 * Decides before any run of the target account is touched. `requester` undefined means "not looked
 * up yet": the answer is then decided from the request alone when it can be.
 */
export function gateDecision(f: GateFacts): GateDecision | 'look-up-requester' {
  if (f.targetKey === f.requesterEmail) return { proceed: true };
  if (f.action === 'reset-password' && !f.secretDelivery) return { proceed: false, refusal: { code: 'not-allowed', message: CANNOT_DELIVER } };
  if (f.requester === undefined) return 'look-up-requester';
  if (f.requester && f.requester.login.toLowerCase() === f.targetKey) return { proceed: true };
  if (f.requester?.helpdesk) return { proceed: true };
  return { proceed: false, refusal: NOT_YOUR_ACCOUNT };
}
