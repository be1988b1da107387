/**
 * Who is who in the web chat and the helpdesk console: people sign in with a personal token
 * (WEB_USERS="email:token,..."), and get a random session ID in an HttpOnly, SameSite=Strict cookie
 * (Secure over https). Tokens are kept only as SHA-256 hashes and every hash is compared (constant
 * time, no early exit), so timing says nothing about which user or token matched. Sessions live in
 * memory, bounded in number and lifetime; a restart signs everyone out.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface WebSession {
  email: string;
  /** Sent back in X-CSRF-Token on every state-changing call (a second line behind SameSite=Strict). */
  csrf: string;
  expiresAt: number;
}

export const SESSION_COOKIE = 'oaa_session';
const DEFAULT_TTL_MS = 8 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;

const sha256 = (value: string) => createHash('sha256').update(value).digest();

export class WebSessions {
  private readonly users: { email: string; hash: Buffer }[];
  /** Keyed by the SHA-256 of the session ID: the map never holds a usable cookie value. */
  private readonly sessions = new Map<string, WebSession>();

  constructor(
    users: { email: string; token: string }[],
    private readonly ttlMs = DEFAULT_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.users = users.map((u) => ({ email: u.email.toLowerCase(), hash: sha256(`${u.email.toLowerCase()}\n${u.token}`) }));
  }

  get size(): number {
    return this.sessions.size;
  }

  /** A new session ID for this email and token, or undefined. */
  signIn(email: string, token: string): { id: string; session: WebSession } | undefined {
    const given = sha256(`${email.trim().toLowerCase()}\n${token}`);
    let match: string | undefined;
    for (const u of this.users) if (timingSafeEqual(given, u.hash) && !match) match = u.email;
    if (!match) return undefined;
    this.sweep();
    const id = randomBytes(32).toString('base64url');
    const session = { email: match, csrf: randomBytes(24).toString('base64url'), expiresAt: this.now() + this.ttlMs };
    this.sessions.set(sha256(id).toString('base64url'), session);
    return { id, session };
  }

  get(id: string | undefined): WebSession | undefined {
    if (!id || id.length > 100) return undefined;
    const key = sha256(id).toString('base64url');
    const session = this.sessions.get(key);
    if (session && session.expiresAt <= this.now()) this.sessions.delete(key);
    return session && session.expiresAt > this.now() ? session : undefined;
  }

  signOut(id: string | undefined): void {
    if (id) this.sessions.delete(sha256(id).toString('base64url'));
  }

  /** Expired sessions go; past the cap the oldest go too (Map keeps insertion order). */
  private sweep(): void {
    const now = this.now();
    for (const [key, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(key);
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
  }
}

/** The CSRF header matches the session's (constant time). */
export function csrfMatches(session: WebSession, given: unknown): boolean {
  if (typeof given !== 'string' || given.length > 100) return false;
  return timingSafeEqual(sha256(given), sha256(session.csrf));
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').slice(0, 8192).split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(value: string, secure: boolean, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/web; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}
