import { z } from 'zod';
import { createAuthProvider, type OktaAuthProvider } from './auth.js';
import type { OktaConnection } from './config.js';
import { OktaApiError, OktaConfigError, OktaResponseShapeError } from './errors.js';
import { OktaHttp, nextLink, parseJson, type HttpMethod, type HttpResponse, type RequestLogger } from './http.js';
import {
  GroupListSchema,
  LogEventSchema,
  ResetPasswordTokenSchema,
  UserFactorListSchema,
  UserListSchema,
  UserSchema,
  describeIssues,
  type Group,
  type LogEvent,
  type ResetPasswordToken,
  type User,
  type UserFactor,
} from './schemas.js';

const RawListSchema = z.array(z.unknown());

export type ListLogEventsParams =
  | { nextUrl: string }
  | {
      /** ISO 8601; polling request (no `until`), so Okta always returns a next link. */
      since?: string;
      filter?: string;
      /** 0..1000 */
      limit?: number;
    };

/** An event Okta returned that this product cannot read (reported by the poller, never fatal). */
export interface MalformedLogEvent {
  index: number;
  uuid?: string;
  problem: string;
}

export interface LogEventPage {
  events: LogEvent[];
  /** Events dropped from `events` because their shape is unreadable: one odd event must not wedge the cursor. */
  malformed: MalformedLogEvent[];
  /** The `Link rel="next"` URL exactly as Okta sent it. */
  nextUrl: string | undefined;
}

export interface OktaClientOptions {
  logger?: RequestLogger;
  /** Clock for OAuth token caching; injectable for tests. */
  now?: () => number;
}

