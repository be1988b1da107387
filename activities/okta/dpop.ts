/**
 * DPoP (RFC 9449) proofs for Okta service apps. Okta turns "Require DPoP" on by default for new API
 * service apps: the token request then needs a `DPoP` proof (first answered with `use_dpop_nonce` and a
 * `DPoP-Nonce` to put in the next proof), and every API call sends `Authorization: DPoP <token>` with a
 * fresh proof bound to the method, the URL and the token (`ath`).
 *
 * The proof key is its own EC P-256 key pair, made in memory per process and never stored: a token bound
 * to it is useless to anyone who reads it off a log or a heap dump of another process.
 */
import { createHash, generateKeyPairSync, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignJWT } from 'jose';

export interface DpopProofInput {
  method: string;
  url: URL;
  /** The access token the proof accompanies (API calls); absent on the token request. */
  accessToken?: string;
  nonce?: string;
}

/** Longest `DPoP-Nonce` kept: the value goes into every later proof. */
const MAX_NONCE_LENGTH = 512;

export class DpopProver {
  private readonly privateKey: KeyObject;
  private readonly publicJwk: JsonWebKey;

  constructor(private readonly now: () => number = Date.now) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    const { kty, crv, x, y } = pair.publicKey.export({ format: 'jwk' });
    this.publicJwk = { kty, crv, x, y };
  }

  /** A single-use proof for one HTTP request. */
  proof(input: DpopProofInput): Promise<string> {
    const claims: Record<string, string> = { htm: input.method, htu: dpopHtu(input.url) };
    if (input.accessToken !== undefined) claims.ath = accessTokenHash(input.accessToken);
    if (input.nonce !== undefined) claims.nonce = input.nonce;
    return new SignJWT(claims)
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: this.publicJwk as Record<string, string> })
      .setIssuedAt(Math.floor(this.now() / 1000))
      .setJti(randomUUID())
      .sign(this.privateKey);
  }
}

/**
 * The `htu` claim: scheme, host and path without query or fragment. Okta compares it with the request
 * path *after* percent-decoding (a login such as `bob%40example.com` in the path must appear as
 * `bob@example.com`), so the path is sent decoded.
 */
export function dpopHtu(url: URL): string {
  let path = url.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // a malformed escape stays as it is
  }
  return `${url.origin}${path}`;
}

/** `ath`: base64url(SHA-256(access token)). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/** The server's `DPoP-Nonce` response header, when it sent a usable one. */
export function dpopNonceHeader(headers: IncomingHttpHeaders): string | undefined {
  const raw = headers['dpop-nonce'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value && value.length <= MAX_NONCE_LENGTH && /^[\x21-\x7e]+$/.test(value) ? value : undefined;
}

/** The `error` of a `WWW-Authenticate: DPoP ...` challenge (e.g. `use_dpop_nonce`), if any. */
export function dpopChallengeError(headers: IncomingHttpHeaders): string | undefined {
  const raw = headers['www-authenticate'];
  const value = Array.isArray(raw) ? raw.join(', ') : raw;
  if (!value || !/^\s*DPoP\b/i.test(value)) return undefined;
  return /\berror\s*=\s*"([^"]{1,64})"/i.exec(value)?.[1];
}
