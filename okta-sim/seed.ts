import type { Org } from './org.js';
import { userRef } from './org.js';
import type { LogEvent, UserStatus } from './types.js';
import type { FactorInput, SimUser } from './users.js';

const DAY = 86_400_000;

export interface DemoUser {
  login: string;
  firstName: string;
  lastName: string;
  status: UserStatus;
  groups: string[];
  factors: FactorInput[];
  lockVia?: 'failed-signins' | 'session-start';
}

/** The named users of the 'demo' org: one of each situation the service resolves. */
export const DEMO_USERS: readonly DemoUser[] = [
  { login: 'alice@example.com', firstName: 'Alice', lastName: 'Anderson', status: 'ACTIVE', groups: ['Engineering'], factors: [{ factorType: 'push' }, { factorType: 'token:software:totp' }] },
  { login: 'bob@example.com', firstName: 'Bob', lastName: 'Baker', status: 'ACTIVE', groups: ['Sales'], factors: [{ factorType: 'sms' }], lockVia: 'failed-signins' },
  { login: 'carol@example.com', firstName: 'Carol', lastName: 'Chen', status: 'ACTIVE', groups: ['Helpdesk'], factors: [{ factorType: 'sms' }, { factorType: 'email' }] },
  { login: 'dave@example.com', firstName: 'Dave', lastName: 'Diaz', status: 'ACTIVE', groups: ['Okta Admins', 'Engineering'], factors: [{ factorType: 'webauthn' }, { factorType: 'push' }] },
  { login: 'erin@example.com', firstName: 'Erin', lastName: 'Evans', status: 'SUSPENDED', groups: ['Sales'], factors: [] },
  { login: 'frank@example.com', firstName: 'Frank', lastName: 'Fischer', status: 'ACTIVE', groups: ['Engineering'], factors: [{ factorType: 'push' }], lockVia: 'session-start' },
  { login: 'grace@example.com', firstName: 'Grace', lastName: 'Garcia', status: 'PASSWORD_EXPIRED', groups: ['Finance'], factors: [{ factorType: 'question' }] },
];

export const DEMO_GROUPS: readonly { name: string; description: string }[] = [
  { name: 'Engineering', description: 'Engineering department' },
  { name: 'Sales', description: 'Sales department' },
  { name: 'Finance', description: 'Finance department' },
  { name: 'Helpdesk', description: 'IT helpdesk staff' },
  { name: 'Okta Admins', description: 'Okta administrators (protected)' },
];

const FIRST = ['Ava', 'Ben', 'Chloe', 'Dan', 'Ella', 'Finn', 'Gina', 'Hugo', 'Iris', 'Jack', 'Kira', 'Liam', 'Maya', 'Noah', 'Olga', 'Paul'];
const LAST = ['Smith', 'Jones', 'Brown', 'Patel', 'Kim', 'Nguyen', 'Garcia', 'Muller', 'Rossi', 'Silva', 'Khan', 'Cohen'];
const DEPTS = ['Engineering', 'Sales', 'Finance', 'Helpdesk', 'Marketing', 'Support'];

export interface SeedOptions {
  seed: string;
  users: number;
  events: number;
}

/** Populates an emptied org. Same seed and counts → same users, ids, factors and events (times relative to now). */
export function seedOrg(org: Org, opts: SeedOptions): void {
  const now = Date.now();
  const prng = org.prng;
  const users = org.users;
  users.ensureGroup('Everyone', { type: 'BUILT_IN', description: 'All users in your organization', at: new Date(now - 400 * DAY).toISOString() });
  if (opts.seed === 'empty' && opts.users === 0 && opts.events === 0) return;

  const named: SimUser[] = [];
  if (opts.seed !== 'empty') {
    for (const g of DEMO_GROUPS) users.ensureGroup(g.name, { description: g.description, at: new Date(now - 400 * DAY).toISOString() });
    for (const d of DEMO_USERS) {
      named.push(users.add({ login: d.login, firstName: d.firstName, lastName: d.lastName, status: d.status, groups: d.groups, factors: d.factors, created: new Date(now - 300 * DAY).toISOString() }));
    }
  }
  const generated: SimUser[] = [];
  for (let i = 0; i < opts.users; i++) {
    const first = prng.pick(FIRST);
    const last = prng.pick(LAST);
    const r = prng.next();
    const status: UserStatus = r < 0.94 ? 'ACTIVE' : r < 0.97 ? 'LOCKED_OUT' : r < 0.98 ? 'SUSPENDED' : r < 0.99 ? 'PASSWORD_EXPIRED' : 'STAGED';
    generated.push(users.add({
      login: `${first.toLowerCase()}.${last.toLowerCase()}.${i}@example.com`,
      firstName: first,
      lastName: last,
      status,
      groups: [prng.pick(DEPTS)],
      factors: null,
      created: new Date(now - (30 + prng.int(700)) * DAY).toISOString(),
    }));
  }

  // History: sign-ins spread over the last 7 days, persisted when published (old events were never late).
  const actors = [...named.filter((u) => u.status === 'ACTIVE'), ...generated.filter((u) => u.status !== 'STAGED')];
  const lockedGenerated = generated.filter((u) => u.status === 'LOCKED_OUT');
  const history: LogEvent[] = [];
  const historyCount = opts.events + (opts.seed === 'empty' ? 0 : named.length * 3);
  const span = 7 * DAY - 60_000;
  for (let i = 0; i < historyCount && actors.length > 0; i++) {
    const published = new Date(now - span + Math.floor(((i + prng.next()) / historyCount) * (span - 30 * 60_000))).toISOString();
    const r = prng.next();
    if (r < 0.02 && lockedGenerated.length > 0) {
      const u = prng.pick(lockedGenerated);
      history.push(org.event({ eventType: 'user.account.lock', actor: userRef(u), target: null, outcome: { result: 'FAILURE', reason: 'LOCKED_OUT' }, published }));
    } else if (r < 0.1) {
      const u = prng.pick(actors);
      history.push(org.event({ eventType: 'user.session.start', actor: userRef(u), target: null, outcome: { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' }, published }));
    } else if (r < 0.15) {
      const u = prng.pick(actors);
      history.push(org.event({
        eventType: 'user.authentication.sso', actor: userRef(u),
        target: [{ id: '0oasimapp00000000001', type: 'AppInstance', alternateId: 'Slack', displayName: 'Slack' }],
        outcome: { result: 'SUCCESS' }, displayMessage: 'User single sign on to app', published,
      }));
    } else {
      const u = prng.pick(actors);
      history.push(org.event({ eventType: 'user.session.start', actor: userRef(u), target: null, outcome: { result: 'SUCCESS' }, published }));
      if (!u.lastLogin || u.lastLogin < published) u.lastLogin = published;
    }
  }
  for (const e of history) org.logs.append(e, Date.parse(e.published));

  // Demo lockouts happen "recently", so a poller started now still finds them with a short look-back.
  named.forEach((u, i) => {
    const d = DEMO_USERS[i];
    if (d?.lockVia) org.lock(u.id, d.lockVia, d.lockVia === 'failed-signins' ? 3 : 2, new Date(now - (20 - i) * 60_000).toISOString());
  });
}
