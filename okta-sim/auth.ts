import { randomBytes } from 'node:crypto';
import { importJWK, jwtVerify, type JWK } from 'jose';
import { oktaError } from './errors.js';
import type { Principal } from './types.js';

export const OKTA_SCOPES = ['okta.logs.read', 'okta.users.read', 'okta.users.manage', 'okta.eventHooks.read', 'okta.eventHooks.manage'] as const;

export interface OAuthClient {
  clientId: string;
  publicJwk: JWK;
  scopes: string[];
}

interface IssuedToken {
  clientId: string;
  scopes: Set<string>;
  expiresAt: number;
}

export class OAuthError extends Error {
  constructor(readonly status: number, readonly error: string, readonly description: string) {
    super(description);
  }
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TOKEN_TTL_S = 3600;

export class Auth {
  private clients = new Map<string, OAuthClient>();
  private tokens = new Map<string, IssuedToken>();
  private usedJti = new Map<string, number>();

  constructor(public apiToken: string, private readonly now: () => number = Date.now) {}

  reset(): void {
    this.clients.clear();
    this.tokens.clear();
    this.usedJti.clear();
  }

  registerClient(c: OAuthClient): void {
    this.clients.set(c.clientId, c);
  }

  /** Resolves the Authorization header to a principal, or throws Okta's 401. */
  authenticate(header: string | undefined): Principal {
    if (!header) throw oktaError('E0000011');
    const [scheme, value] = header.split(/\s+/, 2);
    if (scheme === 'SSWS' && value && value === this.apiToken) {
      return { kind: 'ssws', tokenKey: `ssws:${value}`, scopes: 'all' };
    }
    if ((scheme === 'Bearer' || scheme === 'DPoP') && value) {
      const t = this.tokens.get(value);
      if (t && t.expiresAt > this.now()) {
        return { kind: 'oauth', tokenKey: `oauth:${value}`, scopes: t.scopes, clientId: t.clientId };
      }
    }
    throw oktaError('E0000011');
  }

  requireScope(p: Principal, scope: string): void {
    if (p.scopes === 'all' || p.scopes.has(scope)) return;
    // okta.users.manage implies read access to users, as in Okta.
    if (scope === 'okta.users.read' && p.scopes.has('okta.users.manage')) return;
    if (scope === 'okta.eventHooks.read' && p.scopes.has('okta.eventHooks.manage')) return;
    throw oktaError('E0000006');
  }

  /** Client credentials grant with a private_key_jwt assertion; `audiences` are the token endpoint URLs accepted as `aud`. */
  async token(form: URLSearchParams, audiences: string[]): Promise<Record<string, unknown>> {
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
    this.tokens.set(accessToken, { clientId: client.clientId, scopes: new Set(requested), expiresAt: this.now() + TOKEN_TTL_S * 1000 });
    return { token_type: 'Bearer', expires_in: TOKEN_TTL_S, access_token: accessToken, scope: requested.join(' ') };
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
