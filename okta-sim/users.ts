import { oktaError } from './errors.js';
import { FilterSyntaxError, matchesFilter, parseFilter, type FilterNode } from './filter.js';
import { Prng } from './prng.js';
import type { FactorType, UserStatus } from './types.js';

export interface SimFactor {
  id: string;
  factorType: FactorType;
  provider: string;
  vendorName: string;
  status: string;
  created: string;
  lastUpdated: string;
  profile: Record<string, unknown>;
}

export interface SimUser {
  id: string;
  status: UserStatus;
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  profile: Record<string, unknown> & { login: string; email: string; firstName: string | null; lastName: string | null };
  groupIds: string[];
  /** null until first read: generated users derive their factors lazily from the seed to keep 100k users cheap. */
  factors: SimFactor[] | null;
}

export interface SimGroup {
  id: string;
  name: string;
  description: string;
  type: 'OKTA_GROUP' | 'BUILT_IN' | 'APP_GROUP';
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
}

export interface FactorInput {
  factorType: FactorType;
  provider?: string;
  status?: string;
  profile?: Record<string, unknown>;
  id?: string;
}

const VENDOR: Record<string, string> = { OKTA: 'OKTA', GOOGLE: 'GOOGLE', FIDO: 'FIDO', RSA: 'RSA' };

function defaultProvider(t: FactorType): string {
  if (t === 'webauthn' || t === 'u2f') return 'FIDO';
  if (t === 'token:hardware') return 'YUBICO';
  return 'OKTA';
}

const ID_PREFIX: Record<FactorType, string> = {
  sms: 'sms', call: 'clf', email: 'emf', push: 'opf', question: 'ufs', 'token:software:totp': 'ost', webauthn: 'fwf', u2f: 'fuf', 'token:hardware': 'ykf',
};

function defaultProfile(t: FactorType, user: SimUser, prng: Prng): Record<string, unknown> {
  const phone = `+1415555${String(1000 + prng.int(9000))}`;
  switch (t) {
    case 'sms': return { phoneNumber: phone };
    case 'call': return { phoneNumber: phone, phoneExtension: null };
    case 'email': return { email: user.profile.email };
    case 'push': return { credentialId: user.profile.login, deviceType: 'SmartPhone_IPhone', name: 'iPhone', platform: 'IOS', version: '17.4' };
    case 'question': return { question: 'disliked_food', questionText: 'What is the food you least liked as a child?' };
    case 'token:software:totp': return { credentialId: user.profile.login };
    case 'webauthn': return { credentialId: prng.chars(43), authenticatorName: 'Touch ID' };
    case 'u2f': return { credentialId: prng.chars(43) };
    case 'token:hardware': return { credentialId: `cccccc${prng.chars(6, 'cbdefghijklnrtuv')}` };
  }
}

export class UserStore {
  private list: SimUser[] = [];
  private byId = new Map<string, number>();
  private byLogin = new Map<string, number>();
  private byEmail = new Map<string, number[]>();
  readonly groups = new Map<string, SimGroup>();
  private groupsByName = new Map<string, string>();

  constructor(
    private readonly prng: Prng,
    private readonly factorSeed: string,
  ) {}

  get size(): number {
    return this.list.length;
  }

  clear(): void {
    this.list = [];
    this.byId.clear();
    this.byLogin.clear();
    this.byEmail.clear();
    this.groups.clear();
    this.groupsByName.clear();
  }

  ensureGroup(name: string, opts: { description?: string; type?: SimGroup['type']; at?: string } = {}): SimGroup {
    const existing = this.groupsByName.get(name.toLowerCase());
    if (existing) return this.groups.get(existing) as SimGroup;
    const at = opts.at ?? new Date().toISOString();
    const g: SimGroup = {
      id: this.prng.oktaId('00g'),
      name,
      description: opts.description ?? `${name} group`,
      type: opts.type ?? 'OKTA_GROUP',
      created: at,
      lastUpdated: at,
      lastMembershipUpdated: at,
    };
    this.groups.set(g.id, g);
    this.groupsByName.set(name.toLowerCase(), g.id);
    return g;
  }

