import { randomBytes } from 'node:crypto';
import { importJWK, jwtVerify, type JWK } from 'jose';
import type { IncomingHttpHeaders } from 'node:http';
import { DpopError, DpopVerifier, dpopChallenge } from './dpop.js';
import { oktaError, OktaApiError } from './errors.js';
import type { Principal } from './types.js';

export const OKTA_SCOPES = ['okta.logs.read', 'okta.users.read', 'okta.users.manage', 'okta.groups.read', 'okta.eventHooks.read', 'okta.eventHooks.manage'] as const;

export interface OAuthClient {
  clientId: string;
  publicJwk: JWK;
  scopes: string[];
  /** Okta's "Require Demonstrating Proof of Possession (DPoP) header in token requests" (on by default for new apps). */
  requireDpop?: boolean;
  /** Also ask for the server nonce in proofs sent to the API (RFC 9449 §9; Okta's own API does not). */
  dpopResourceNonce?: boolean;
}

interface IssuedToken {
  clientId: string;
  scopes: Set<string>;
  expiresAt: number;
  /** JWK thumbprint of the DPoP key the token is bound to. */
  jkt?: string;
}

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

/** What an API call presented: its headers and the URL Okta compares a DPoP `htu` with. */
export interface PresentedRequest {
  headers: IncomingHttpHeaders;
  method: string;
  /** Scheme, host and percent-decoded path. */
  htu: string;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TOKEN_TTL_S = 3600;

export class Auth {
  private clients = new Map<string, OAuthClient>();
  private tokens = new Map<string, IssuedToken>();
  private usedJti = new Map<string, number>();
  readonly dpop: DpopVerifier;

  constructor(public apiToken: string, private readonly now: () => number = Date.now) {
    this.dpop = new DpopVerifier(now);
  }

  reset(): void {
    this.clients.clear();
    this.tokens.clear();
    this.usedJti.clear();
    this.dpop.reset();
  }

  registerClient(c: OAuthClient): void {
    this.clients.set(c.clientId, c);
  }

  /** Resolves the Authorization header (and, for a DPoP-bound token, its proof) to a principal, or throws Okta's error. */
  async authenticate(req: PresentedRequest): Promise<Principal> {
    const header = req.headers.authorization;
    if (!header) throw oktaError('E0000011');
    const [scheme, value] = header.split(/\s+/, 2);
    if (scheme === 'SSWS' && value && value === this.apiToken) {
      return { kind: 'ssws', tokenKey: `ssws:${value}`, scopes: 'all' };
    }
    if ((scheme === 'Bearer' || scheme === 'DPoP') && value) {
      const t = this.tokens.get(value);
      // A DPoP-bound token is worthless without a proof, and a Bearer token cannot be sent as DPoP.
      if (t && t.expiresAt > this.now() && (scheme === 'DPoP') === (t.jkt !== undefined)) {
        if (t.jkt !== undefined) await this.checkResourceProof(req, value, t);
        return { kind: 'oauth', tokenKey: `oauth:${value}`, scopes: t.scopes, clientId: t.clientId };
      }
    }
    throw oktaError('E0000011');
  }

  private async checkResourceProof(req: PresentedRequest, accessToken: string, t: IssuedToken): Promise<void> {
    try {
      await this.dpop.verify(req.headers.dpop, {
        method: req.method,
        htu: [req.htu],
        accessToken,
        jkt: t.jkt!,
        requireNonce: Boolean(this.clients.get(t.clientId)?.dpopResourceNonce),
        nonceFrom: 'Resource server',
      });
    } catch (e) {
      if (!(e instanceof DpopError)) throw e;
      const headers: Record<string, string> = { 'WWW-Authenticate': dpopChallenge(e) };
      if (e.error === 'use_dpop_nonce') headers['DPoP-Nonce'] = this.dpop.currentNonce();
      throw new OktaApiError(e.error === 'use_dpop_nonce' ? 401 : 400, e.error, e.description, [], headers);
    }
  }

