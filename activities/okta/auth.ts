import { createPrivateKey, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { DEFAULT_OKTA_SCOPES, type OktaAuth, type OktaConnection } from './config.js';
import { OktaConfigError, OktaResponseShapeError } from './errors.js';
import { parseJson, type OktaHttp } from './http.js';
import { OAuthTokenResponseSchema, describeIssues } from './schemas.js';

/** Supplies the Authorization header for management API calls. */
export interface OktaAuthProvider {
  readonly kind: OktaAuth['kind'];
  authorization(): Promise<string>;
  /** Drop a cached token (after a 401) so the next call fetches a fresh one. */
  invalidate(): void;
}

/** Refresh this long before expiry so a token never expires mid-request. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;
/** Okta accepts assertions valid up to 1 h; keep them short-lived. */
const ASSERTION_LIFETIME_SECONDS = 300;

export function createAuthProvider(conn: OktaConnection, http: OktaHttp, now: () => number = Date.now): OktaAuthProvider {
  const auth = conn.auth;
  if (auth.kind === 'ssws') {
    if (!auth.token.trim()) throw new OktaConfigError('OKTA_API_TOKEN is empty');
    const header = `SSWS ${auth.token.trim()}`;
    return { kind: 'ssws', authorization: () => Promise.resolve(header), invalidate: () => undefined };
  }
  return new OAuthClientCredentials(conn, auth, http, now);
}

type SigningKey = { key: KeyObject; alg: 'RS256' | 'ES256' | 'ES384' | 'ES512' };

/**
 * Parses the private key once, up front, so a bad key fails at client creation with a message that
 * names the setting but never echoes the key. Accepts PKCS#8 / PKCS#1 / SEC1 PEM (with literal `\n`
 * from env files) or a private JWK as Okta's admin console downloads it.
 */
export function loadSigningKey(material: string): SigningKey {
  let key: KeyObject;
  try {
    const text = material.trim().replace(/\\n/g, '\n');
    key = text.startsWith('{')
      ? createPrivateKey({ key: JSON.parse(text) as JsonWebKey, format: 'jwk' })
      : createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw new OktaConfigError('OKTA_PRIVATE_KEY is not a valid PKCS#8/PEM private key (or private JWK); check the setting');
  }
  if (key.asymmetricKeyType === 'rsa') return { key, alg: 'RS256' };
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { key, alg: 'ES256' };
    if (curve === 'secp384r1') return { key, alg: 'ES384' };
    if (curve === 'secp521r1') return { key, alg: 'ES512' };
  }
  throw new OktaConfigError('OKTA_PRIVATE_KEY must be an RSA or EC (P-256/P-384/P-521) private key');
}

class OAuthClientCredentials implements OktaAuthProvider {
  readonly kind = 'oauth' as const;
  private readonly signing: SigningKey;
  private readonly tokenUrl: URL;
  private readonly scope: string;
  private cached: { header: string; refreshAt: number } | undefined;
  /** Shared by concurrent callers so a burst of activities triggers one token request. */
  private inFlight: Promise<string> | undefined;

  constructor(
    conn: OktaConnection,
    private readonly auth: Extract<OktaAuth, { kind: 'oauth' }>,
    private readonly http: OktaHttp,
    private readonly now: () => number,
  ) {
    if (!auth.clientId.trim()) throw new OktaConfigError('OKTA_CLIENT_ID is empty');
    this.signing = loadSigningKey(auth.privateKeyPem);
    this.tokenUrl = new URL('/oauth2/v1/token', conn.orgUrl);
    this.scope = (auth.scopes.length > 0 ? auth.scopes : DEFAULT_OKTA_SCOPES).join(' ');
  }

  authorization(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return Promise.resolve(this.cached.header);
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    const requestedAt = this.now();
    const res = await this.http.send({
      method: 'POST',
      url: this.tokenUrl,
      form: {
        grant_type: 'client_credentials',
        scope: this.scope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await this.assertion(requestedAt),
      },
    });
    const parsed = OAuthTokenResponseSchema.safeParse(parseJson(res.body));
    if (!parsed.success) {
      throw new OktaResponseShapeError(describeIssues('token', parsed.error), 'POST', this.tokenUrl.pathname);
    }
    if (parsed.data.token_type.toLowerCase() !== 'bearer') {
      throw new OktaConfigError(
        `Okta issued a "${parsed.data.token_type}" token; this service supports Bearer tokens only (turn off "Require DPoP" on the Okta app)`,
      );
    }
    const header = `Bearer ${parsed.data.access_token}`;
    this.cached = { header, refreshAt: requestedAt + parsed.data.expires_in * 1000 - TOKEN_REFRESH_MARGIN_MS };
    return header;
  }

  /** RFC 7523 client assertion for `private_key_jwt`. */
  private assertion(nowMs: number): Promise<string> {
    const iat = Math.floor(nowMs / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: this.signing.alg, typ: 'JWT', ...(this.auth.keyId ? { kid: this.auth.keyId } : {}) })
      .setIssuer(this.auth.clientId)
      .setSubject(this.auth.clientId)
      .setAudience(this.tokenUrl.href)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ASSERTION_LIFETIME_SECONDS)
      .setJti(randomUUID())
      .sign(this.signing.key);
  }
}