  add(input: {
    id?: string;
    login: string;
    email?: string;
    firstName?: string | null;
    lastName?: string | null;
    status?: UserStatus;
    profile?: Record<string, unknown>;
    groups?: string[];
    factors?: FactorInput[] | null;
    created?: string;
  }): SimUser {
    const login = input.login;
    if (this.byLogin.has(login.toLowerCase())) {
      throw oktaError('E0000001', 'login: An object with this field already exists in the current organization', ['login: An object with this field already exists in the current organization']);
    }
    const id = input.id ?? this.prng.oktaId('00u');
    if (this.byId.has(id)) throw oktaError('E0000001', `id: ${id} already exists`, [`id: ${id} already exists`]);
    const created = input.created ?? new Date().toISOString();
    const status = input.status ?? 'ACTIVE';
    const user: SimUser = {
      id,
      status,
      created,
      activated: status === 'STAGED' || status === 'PROVISIONED' ? null : created,
      statusChanged: created,
      lastLogin: null,
      lastUpdated: created,
      passwordChanged: status === 'STAGED' || status === 'PROVISIONED' ? null : created,
      profile: {
        firstName: input.firstName ?? null,
        lastName: input.lastName ?? null,
        mobilePhone: null,
        secondEmail: null,
        ...(input.profile ?? {}),
        login,
        email: input.email ?? login,
      },
      groupIds: [],
      factors: input.factors === null ? null : [],
    };
    const everyone = this.ensureGroup('Everyone', { type: 'BUILT_IN', description: 'All users in your organization', at: created });
    user.groupIds.push(everyone.id);
    for (const name of input.groups ?? []) {
      const g = this.ensureGroup(name);
      if (!user.groupIds.includes(g.id)) user.groupIds.push(g.id);
    }
    const idx = this.list.length;
    this.list.push(user);
    this.byId.set(id, idx);
    this.byLogin.set(login.toLowerCase(), idx);
    const emailKey = user.profile.email.toLowerCase();
    this.byEmail.set(emailKey, [...(this.byEmail.get(emailKey) ?? []), idx]);
    for (const f of input.factors ?? []) this.addFactor(user, f);
    return user;
  }

  /** Okta resolves `/users/{id}` by id first, then by login (also a login's short name is not supported here). */
  find(idOrLogin: string): SimUser | undefined {
    const idx = this.byId.get(idOrLogin) ?? this.byLogin.get(idOrLogin.toLowerCase());
    return idx === undefined ? undefined : this.list[idx];
  }

  get(idOrLogin: string): SimUser {
    const user = this.find(idOrLogin);
    if (!user) throw oktaError('E0000007', `Resource not found: ${idOrLogin} (User)`);
    return user;
  }

  setStatus(user: SimUser, status: UserStatus, at = new Date().toISOString()): void {
    if (user.status === status) return;
    user.status = status;
    user.statusChanged = at;
    user.lastUpdated = at;
    if (status === 'ACTIVE' && !user.activated) user.activated = at;
  }

  factorsOf(user: SimUser): SimFactor[] {
    if (user.factors === null) {
      // Generated users: the same seed and user id always give the same enrolments.
      const prng = new Prng(`${this.factorSeed}:factors:${user.id}`);
      user.factors = [];
      const pool: FactorType[] = ['push', 'sms', 'token:software:totp', 'email', 'webauthn'];
      const n = 1 + prng.int(2);
      for (let i = 0; i < n; i++) {
        const t = pool[(prng.int(pool.length) + i) % pool.length] as FactorType;
        if (!user.factors.some((f) => f.factorType === t)) this.addFactor(user, { factorType: t }, prng);
      }
    }
    return user.factors;
  }

  addFactor(user: SimUser, input: FactorInput, prng: Prng = this.prng): SimFactor {
    const factors = this.factorsOf(user);
    const at = new Date().toISOString();
    const provider = input.provider ?? defaultProvider(input.factorType);
    const f: SimFactor = {
      id: input.id ?? prng.oktaId(ID_PREFIX[input.factorType]),
      factorType: input.factorType,
      provider,
      vendorName: VENDOR[provider] ?? provider,
      status: input.status ?? 'ACTIVE',
      created: at,
      lastUpdated: at,
      profile: input.profile ?? defaultProfile(input.factorType, user, prng),
    };
    factors.push(f);
    return f;
  }

