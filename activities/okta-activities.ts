import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { MalformedLogEvent, OktaClient } from './okta/client.js';
import { OktaApiError, OktaResponseShapeError, toApplicationFailure } from './okta/errors.js';
import type { ProtectedMembersCache } from './okta/protected-members.js';
import { projectLogEvent, type LogEvent, type User, type UserFactor } from './okta/schemas.js';

export { OktaFailureType } from './okta/errors.js';
export type { LogEvent } from './okta/schemas.js';
export type { MalformedLogEvent } from './okta/client.js';

export interface OktaReadLogPageInput {
  /** The previous page's `nextUrl`; when set, `since`/`filter`/`limit` are ignored (the link carries them). */
  nextUrl?: string;
  /** ISO 8601 start of a new polling cursor; used only without `nextUrl`. */
  since?: string;
  filter: string;
  limit: number;
}
export interface OktaLogPage {
  events: LogEvent[];
  /** Unreadable events, dropped from `events`; the poller reports them and moves on. */
  malformed: MalformedLogEvent[];
  nextUrl: string;
}

export interface OktaUserSummary {
  id: string;
  status: string;
  login: string;
  email?: string;
  firstName?: string;
  lastName?: string;
}

export interface OktaGroupSummary {
  id: string;
  name: string;
}

export const OktaCheckLockoutInputSchema = z.object({
  userId: z.string().min(1).max(100),
  /** PROTECTED_GROUPS as the episode's decision carries them (bounded like the decision). */
  protectedGroups: z.array(z.string().min(1).max(200)).max(20).optional(),
});
export type OktaCheckLockoutInput = z.input<typeof OktaCheckLockoutInputSchema>;

export interface OktaLockoutCheck {
  /** As `oktaGetUser`: null when the user is gone. */
  user: OktaUserSummary | null;
  /**
   * Whether the user is in a protected group, from the worker's member cache; absent when no groups
   * were given, the user is not LOCKED_OUT (nothing to decide), or the cache cannot tell: then the
   * caller reads the user's groups (`oktaListUserGroups`).
   */
  protectedMember?: boolean;
}

export interface OktaActivityDeps {
  /** Protected-group members shared by every check on this worker; none: every check reads the user's groups. */
  protectedMembers?: ProtectedMembersCache;
}

export type OktaUnlockResult = { outcome: 'unlocked' } | { outcome: 'not-locked' };

export interface OktaFactorSummary {
  id: string;
  factorType: string;
  provider: string;
  vendorName?: string;
  status: string;
  /** Human-readable, phone numbers and emails masked, e.g. "SMS to +1 XXX-XXX-1234". */
  displayName: string;
}

/**
 * Okta activities. Each one maps errors through `toApplicationFailure` and returns plain JSON data
 * (it lands in workflow history). Outcomes that are normal business results — user gone, already
 * unlocked, factor already removed — are returned as values, not thrown.
 */