  requireScope(p: Principal, scope: string): void {
    if (p.scopes === 'all' || p.scopes.has(scope)) return;
    // okta.users.manage implies read access to users, as in Okta.
    if (scope === 'okta.users.read' && p.scopes.has('okta.users.manage')) return;
    if (scope === 'okta.eventHooks.read' && p.scopes.has('okta.eventHooks.manage')) return;
    throw oktaError('E0000006');
  }

  /** Client credentials grant with a private_key_jwt assertion; `audiences` are the token endpoint URLs accepted as `aud`. */
  async token(form: URLSearchParams, audiences: string[], dpopHeader?: string | string[]): Promise<Record<string, unknown>> {
    if (form.get('grant_type') !== 'client_credentials') {
      throw new OAuthError(400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.');
    }
    const assertion = form.get('client_assertion');
    if (form.get('client_assertion_type') !== ASSERTION_TYPE || !assertion) {
      throw new OAuthError(401, 'invalid_client', 'Client authentication failed: a private_key_jwt client assertion is required.');
    }
    const unverified = decodePayload(assertion);
    const clientId = typeof unverified?.iss === 'string' ? unverified.iss : undefined;
    const client = clientId ? this.clients.get(clientId) : undefined;
    if (!client) throw new OAuthError(401, 'invalid_client', 'The client_assertion is invalid: unknown client.');
    // The proof is checked before the assertion is used up: a client repeats the same request with the nonce.
    const jkt = await this.tokenProof(client, dpopHeader, audiences);
    let payload: Record<string, unknown>;
    try {
      const key = await importJWK(client.publicJwk, client.publicJwk.alg ?? (client.publicJwk.kty === 'EC' ? 'ES256' : 'RS256'));
      ({ payload } = await jwtVerify(assertion, key, {
        issuer: client.clientId,
        subject: client.clientId,
        audience: audiences,
        requiredClaims: ['exp', 'jti'],
        currentDate: new Date(this.now()),
      }));
    } catch (e) {
      throw new OAuthError(401, 'invalid_client', `The client_assertion signature or claims are invalid: ${(e as Error).message}`);
    }
    const jti = String(payload.jti);
    this.pruneJti();
    if (this.usedJti.has(`${client.clientId}:${jti}`)) {
      throw new OAuthError(401, 'invalid_client', 'The client_assertion token has already been used (jti replay).');
    }
    this.usedJti.set(`${client.clientId}:${jti}`, Number(payload.exp) * 1000);
    const requested = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
    if (requested.length === 0) throw new OAuthError(400, 'invalid_scope', 'The authorization server requires a scope.');
    const notGranted = requested.filter((s) => !client.scopes.includes(s));
    if (notGranted.length) {
      throw new OAuthError(400, 'invalid_scope', `The following scopes are not granted to this client: ${notGranted.join(', ')}`);
    }
    const accessToken = randomBytes(32).toString('base64url');
    this.tokens.set(accessToken, {
      clientId: client.clientId,
      scopes: new Set(requested),
      expiresAt: this.now() + TOKEN_TTL_S * 1000,
      ...(jkt ? { jkt } : {}),
    });
    return { token_type: jkt ? 'DPoP' : 'Bearer', expires_in: TOKEN_TTL_S, access_token: accessToken, scope: requested.join(' ') };
  }

  /** The key thumbprint to bind the token to, or undefined for a plain Bearer token. */
  private async tokenProof(client: OAuthClient, header: string | string[] | undefined, audiences: string[]): Promise<string | undefined> {
    if (header === undefined && !client.requireDpop) return undefined;
    try {
      return await this.dpop.verify(header, { method: 'POST', htu: audiences, requireNonce: true, nonceFrom: 'Authorization server' });
    } catch (e) {
      if (!(e instanceof DpopError)) throw e;
      const headers: Record<string, string> = e.error === 'use_dpop_nonce' ? { 'DPoP-Nonce': this.dpop.currentNonce() } : {};
      throw new OAuthError(400, e.error, e.description, headers);
    }
  }

  private pruneJti(): void {
    const t = this.now();
    for (const [k, exp] of this.usedJti) if (exp < t) this.usedJti.delete(k);
  }
}

function decodePayload(jwt: string): Record<string, unknown> | undefined {
  const part = jwt.split('.')[1];
  if (!part) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