  /** Users in creation order, starting after the user id `after`; a filter/search parses with the shared SCIM parser. */
  search(opts: { after?: string; limit: number; filter?: string; search?: string; q?: string }): { users: SimUser[]; nextAfter?: string } {
    let node: FilterNode | undefined;
    const expr = opts.search ?? opts.filter;
    if (expr) {
      try {
        node = parseFilter(expr);
      } catch (e) {
        if (e instanceof FilterSyntaxError) {
          throw opts.search !== undefined ? oktaError('E0000031', undefined, [`search: ${e.message}`]) : oktaError('E0000053', undefined, [`filter: ${e.message}`]);
        }
        throw e;
      }
    }
    const q = opts.q?.toLowerCase();
    const matches = (u: SimUser): boolean => {
      if (q && ![u.profile.login, u.profile.email, u.profile.firstName ?? '', u.profile.lastName ?? ''].some((v) => v.toLowerCase().startsWith(q))) return false;
      return !node || matchesFilter(node, this.filterView(u));
    };
    // Fast path for the lookup this project makes constantly: one `eq` on email or login.
    if (node?.kind === 'cmp' && node.op === 'eq' && typeof node.value === 'string' && !q) {
      const key = node.value.toLowerCase();
      let idxs: number[] | undefined;
      if (node.attr === 'profile.email') idxs = this.byEmail.get(key) ?? [];
      else if (node.attr === 'profile.login') idxs = [this.byLogin.get(key)].filter((x): x is number => x !== undefined);
      else if (node.attr === 'id') idxs = [this.byId.get(node.value)].filter((x): x is number => x !== undefined);
      if (idxs) return this.pageOf(idxs.map((i) => this.list[i] as SimUser), opts.after, opts.limit);
    }
    const { users, scannedTo } = this.scan(opts.after, opts.limit, matches);
    const last = users[users.length - 1];
    return { users, nextAfter: scannedTo < this.list.length && last ? last.id : undefined };
  }

  /** Up to `limit` users in creation order after the user id `after` that match; where the scan stopped. */
  private scan(after: string | undefined, limit: number, matches: (u: SimUser) => boolean): { users: SimUser[]; scannedTo: number } {
    let i = 0;
    if (after) {
      const idx = this.byId.get(after);
      if (idx === undefined) throw oktaError('E0000001', 'after', ['after: invalid cursor']);
      i = idx + 1;
    }
    const users: SimUser[] = [];
    for (; i < this.list.length && users.length < limit; i++) {
      const u = this.list[i] as SimUser;
      if (matches(u)) users.push(u);
    }
    return { users, scannedTo: i };
  }

  /** Groups in creation order after the group id `after`; `q` matches the start of the name, case-insensitively, as Okta's picker query does. */
  searchGroups(opts: { q?: string; after?: string; limit: number }): { groups: SimGroup[]; nextAfter?: string } {
    const q = opts.q?.toLowerCase();
    const all = [...this.groups.values()].filter((g) => !q || g.name.toLowerCase().startsWith(q));
    const start = opts.after ? all.findIndex((g) => g.id === opts.after) + 1 : 0;
    if (opts.after && start === 0) throw oktaError('E0000001', 'after', ['after: invalid cursor']);
    const groups = all.slice(start, start + opts.limit);
    const last = groups[groups.length - 1];
    return { groups, nextAfter: start + opts.limit < all.length && last ? last.id : undefined };
  }

  /** Members of a group in creation order, after the user id `after`; 404 E0000007 for an unknown group. */
  groupMembers(groupId: string, opts: { after?: string; limit: number }): { users: SimUser[]; nextAfter?: string } {
    if (!this.groups.has(groupId)) throw oktaError('E0000007', `Resource not found: ${groupId} (UserGroup)`);
    const { users, scannedTo } = this.scan(opts.after, opts.limit, (u) => u.groupIds.includes(groupId));
    const last = users[users.length - 1];
    // A next link only when another member follows: no empty last page.
    let more = false;
    for (let i = scannedTo; i < this.list.length && !more; i++) more = (this.list[i] as SimUser).groupIds.includes(groupId);
    return { users, nextAfter: more && last ? last.id : undefined };
  }

