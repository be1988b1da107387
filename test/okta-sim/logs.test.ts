import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOktaSimulator, type LogEvent, type OktaSimulator } from '../../okta-sim/index.js';
import { nextLink, okta } from './helpers.js';

let sim: OktaSimulator;
before(async () => {
  sim = await startOktaSimulator({ seed: 'demo', quiet: true, rateLimits: { logs: { limit: 10_000, windowMs: 60_000 } } });
});
after(() => sim.close());
beforeEach(() => sim.control.reset());

type Page = { events: LogEvent[]; next: string | undefined; status: number };
async function page(path: string): Promise<Page> {
  const r = await okta<LogEvent[]>(sim, path);
  return { events: r.body, next: nextLink(r.headers), status: r.status };
}

/** Follows polling links until an empty page: the cursor the caller keeps afterwards. */
async function drain(start: string): Promise<{ events: LogEvent[]; cursor: string }> {
  const events: LogEvent[] = [];
  let url = start;
  for (;;) {
    const p = await page(url);
    assert.equal(p.status, 200);
    assert.ok(p.next, 'polling pages always carry rel="next"');
    events.push(...p.events);
    if (p.events.length === 0) return { events, cursor: p.next };
    url = p.next;
  }
}

test('polling: every page has a next link, also when empty; the cursor picks up new events', async () => {
  const since = new Date(Date.now() - 60 * 60_000).toISOString();
  const first = await drain(`/api/v1/logs?since=${encodeURIComponent(since)}&limit=2&sortOrder=ASCENDING`);
  const lockTypes = first.events.map((e) => e.eventType);
  assert.ok(lockTypes.includes('user.account.lock'), 'demo lockouts are recent');
  assert.ok(!new URL(first.cursor).searchParams.has('since'), 'next link carries after, never since');

  const added = await sim.control.addEvent({ eventType: 'user.session.start', actorUser: 'alice@example.com' });
  const again = await page(first.cursor);
  assert.deepEqual(again.events.map((e) => e.uuid), [added.event.uuid]);
  assert.ok(again.next);
});

test('late events: published earlier but persisted later appear after later-published events when polling', async () => {
  const { cursor } = await drain(`/api/v1/logs?since=${encodeURIComponent(new Date().toISOString())}`);
  const a = await sim.control.addEvent({ eventType: 'user.session.start', actorUser: 'alice@example.com' });
  const late = await sim.control.addEvent({
    eventType: 'user.account.lock', actorUser: 'carol@example.com', outcome: { result: 'FAILURE', reason: 'LOCKED_OUT' },
    published: new Date(Date.now() - 5 * 60_000).toISOString(),
  });
  const held = await sim.control.holdEvent({ eventType: 'user.session.start', actorUser: 'dave@example.com' });
  const b = await sim.control.addEvent({ eventType: 'user.session.start', actorUser: 'dave@example.com' });
  const seen = await drain(cursor);
  assert.deepEqual(seen.events.map((e) => e.uuid), [a.event.uuid, late.event.uuid, b.event.uuid]);

  await sim.control.releaseEvent(held.event.uuid);
  const after = await drain(seen.cursor);
  assert.deepEqual(after.events.map((e) => e.uuid), [held.event.uuid]);

  // Bounded requests order by published: the late event comes first, and the request ends.
  const since = new Date(Date.now() - 10 * 60_000).toISOString();
  const until = new Date(Date.now() + 1000).toISOString();
  const bounded = await page(`/api/v1/logs?since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}&filter=${encodeURIComponent('actor.alternateId ne "bob@example.com" and actor.alternateId ne "frank@example.com"')}`);
  assert.equal(bounded.events[0]?.uuid, late.event.uuid);
  assert.equal(bounded.next, undefined);
  const published = bounded.events.map((e) => e.published);
  assert.deepEqual([...published].sort(), published);
});

test('bounded paging follows next links to the end; DESCENDING reverses', async () => {
  const since = new Date(Date.now() - 8 * 86_400_000).toISOString();
  const until = new Date(Date.now() + 1000).toISOString();
  const q = `since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`;
  const all = await page(`/api/v1/logs?${q}&limit=1000`);
  assert.ok(all.events.length > 10);
  const collected: string[] = [];
  let url: string | undefined = `/api/v1/logs?${q}&limit=7`;
  let pages = 0;
  while (url) {
    const p = await page(url);
    collected.push(...p.events.map((e) => e.uuid));
    url = p.next;
    pages++;
  }
  assert.deepEqual(collected, all.events.map((e) => e.uuid));
  assert.ok(pages > 1);
  const desc: string[] = [];
  url = `/api/v1/logs?${q}&limit=5&sortOrder=DESCENDING`;
  while (url) {
    const p = await page(url);
    desc.push(...p.events.map((e) => e.uuid));
    url = p.next;
  }
  assert.deepEqual(desc, [...collected].reverse());
});

