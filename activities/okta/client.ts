import { z } from 'zod';
import type { MetricMeter } from '@temporalio/common';
import { createAuthProvider, type OktaAuthProvider } from './auth.js';
import type { OktaConnection } from './config.js';
import { OktaApiError, OktaConfigError, OktaResponseShapeError } from './errors.js';
import { OktaHttp, nextLink, parseJson, type HttpMethod, type HttpResponse, type RequestLogger } from './http.js';
import {
  EventHookListSchema,
  EventHookSchema,
  GroupListSchema,
  GroupMemberListSchema,
  LogEventSchema,
  ResetPasswordTokenSchema,
  UserFactorListSchema,
  UserListSchema,
  UserSchema,
  describeIssues,
  type EventHook,
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

/** An event hook as this product registers it: one HTTP channel, a header carrying the secret. */
export interface EventHookSpec {
  name: string;
  uri: string;
  eventTypes: string[];
  authHeader: string;
  /** Sent by Okta with every hook call; write-only in Okta (never returned). */
  secret: string;
}

export interface OktaClientOptions {
  logger?: RequestLogger;
  /** Where Okta call metrics go (the worker passes the SDK runtime's meter); none by default. */
  meter?: MetricMeter;
  /** Clock for OAuth token caching; injectable for tests. */
  now?: () => number;
}

/** Okta filter/search string literal: backslash-escape `\` and `"`. */
export function oktaStringLiteral(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Guards following `Link` headers: at most this many pages for list endpoints we read whole. */
const MAX_PAGES = 20;
/** Groups one name query may return before the answer is treated as cut off. */
const GROUP_QUERY_LIMIT = 200;
/** Okta's default page of group members. */
const GROUP_MEMBERS_PAGE = 1000;

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
    this.http = new OktaHttp(conn, opts.logger, opts.meter);
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

  /**
   * Groups named exactly `name` (case-sensitive, as the user-groups check compares). Okta's `q` matches
   * name prefixes and cannot be paged: a full page may hide an exact match, so `complete` says whether
   * the answer can be trusted.
   */
  async findGroupsByName(name: string): Promise<{ groups: Group[]; complete: boolean }> {
    const url = this.url('/api/v1/groups');
    url.searchParams.set('q', name);
    url.searchParams.set('limit', String(GROUP_QUERY_LIMIT));
    const found = this.parse(await this.request('GET', url), 'GET', url, 'groups', GroupListSchema);
    return { groups: found.filter((g) => g.profile.name === name), complete: found.length < GROUP_QUERY_LIMIT };
  }

  /** The ids of a group's members, following Link pages; stops (complete: false) past `maxMembers`. */
  async listGroupMemberIds(groupId: string, maxMembers: number): Promise<{ ids: string[]; complete: boolean }> {
    const ids: string[] = [];
    let url: URL | undefined = this.url(`/api/v1/groups/${seg(groupId)}/users`);
    url.searchParams.set('limit', String(GROUP_MEMBERS_PAGE));
    const maxPages = Math.ceil(maxMembers / GROUP_MEMBERS_PAGE) + 1;
    for (let page = 0; url; page++) {
      if (ids.length > maxMembers || page >= maxPages) return { ids, complete: false };
      const res = await this.request('GET', url);
      for (const m of this.parse(res, 'GET', url, 'users', GroupMemberListSchema)) ids.push(m.id);
      const next = nextLink(res.headers);
      url = next ? this.sameOrgUrl(next, url.pathname) : undefined;
    }
    return { ids, complete: ids.length <= maxMembers };
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

  async listEventHooks(): Promise<EventHook[]> {
    const url = this.url('/api/v1/eventHooks');
    return this.parse(await this.request('GET', url), 'GET', url, 'eventHooks', EventHookListSchema);
  }

  /** Created ACTIVE and UNVERIFIED: Okta delivers nothing until `verifyEventHook` succeeds. */
  async createEventHook(spec: EventHookSpec): Promise<EventHook> {
    return this.eventHookCall('POST', '/api/v1/eventHooks', eventHookBody(spec));
  }

  /** Replaces name, events, URI and secret; a changed URI needs verifying again. */
  async replaceEventHook(id: string, spec: EventHookSpec): Promise<EventHook> {
    return this.eventHookCall('PUT', `/api/v1/eventHooks/${seg(id)}`, eventHookBody(spec));
  }

  /** Okta calls the hook's URI with a challenge it must echo; fails with 400 when it does not. */
  async verifyEventHook(id: string): Promise<EventHook> {
    return this.eventHookCall('POST', `/api/v1/eventHooks/${seg(id)}/lifecycle/verify`);
  }

  async setEventHookActive(id: string, active: boolean): Promise<EventHook> {
    return this.eventHookCall('POST', `/api/v1/eventHooks/${seg(id)}/lifecycle/${active ? 'activate' : 'deactivate'}`);
  }

  private async eventHookCall(method: HttpMethod, path: string, json?: unknown): Promise<EventHook> {
    const url = this.url(path);
    return this.parse(await this.request(method, url, json), method, url, 'eventHook', EventHookSchema);
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

  /**
   * One API call. Retried here at most twice, for auth reasons only: a DPoP nonce challenge (keep the new
   * nonce, send a fresh proof) and a 401 on a cached OAuth token (revoked or expired early: fetch a new
   * one). Every other failure goes to the activity's retry policy.
   */
  private async request(method: HttpMethod, url: URL, json?: unknown): Promise<HttpResponse> {
    const body = json === undefined ? {} : { json };
    let nonceRetried = false;
    let tokenRetried = false;
    for (;;) {
      try {
        return await this.http.send({ method, url, headers: await this.auth.headers(method, url), ...body });
      } catch (err) {
        if (!(err instanceof OktaApiError)) throw err;
        if (!nonceRetried && this.auth.acceptNonceChallenge(err)) {
          nonceRetried = true;
          continue;
        }
        if (!tokenRetried && err.status === 401 && this.auth.kind === 'oauth') {
          tokenRetried = true;
          this.auth.invalidate();
          continue;
        }
        throw err;
      }
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

function eventHookBody(spec: EventHookSpec): Record<string, unknown> {
  return {
    name: spec.name,
    events: { type: 'EVENT_TYPE', items: spec.eventTypes },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: { uri: spec.uri, headers: [], authScheme: { type: 'HEADER', key: spec.authHeader, value: spec.secret } },
    },
  };
}

/** Path segment: IDs are safe, but logins contain `@` and could contain `/`. */
function seg(value: string): string {
  if (value === '') throw new OktaConfigError('empty Okta id');
  return encodeURIComponent(value);
}
