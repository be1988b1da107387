import { createPrivateKey, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { DEFAULT_OKTA_SCOPES, type OktaAuth, type OktaConnection } from './config.js';
import { DpopProver, dpopNonceHeader } from './dpop.js';
import { OktaApiError, OktaConfigError, OktaResponseShapeError } from './errors.js';
import { parseJson, type HttpMethod, type OktaHttp } from './http.js';
import { OAuthTokenResponseSchema, describeIssues } from './schemas.js';

/** Supplies the auth headers for management API calls. */
export interface OktaAuthProvider {
  readonly kind: OktaAuth['kind'];
  /** `Authorization` (and, for a DPoP-bound token, a fresh `DPoP` proof) for one call. */
  headers(method: HttpMethod, url: URL): Promise<Record<string, string>>;
  /** Drop a cached token (after a 401) so the next call fetches a fresh one. */
  invalidate(): void;
  /**
   * Okta refused a call with `WWW-Authenticate: DPoP error="use_dpop_nonce"` and a `DPoP-Nonce`: keep the
   * nonce for the next proofs and answer true (the caller retries once); false for anything else.
   */
  acceptNonceChallenge(err: OktaApiError): boolean;
}

/** Refresh this long before expiry so a token never expires mid-request. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;
/** Okta accepts assertions valid up to 1 h; keep them short-lived. */
const ASSERTION_LIFETIME_SECONDS = 300;

export function createAuthProvider(conn: OktaConnection, http: OktaHttp, now: () => number = Date.now): OktaAuthProvider {
  const auth = conn.auth;
  if (auth.kind === 'ssws') {
    if (!auth.token.trim()) throw new OktaConfigError('OKTA_API_TOKEN is empty');
    const headers = { authorization: `SSWS ${auth.token.trim()}` };
    return { kind: 'ssws', headers: () => Promise.resolve(headers), invalidate: () => undefined, acceptNonceChallenge: () => false };
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

interface CachedToken {
  accessToken: string;
  /** Okta answered `token_type: DPoP`: every call needs `Authorization: DPoP` and a proof. */
  dpop: boolean;
  refreshAt: number;
}

class OAuthClientCredentials implements OktaAuthProvider {
  readonly kind = 'oauth' as const;
  private readonly signing: SigningKey;
  private readonly tokenUrl: URL;
  private readonly scope: string;
  private cached: CachedToken | undefined;
  /** Shared by concurrent callers so a burst of activities triggers one token request. */
  private inFlight: Promise<CachedToken> | undefined;
  /** Made on first need: with OKTA_DPOP=auto, when Okta says the app requires DPoP. */
  private prover: DpopProver | undefined;
  private tokenNonce: string | undefined;
  private resourceNonce: string | undefined;

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
    if ((auth.dpop ?? 'auto') === 'on') this.prover = new DpopProver(now);
  }

  async headers(method: HttpMethod, url: URL): Promise<Record<string, string>> {
    const token = await this.token();
    if (!token.dpop || !this.prover) return { authorization: `Bearer ${token.accessToken}` };
    const proof = await this.prover.proof({
      method,
      url,
      accessToken: token.accessToken,
      ...(this.resourceNonce !== undefined ? { nonce: this.resourceNonce } : {}),
    });
    return { authorization: `DPoP ${token.accessToken}`, dpop: proof };
  }

  invalidate(): void {
    this.cached = undefined;
  }

  acceptNonceChallenge(err: OktaApiError): boolean {
    if (!this.cached?.dpop || err.dpopChallenge !== 'use_dpop_nonce' || !err.dpopNonce) return false;
    if (err.dpopNonce === this.resourceNonce) return false; // the same nonce again: retrying cannot help
    this.resourceNonce = err.dpopNonce;
    return true;
  }

  private token(): Promise<CachedToken> {
    if (this.cached && this.now() < this.cached.refreshAt) return Promise.resolve(this.cached);
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * Client credentials with a `private_key_jwt` assertion; with DPoP, a proof on the request. Okta first
   * answers a DPoP token request with 400 `use_dpop_nonce` and a `DPoP-Nonce`: the request is repeated
   * once with that nonce (and a new assertion: each one is single-use). With OKTA_DPOP=auto a plain
   * request refused with `invalid_dpop_proof` (the app requires DPoP) is repeated with a proof.
   */
  private async fetchToken(): Promise<CachedToken> {
    let nonceRetried = false;
    for (;;) {
      const requestedAt = this.now();
      const proof = this.prover
        ? await this.prover.proof({ method: 'POST', url: this.tokenUrl, ...(this.tokenNonce !== undefined ? { nonce: this.tokenNonce } : {}) })
        : undefined;
      let res;
      try {
        res = await this.http.send({
          method: 'POST',
          url: this.tokenUrl,
          ...(proof ? { headers: { dpop: proof } } : {}),
          form: {
            grant_type: 'client_credentials',
            scope: this.scope,
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: await this.assertion(requestedAt),
          },
        });
      } catch (err) {
        if (!(err instanceof OktaApiError) || err.status !== 400) throw err;
        if (this.prover && err.errorCode === 'use_dpop_nonce' && err.dpopNonce && !nonceRetried) {
          nonceRetried = true;
          this.tokenNonce = err.dpopNonce;
          continue;
        }
        // Without a proof: the app requires DPoP. (With one, the proof itself was refused: Okta's error stands.)
        if (!this.prover && err.errorCode === 'invalid_dpop_proof') {
          if ((this.auth.dpop ?? 'auto') === 'off') {
            throw new OktaConfigError('The Okta app requires DPoP ("Require Demonstrating Proof of Possession"); set OKTA_DPOP=auto or on');
          }
          this.prover = new DpopProver(this.now);
          continue;
        }
        throw err;
      }
      const fresh = dpopNonceHeader(res.headers);
      if (fresh) this.tokenNonce = fresh;
      return (this.cached = this.readToken(res.body, requestedAt));
    }
  }

  private readToken(body: string, requestedAt: number): CachedToken {
    const parsed = OAuthTokenResponseSchema.safeParse(parseJson(body));
    if (!parsed.success) {
      throw new OktaResponseShapeError(describeIssues('token', parsed.error), 'POST', this.tokenUrl.pathname);
    }
    const type = parsed.data.token_type.toLowerCase();
    if (type !== 'bearer' && !(type === 'dpop' && this.prover)) {
      throw new OktaResponseShapeError(`token: unsupported token_type "${parsed.data.token_type.slice(0, 20)}"`, 'POST', this.tokenUrl.pathname);
    }
    return {
      accessToken: parsed.data.access_token,
      dpop: type === 'dpop',
      refreshAt: requestedAt + parsed.data.expires_in * 1000 - TOKEN_REFRESH_MARGIN_MS,
    };
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