test('lock events look like Okta: the locked user is the actor, target null', async () => {
  const { events } = await sim.control.lockUser('alice@example.com', { via: 'failed-signins', attempts: 2 });
  assert.deepEqual(events.map((e) => e.eventType), ['user.session.start', 'user.session.start', 'user.account.lock']);
  const lock = events[2] as LogEvent;
  assert.equal(lock.actor.type, 'User');
  assert.equal(lock.actor.alternateId, 'alice@example.com');
  assert.deepEqual(lock.outcome, { result: 'FAILURE', reason: 'LOCKED_OUT' });
  assert.equal(lock.displayMessage, 'Max sign in attempts exceeded');
  assert.equal(lock.legacyEventType, 'core.user_auth.account_locked');
  assert.equal(lock.target, null);
  assert.equal((await sim.control.getUser('alice@example.com')).status, 'LOCKED_OUT');

  const s = await sim.control.lockUser('carol@example.com', { via: 'session-start', attempts: 3 });
  assert.equal(s.events.length, 3);
  for (const e of s.events) {
    assert.equal(e.eventType, 'user.session.start');
    assert.deepEqual(e.outcome, { result: 'FAILURE', reason: 'LOCKED_OUT' });
    assert.equal(e.actor.alternateId, 'carol@example.com');
  }
  const f = await page(`/api/v1/logs?filter=${encodeURIComponent('eventType eq "user.session.start" and outcome.reason eq "LOCKED_OUT" and actor.alternateId eq "carol@example.com"')}&since=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`);
  assert.equal(f.events.length, 3);
});

test('q keyword search and filter combine', async () => {
  const r = await page(`/api/v1/logs?q=${encodeURIComponent('bob@example.com')}&filter=${encodeURIComponent('eventType eq "user.account.lock"')}&since=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`);
  assert.equal(r.events.length, 1);
  assert.equal(r.events[0]?.actor.alternateId, 'bob@example.com');
});

test('errors: since with after, published in filter, malformed filter, limit out of range, bad cursor', async () => {
  const cur = (await drain('/api/v1/logs')).cursor;
  const after = new URL(cur).searchParams.get('after') ?? '';
  const cases: [string, number, string][] = [
    [`/api/v1/logs?since=${encodeURIComponent(new Date().toISOString())}&after=${after}`, 400, 'E0000001'],
    [`/api/v1/logs?filter=${encodeURIComponent('published gt "2024-01-01T00:00:00Z"')}`, 400, 'E0000053'],
    [`/api/v1/logs?filter=${encodeURIComponent('eventType eq')}`, 400, 'E0000053'],
    [`/api/v1/logs?filter=${encodeURIComponent('(eventType eq "a"')}`, 400, 'E0000053'],
    ['/api/v1/logs?limit=1001', 400, 'E0000001'],
    ['/api/v1/logs?limit=-1', 400, 'E0000001'],
    ['/api/v1/logs?after=not-a-cursor', 400, 'E0000001'],
  ];
  for (const [path, status, code] of cases) {
    const r = await okta<{ errorCode: string; errorSummary: string; errorLink: string; errorId: string; errorCauses: unknown[] }>(sim, path);
    assert.equal(r.status, status, path);
    assert.equal(r.body.errorCode, code, path);
    assert.equal(r.body.errorLink, code);
    assert.ok(r.body.errorId && r.body.errorSummary && Array.isArray(r.body.errorCauses));
  }
  const zero = await page('/api/v1/logs?limit=0');
  assert.equal(zero.events.length, 0);
  assert.ok(zero.next);
});

test('same seed, same org: ids and events are deterministic', async () => {
  const a = await startOktaSimulator({ seed: 'det-check', users: 50, events: 200, quiet: true });
  const b = await startOktaSimulator({ seed: 'det-check', users: 50, events: 200, quiet: true });
  try {
    const pa = await okta<LogEvent[]>(a, '/api/v1/logs?limit=1000');
    const pb = await okta<LogEvent[]>(b, '/api/v1/logs?limit=1000');
    assert.deepEqual(pa.body.map((e) => [e.uuid, e.eventType, e.actor.id]), pb.body.map((e) => [e.uuid, e.eventType, e.actor.id]));
    const ua = await okta<{ id: string }[]>(a, '/api/v1/users?limit=200');
    const ub = await okta<{ id: string }[]>(b, '/api/v1/users?limit=200');
    assert.deepEqual(ua.body.map((u) => u.id), ub.body.map((u) => u.id));
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