/** Okta filter/search string literal: backslash-escape `\` and `"`. */
export function oktaStringLiteral(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Guards following `Link` headers: at most this many pages for list endpoints we read whole. */
const MAX_PAGES = 20;

export class OktaClient {
  private readonly origin: string;
  private readonly http: OktaHttp;
  private readonly auth: OktaAuthProvider;

  constructor(conn: OktaConnection, opts: OktaClientOptions = {}) {
    let org: URL;
    try {
      org = new URL(conn.orgUrl);
    } catch {
      throw new OktaConfigError('OKTA_ORG_URL is not a valid URL');
    }
    if (org.protocol !== 'https:' && org.protocol !== 'http:') throw new OktaConfigError('OKTA_ORG_URL must be http(s)');
    this.origin = org.origin;
    this.http = new OktaHttp(conn, opts.logger);
    this.auth = createAuthProvider({ ...conn, orgUrl: this.origin }, this.http, opts.now);
  }

  /** One page of System Log events. Never builds `after` itself: follow `nextUrl` verbatim. */
  async listLogEvents(params: ListLogEventsParams): Promise<LogEventPage> {
    const url = this.logPageUrl(params);
    const { items: raw, nextUrl } = await this.fetchLogPage(url);
    const events: LogEvent[] = [];
    const malformed: MalformedLogEvent[] = [];
    raw.forEach((item, index) => {
      const parsed = LogEventSchema.safeParse(item);
      if (parsed.success) events.push(parsed.data);
      else {
        const uuid = typeof (item as { uuid?: unknown } | null)?.uuid === 'string' ? (item as { uuid: string }).uuid : undefined;
        malformed.push({ index, ...(uuid ? { uuid } : {}), problem: describeIssues(`events[${index}]`, parsed.error) });
      }
    });
    return { events, malformed, nextUrl };
  }

  /**
   * One page of System Log events as Okta sent them, unvalidated: the caller projects each item (see
   * workflows/lockout/log-event.ts). The next link is returned verbatim; check it with `nextLinkProblem`.
   */
  async listLogEventsRaw(params: ListLogEventsParams): Promise<{ items: unknown[]; nextUrl: string | undefined }> {
    return this.fetchLogPage(this.logPageUrl(params));
  }

  /** Why a next link must not be followed (another host, another path), or undefined when it is fine. */
  nextLinkProblem(raw: string): string | undefined {
    try {
      this.sameOrgUrl(raw, '/api/v1/logs');
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  private async fetchLogPage(url: URL): Promise<{ items: unknown[]; nextUrl: string | undefined }> {
    const res = await this.request('GET', url);
    return { items: this.parse(res, 'GET', url, 'events', RawListSchema), nextUrl: nextLink(res.headers) };
  }

  async getUser(idOrLogin: string): Promise<User> {
    const url = this.url(`/api/v1/users/${seg(idOrLogin)}`);
    return this.parse(await this.request('GET', url), 'GET', url, 'user', UserSchema);
  }

  /**
   * Exact login match first (`filter`, strongly consistent), then primary email (`search`, eventually
   * consistent). An email shared by several users returns undefined: acting on a guess could unlock
   * or reset the wrong person.
   */
  async findUserByLoginOrEmail(value: string): Promise<User | undefined> {
    const byLogin = this.url('/api/v1/users');
    byLogin.searchParams.set('filter', `profile.login eq ${oktaStringLiteral(value)}`);
    byLogin.searchParams.set('limit', '2');
    const logins = this.parse(await this.request('GET', byLogin), 'GET', byLogin, 'users', UserListSchema);
    if (logins.length === 1) return logins[0];

    const byEmail = this.url('/api/v1/users');
    byEmail.searchParams.set('search', `profile.email eq ${oktaStringLiteral(value)}`);
    byEmail.searchParams.set('limit', '2');
    const emails = this.parse(await this.request('GET', byEmail), 'GET', byEmail, 'users', UserListSchema);
    return emails.length === 1 ? emails[0] : undefined;
  }

  async listUserGroups(userId: string): Promise<Group[]> {
    const groups: Group[] = [];
    let url: URL | undefined = this.url(`/api/v1/users/${seg(userId)}/groups`);
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const res = await this.request('GET', url);
      groups.push(...this.parse(res, 'GET', url, 'groups', GroupListSchema));
      const next = nextLink(res.headers);
      url = next ? this.sameOrgUrl(next, url.pathname) : undefined;
    }
    return groups;
  }

  async unlockUser(userId: string): Promise<void> {
    await this.request('POST', this.url(`/api/v1/users/${seg(userId)}/lifecycle/unlock`));
  }

  /**
   * Never lets Okta email the link (`sendEmail=false`): the product delivers it. The returned URL is
   * a credential for that user — do not log it.
   */
  async resetPassword(userId: string, opts: { revokeSessions: boolean }): Promise<ResetPasswordToken> {
    const url = this.url(`/api/v1/users/${seg(userId)}/lifecycle/reset_password`);
    url.searchParams.set('sendEmail', 'false');
    url.searchParams.set('revokeSessions', String(opts.revokeSessions));
    const token = this.parse(await this.request('POST', url), 'POST', url, 'body', ResetPasswordTokenSchema);
    return { resetPasswordUrl: token.resetPasswordUrl };
  }

  async resetFactors(userId: string): Promise<void> {
    await this.request('POST', this.url(`/api/v1/users/${seg(userId)}/lifecycle/reset_factors`));
  }

  async listFactors(userId: string): Promise<UserFactor[]> {
    const url = this.url(`/api/v1/users/${seg(userId)}/factors`);
    return this.parse(await this.request('GET', url), 'GET', url, 'factors', UserFactorListSchema);
  }

  async deleteFactor(userId: string, factorId: string): Promise<void> {
    await this.request('DELETE', this.url(`/api/v1/users/${seg(userId)}/factors/${seg(factorId)}`));
  }

  private url(path: string): URL {
    return new URL(path, this.origin);
  }

  /** Only follow links back to our own org and the expected endpoint: the Authorization header goes along. */
  private logPageUrl(params: ListLogEventsParams): URL {
    if ('nextUrl' in params) return this.sameOrgUrl(params.nextUrl, '/api/v1/logs');
    const url = this.url('/api/v1/logs');
    // Polling request: ascending, `since` without `until` (see shared/okta/README.md).
    url.searchParams.set('sortOrder', 'ASCENDING');
    if (params.since !== undefined) url.searchParams.set('since', params.since);
    if (params.filter) url.searchParams.set('filter', params.filter);
    if (params.limit !== undefined) url.searchParams.set('limit', String(params.limit));
    return url;
  }

  private sameOrgUrl(raw: string, expectedPath: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new OktaConfigError('next link is not an absolute URL');
    }
    if (url.origin !== this.origin) throw new OktaConfigError(`next link points outside the Okta org (${url.origin})`);
    if (url.pathname !== expectedPath) throw new OktaConfigError(`next link is not for ${expectedPath}`);
    return url;
  }

  private async request(method: HttpMethod, url: URL): Promise<HttpResponse> {
    const authorization = await this.auth.authorization();
    try {
      return await this.http.send({ method, url, authorization });
    } catch (err) {
      // A cached OAuth token can be revoked or expire early; fetch a new one and try exactly once more.
      if (!(err instanceof OktaApiError && err.status === 401 && this.auth.kind === 'oauth')) throw err;
      this.auth.invalidate();
      return this.http.send({ method, url, authorization: await this.auth.authorization() });
    }
  }

  private parse<T>(res: HttpResponse, method: HttpMethod, url: URL, root: string, schema: z.ZodType<T>): T {
    const json = parseJson(res.body);
    if (json === undefined) throw new OktaResponseShapeError(`${root}: body is not JSON`, method, url.pathname);
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new OktaResponseShapeError(describeIssues(root, parsed.error), method, url.pathname);
    return parsed.data;
  }
}

export function createOktaClient(conn: OktaConnection, opts?: OktaClientOptions): OktaClient {
  return new OktaClient(conn, opts);
}

/** Path segment: IDs are safe, but logins contain `@` and could contain `/`. */
function seg(value: string): string {
  if (value === '') throw new OktaConfigError('empty Okta id');
  return encodeURIComponent(value);
}
