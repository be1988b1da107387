export interface LogActorRef {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
  detailEntry?: Record<string, unknown>;
}

export interface LogTargetRef extends LogActorRef {
  detailEntry?: Record<string, unknown>;
}

export interface LogEvent {
  uuid: string;
  published: string;
  eventType: string;
  version: string;
  severity: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  legacyEventType?: string;
  displayMessage: string;
  actor: LogActorRef;
  client: Record<string, unknown>;
  device?: Record<string, unknown> | null;
  authenticationContext: Record<string, unknown>;
  securityContext: Record<string, unknown>;
  outcome: { result: string; reason?: string };
  // Okta's spec says array, but real lock events carry null; the simulator reproduces that.
  target: LogTargetRef[] | null;
  transaction: { type: string; id: string; detail: Record<string, unknown> };
  debugContext: { debugData: Record<string, unknown> };
  request: { ipChain: Record<string, unknown>[] };
}

export type UserStatus =
  | 'ACTIVE' | 'DEPROVISIONED' | 'LOCKED_OUT' | 'PASSWORD_EXPIRED' | 'PROVISIONED' | 'RECOVERY' | 'STAGED' | 'SUSPENDED';

export const USER_STATUSES: readonly UserStatus[] = [
  'ACTIVE', 'DEPROVISIONED', 'LOCKED_OUT', 'PASSWORD_EXPIRED', 'PROVISIONED', 'RECOVERY', 'STAGED', 'SUSPENDED',
];

export type FactorType = 'sms' | 'call' | 'email' | 'push' | 'question' | 'token:software:totp' | 'webauthn' | 'u2f' | 'token:hardware';

export const FACTOR_TYPES: readonly FactorType[] = [
  'sms', 'call', 'email', 'push', 'question', 'token:software:totp', 'webauthn', 'u2f', 'token:hardware',
];

/** Who made an Okta API call; admin events name this principal as their actor. */
export interface Principal {
  kind: 'ssws' | 'oauth';
  /** Rate-limit scope: one bucket share per token. */
  tokenKey: string;
  scopes: ReadonlySet<string> | 'all';
  clientId?: string;
}