export function createOktaActivities(okta: OktaClient, deps: OktaActivityDeps = {}) {
  const getUserOrNull = async (idOrLogin: string): Promise<OktaUserSummary | null> => {
    try {
      return summarizeUser(await okta.getUser(idOrLogin));
    } catch (err) {
      if (isOktaError(err, 404, 'E0000007')) return null;
      throw err;
    }
  };
  return {
    async oktaReadLogPage(input: OktaReadLogPageInput): Promise<OktaLogPage> {
      return edge(async () => {
        const page = input.nextUrl
          ? await okta.listLogEvents({ nextUrl: input.nextUrl })
          : await okta.listLogEvents({ since: input.since, filter: input.filter, limit: input.limit });
        if (!page.nextUrl) {
          // Polling requests always carry a next link; without one the cursor would be lost.
          throw new OktaResponseShapeError('Link rel="next" header missing on a polling request', 'GET', '/api/v1/logs');
        }
        return { events: page.events.map(projectLogEvent), malformed: page.malformed, nextUrl: page.nextUrl };
      });
    },

    /** `null` when Okta says 404 E0000007 (deleted user): a normal outcome. */
    async oktaGetUser(idOrLogin: string): Promise<OktaUserSummary | null> {
      return edge(() => getUserOrNull(idOrLogin));
    },

    /**
     * The lockout child's first look: the user (one Okta call) and, when it is locked out, whether it
     * is protected, from the worker's group-member cache (group reads amortised over every check).
     */
    async oktaCheckLockout(input: OktaCheckLockoutInput): Promise<OktaLockoutCheck> {
      const parsed = OktaCheckLockoutInputSchema.safeParse(input);
      if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid lockout check: ${z.prettifyError(parsed.error).slice(0, 300)}`, 'InvalidActivityInput');
      const { userId, protectedGroups } = parsed.data;
      return edge(async () => {
        const user = await getUserOrNull(userId);
        if (!user || user.status !== 'LOCKED_OUT' || !protectedGroups?.length || !deps.protectedMembers) return { user };
        const member = await deps.protectedMembers.isMember(user.id, protectedGroups);
        return member === undefined ? { user } : { user, protectedMember: member };
      });
    },

    /** `null` when no user, or more than one user, matches (see `OktaClient.findUserByLoginOrEmail`). */
    async oktaFindUser(loginOrEmail: string): Promise<OktaUserSummary | null> {
      return edge(async () => {
        const user = await okta.findUserByLoginOrEmail(loginOrEmail);
        return user ? summarizeUser(user) : null;
      });
    },

    async oktaListUserGroups(userId: string): Promise<OktaGroupSummary[]> {
      return edge(async () => (await okta.listUserGroups(userId)).map((g) => ({ id: g.id, name: g.profile.name })));
    },

    /** 403 E0000032 = the user is not locked out (someone already unlocked it): not an error. */
    async oktaUnlockUser(userId: string): Promise<OktaUnlockResult> {
      return edge(async () => {
        try {
          await okta.unlockUser(userId);
          return { outcome: 'unlocked' as const };
        } catch (err) {
          if (isOktaError(err, 403, 'E0000032')) return { outcome: 'not-locked' as const };
          throw err;
        }
      });
    },

    /** The URL is a credential for the user: callers must not log it. */
    async oktaResetPassword(userId: string, opts: { revokeSessions: boolean }): Promise<{ resetPasswordUrl: string }> {
      return edge(async () => okta.resetPassword(userId, opts));
    },

    async oktaResetFactors(userId: string): Promise<void> {
      return edge(() => okta.resetFactors(userId));
    },

    async oktaListFactors(userId: string): Promise<OktaFactorSummary[]> {
      return edge(async () => (await okta.listFactors(userId)).map(summarizeFactor));
    },

    /** 404 = already removed: the goal is reached, not an error. */
    async oktaDeleteFactor(userId: string, factorId: string): Promise<{ outcome: 'deleted' | 'already-gone' }> {
      return edge(async () => {
        try {
          await okta.deleteFactor(userId, factorId);
          return { outcome: 'deleted' as const };
        } catch (err) {
          if (isOktaError(err, 404)) return { outcome: 'already-gone' as const };
          throw err;
        }
      });
    },
  };
}

export type OktaActivities = ReturnType<typeof createOktaActivities>;

async function edge<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toApplicationFailure(err);
  }
}

function isOktaError(err: unknown, status: number, errorCode?: string): boolean {
  return err instanceof OktaApiError && err.status === status && (errorCode === undefined || err.errorCode === errorCode);
}

function summarizeUser(user: User): OktaUserSummary {
  const { login, email, firstName, lastName } = user.profile;
  return {
    id: user.id,
    status: user.status,
    login,
    ...(email ? { email } : {}),
    ...(firstName ? { firstName } : {}),
    ...(lastName ? { lastName } : {}),
  };
}

export function summarizeFactor(factor: UserFactor): OktaFactorSummary {
  return {
    id: factor.id,
    factorType: factor.factorType,
    provider: factor.provider,
    ...(factor.vendorName ? { vendorName: factor.vendorName } : {}),
    status: factor.status,
    displayName: factorDisplayName(factor),
  };
}

const PROVIDER_NAMES: Record<string, string> = {
  GOOGLE: 'Google Authenticator',
  RSA: 'RSA SecurID',
  SYMANTEC: 'Symantec VIP',
  YUBICO: 'YubiKey OTP',
  DUO: 'Duo Security',
  CUSTOM: 'Custom OTP',
};

/** Readable factor label for people choosing what to reset; never shows a full phone number or email. */
export function factorDisplayName(factor: UserFactor): string {
  const profile = factor.profile ?? {};
  const str = (key: string): string | undefined => (typeof profile[key] === 'string' ? profile[key] : undefined);
  const provider = factor.provider.toUpperCase();
  switch (factor.factorType) {
    case 'push':
      return 'Okta Verify (push)';
    case 'signed_nonce':
      return 'Okta FastPass';
    case 'token:software:totp':
      return provider === 'OKTA' ? 'Okta Verify (code)' : (PROVIDER_NAMES[provider] ?? `Authenticator app (${factor.provider})`);
    case 'sms':
      return `SMS to ${maskPhone(str('phoneNumber'))}`;
    case 'call':
      return `Voice call to ${maskPhone(str('phoneNumber'))}`;
    case 'email':
      return `Email to ${maskEmail(str('email'))}`;
    case 'question':
      return 'Security question';
    case 'webauthn':
      return str('authenticatorName') ?? 'Security key or biometric';
    case 'u2f':
      return 'Security key (U2F)';
    case 'token:hotp':
      return 'HOTP token';
    case 'token':
    case 'token:hardware':
    case 'web':
      return PROVIDER_NAMES[provider] ?? `Token (${factor.provider})`;
    default:
      return `${factor.factorType} (${factor.provider})`;
  }
}

/** "+15554151234" → "+1 XXX-XXX-1234"; other countries → "phone ending in 1234". */
export function maskPhone(phone: string | undefined): string {
  const digits = (phone ?? '').replace(/\D/g, '');
  if (digits.length < 4) return 'phone';
  const last4 = digits.slice(-4);
  if (digits.length === 11 && digits.startsWith('1')) return `+1 XXX-XXX-${last4}`;
  return `phone ending in ${last4}`;
}

/** "jane.doe@example.com" → "j***@example.com". */
export function maskEmail(email: string | undefined): string {
  const at = email?.lastIndexOf('@') ?? -1;
  if (!email || at < 1) return 'email';
  return `${email[0]}***${email.slice(at)}`;
}

