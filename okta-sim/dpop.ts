/**
 * DPoP proof checks (RFC 9449 §4.3) as Okta applies them: on the token endpoint of an app that requires
 * DPoP (nonce always required there: the first request is answered `use_dpop_nonce` with a `DPoP-Nonce`),
 * and on API calls made with a DPoP-bound token (`ath`, `htm`, `htu` compared with the percent-decoded
 * request path, key thumbprint, single-use `jti`). Resource nonces are optional (off in Okta; on for an
 * app registered with `dpopResourceNonce`, the way RFC 9449 §9 lets a resource server ask for them).
 */
import { createHash, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';

export class DpopError extends Error {
  constructor(
    readonly error: 'invalid_dpop_proof' | 'use_dpop_nonce',
    readonly description: string,
  ) {
    super(description);
  }
}

export interface DpopExpectation {
  method: string;
  /** Accepted `htu` values (scheme, host, decoded path). */
  htu: string[];
  /** The access token the proof must be bound to (`ath`); absent on the token endpoint. */
  accessToken?: string;
  /** The thumbprint the token was bound to; absent on the token endpoint. */
  jkt?: string;
  requireNonce: boolean;
  /** Which kind of server asks for the nonce, for the error text. */
  nonceFrom: 'Authorization server' | 'Resource server';
}

const ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'];
const MAX_PROOF_LENGTH = 8192;
/** How old a proof's `iat` may be, and how far in the future (clock skew). */
const MAX_AGE_S = 300;
const MAX_SKEW_S = 60;
const MAX_SEEN_JTI = 100_000;

export class DpopVerifier {
  private nonce = randomBytes(16).toString('base64url');
  /** jti → time it may be forgotten (after which the `iat` check refuses the proof anyway). */
  private seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  currentNonce(): string {
    return this.nonce;
  }

  rotateNonce(): string {
    this.nonce = randomBytes(16).toString('base64url');
    return this.nonce;
  }

  reset(): void {
    this.seen.clear();
    this.rotateNonce();
  }

  /** Verifies one `DPoP` header; returns the thumbprint of the proof's key. */
  async verify(header: string | string[] | undefined, expect: DpopExpectation): Promise<string> {
    if (header === undefined) throw new DpopError('invalid_dpop_proof', 'The DPoP proof JWT header is missing.');
    if (Array.isArray(header) || header.length > MAX_PROOF_LENGTH) {
      throw new DpopError('invalid_dpop_proof', 'Exactly one DPoP proof JWT header is allowed.');
    }
    let jwk: JWK;
    let alg: string;
    try {
      const protectedHeader = decodeProtectedHeader(header);
      if (protectedHeader.typ !== 'dpop+jwt') throw new Error('typ');
      alg = String(protectedHeader.alg);
      jwk = protectedHeader.jwk as JWK;
      if (!ALGS.includes(alg) || !jwk || typeof jwk !== 'object' || 'd' in jwk) throw new Error('jwk');
    } catch {
      throw new DpopError('invalid_dpop_proof', "The DPoP proof JWT header is invalid ('typ', 'alg' or 'jwk').");
    }
    let payload: Record<string, unknown>;
    try {
      const key = await importJWK(jwk, alg);
      ({ payload } = await jwtVerify(header, key, {
        typ: 'dpop+jwt',
        algorithms: [alg],
        currentDate: new Date(this.now()),
        maxTokenAge: MAX_AGE_S,
        clockTolerance: MAX_SKEW_S,
        requiredClaims: ['iat', 'jti'],
      }));
    } catch {
      throw new DpopError('invalid_dpop_proof', 'The DPoP proof JWT signature or lifetime is invalid.');
    }
    const claim = (name: string) => (typeof payload[name] === 'string' ? (payload[name] as string) : undefined);
    if (claim('htm') !== expect.method) throw new DpopError('invalid_dpop_proof', "'htm' claim in the DPoP proof JWT is invalid.");
    if (!expect.htu.includes(claim('htu') ?? '')) throw new DpopError('invalid_dpop_proof', "'htu' claim in the DPoP proof JWT is invalid.");
    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    if (expect.accessToken !== undefined) {
      const ath = createHash('sha256').update(expect.accessToken, 'ascii').digest('base64url');
      if (claim('ath') !== ath) throw new DpopError('invalid_dpop_proof', "'ath' claim in the DPoP proof JWT is invalid.");
      if (jkt !== expect.jkt) throw new DpopError('invalid_dpop_proof', 'The DPoP proof JWT key does not match the access token binding.');
    }
    if (expect.requireNonce && claim('nonce') !== this.nonce) {
      throw new DpopError('use_dpop_nonce', `${expect.nonceFrom} requires nonce in DPoP proof.`);
    }
    const jti = claim('jti') ?? '';
    if (jti.length === 0 || jti.length > 256) throw new DpopError('invalid_dpop_proof', "'jti' claim in the DPoP proof JWT is invalid.");
    this.prune();
    if (this.seen.has(jti)) throw new DpopError('invalid_dpop_proof', 'The DPoP proof JWT has already been used.');
    this.seen.set(jti, this.now() + (MAX_AGE_S + MAX_SKEW_S) * 1000);
    return jkt;
  }

  private prune(): void {
    const t = this.now();
    for (const [jti, until] of this.seen) if (until < t) this.seen.delete(jti);
    // Under a flood, forget the oldest first: their `iat` soon makes them unusable anyway.
    while (this.seen.size >= MAX_SEEN_JTI) this.seen.delete(this.seen.keys().next().value!);
  }
}

/** The `WWW-Authenticate` value Okta sends with a DPoP refusal. */
export function dpopChallenge(err: DpopError): string {
  return `DPoP algs="${ALGS.join(' ')}", error="${err.error}", error_description="${err.description}"`;
}