  private pageOf(all: SimUser[], after: string | undefined, limit: number): { users: SimUser[]; nextAfter?: string } {
    const start = after ? all.findIndex((u) => u.id === after) + 1 : 0;
    const users = all.slice(start, start + limit);
    const last = users[users.length - 1];
    return { users, nextAfter: start + limit < all.length && last ? last.id : undefined };
  }

  private filterView(u: SimUser): Record<string, unknown> {
    return { id: u.id, status: u.status, created: u.created, lastUpdated: u.lastUpdated, activated: u.activated, statusChanged: u.statusChanged, lastLogin: u.lastLogin, passwordChanged: u.passwordChanged, profile: u.profile, type: { id: 'oty00000000000000000' } };
  }

  toOkta(u: SimUser, base: string): Record<string, unknown> {
    const self = `${base}/api/v1/users/${u.id}`;
    const links: Record<string, { href: string; method?: string }> = {
      self: { href: self },
      schema: { href: `${base}/api/v1/meta/schemas/user/osc00000000000000000` },
      type: { href: `${base}/api/v1/meta/types/user/oty00000000000000000` },
    };
    if (u.status === 'LOCKED_OUT') links.unlock = { href: `${self}/lifecycle/unlock`, method: 'POST' };
    if (u.status !== 'DEPROVISIONED') {
      links.resetPassword = { href: `${self}/lifecycle/reset_password`, method: 'POST' };
      links.resetFactors = { href: `${self}/lifecycle/reset_factors`, method: 'POST' };
      links.suspend = { href: `${self}/lifecycle/suspend`, method: 'POST' };
      links.deactivate = { href: `${self}/lifecycle/deactivate`, method: 'POST' };
    }
    return {
      id: u.id,
      status: u.status,
      created: u.created,
      activated: u.activated,
      statusChanged: u.statusChanged,
      lastLogin: u.lastLogin,
      lastUpdated: u.lastUpdated,
      passwordChanged: u.passwordChanged,
      type: { id: 'oty00000000000000000' },
      profile: u.profile,
      credentials: {
        password: {},
        recovery_question: { question: 'What is the food you least liked as a child?' },
        provider: { type: 'OKTA', name: 'OKTA' },
      },
      _links: links,
    };
  }

  factorToOkta(u: SimUser, f: SimFactor, base: string): Record<string, unknown> {
    const self = `${base}/api/v1/users/${u.id}/factors/${f.id}`;
    return {
      id: f.id,
      factorType: f.factorType,
      provider: f.provider,
      vendorName: f.vendorName,
      status: f.status,
      created: f.created,
      lastUpdated: f.lastUpdated,
      profile: f.profile,
      _links: {
        self: { href: self, hints: { allow: ['GET', 'DELETE'] } },
        verify: { href: `${self}/verify`, hints: { allow: ['POST'] } },
        user: { href: `${base}/api/v1/users/${u.id}`, hints: { allow: ['GET'] } },
      },
    };
  }

  groupToOkta(g: SimGroup, base: string): Record<string, unknown> {
    return {
      id: g.id,
      created: g.created,
      lastUpdated: g.lastUpdated,
      lastMembershipUpdated: g.lastMembershipUpdated,
      objectClass: ['okta:user_group'],
      type: g.type,
      profile: { name: g.name, description: g.description },
      _links: {
        logo: [
          { name: 'medium', href: `${base}/assets/img/logos/groups/okta-medium.png`, type: 'image/png' },
          { name: 'large', href: `${base}/assets/img/logos/groups/okta-large.png`, type: 'image/png' },
        ],
        users: { href: `${base}/api/v1/groups/${g.id}/users` },
        apps: { href: `${base}/api/v1/groups/${g.id}/apps` },
      },
    };
  }
}
