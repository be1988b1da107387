/**
 * Okta connection settings. The app's zod config produces this; the Okta client consumes it.
 * Secrets (token, private key) live only here and in the auth provider — never in errors or logs.
 */
export type OktaAuth =
  | { kind: 'ssws'; token: string }
  | { kind: 'oauth'; clientId: string; privateKeyPem: string; keyId?: string; scopes: string[]; dpop?: DpopMode };

/**
 * DPoP for the OAuth service app: `auto` (default) adds proofs once Okta says the app requires them and
 * follows the token type Okta issues; `on` always sends proofs; `off` never does.
 */
export type DpopMode = 'auto' | 'on' | 'off';

export interface OktaConnection {
  /** e.g. https://example.okta.com (no trailing path). */
  orgUrl: string;
  auth: OktaAuth;
  /** Whole-request timeout for one HTTP call to Okta. */
  requestTimeoutMs: number;
}

/** Least privilege for what this product does: read the System Log, read and manage users. */
export const DEFAULT_OKTA_SCOPES: readonly string[] = ['okta.logs.read', 'okta.users.read', 'okta.users.manage'];
