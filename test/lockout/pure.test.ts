/** Fast tests of the pure pieces of the lockout pipeline: projection, page bounding, the poller's book. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundPage } from '../../activities/okta-log-activities.js';
import { readLockoutEvent } from '../../workflows/lockout/events.js';
import { LOG_EVENT_BOUNDS, projectLogEvent, projectedSize, type ProjectedLogEvent } from '../../workflows/lockout/log-event.js';
import { readFileSync } from 'node:fs';
import { PollerInputSchema } from '../../workflows/lockout/poller.js';
import { DEDUPE_WINDOW, PollerBook } from '../../workflows/lockout/poller-state.js';

const USER = '00uabcdefghijklmnopq';
const lock = (uuid: string, actorId = USER, extra: Record<string, unknown> = {}) => ({
  uuid,
  published: '2026-11-29T05:00:00.000Z',
  eventType: 'user.account.lock',
  outcome: { result: 'FAILURE', reason: 'LOCKED_OUT' },
  actor: { id: actorId, type: 'User', alternateId: 'a@example.com', displayName: 'A' },
  ...extra,
});
const projected = (raw: unknown): ProjectedLogEvent => {
  const p = projectLogEvent(raw);
  assert.ok(p.ok);
  return p.event;
};

describe('projectLogEvent', () => {
  it('keeps the fields the workflows use and drops the rest, whatever their size', () => {
    const event = projected(
      lock('u1', USER, {
        debugContext: { debugData: { threatSuspected: 'true', risk: '{level=HIGH}', behaviors: '{New IP=POSITIVE}', huge: 'x'.repeat(1_000_000) } },
        client: { ipAddress: '203.0.113.9', geographicalContext: { city: 'Lyon', state: 'ARA', country: 'France' }, userAgent: { raw: 'y'.repeat(10_000) } },
        securityContext: { isProxy: true },
        request: { ipChain: Array.from({ length: 1000 }, () => ({ ip: '1.2.3.4' })) },
      }),
    );
    assert.deepEqual(event.risk, { threatSuspected: true, level: 'HIGH', behaviors: '{New IP=POSITIVE}', isProxy: true });
    assert.deepEqual(event.client, { ip: '203.0.113.9', city: 'Lyon', state: 'ARA', country: 'France' });
    assert.ok(projectedSize(event) < 1_000);
  });

  it('bounds every string and strips control characters', () => {
    const event = projected(lock('u2', USER, { eventType: `user.account.lock\u0000${'z'.repeat(500)}`, actor: { id: USER, type: 'User', alternateId: `evil\u0007${'a'.repeat(5_000)}` } }));
    assert.ok(event.eventType.length <= LOG_EVENT_BOUNDS.eventType);
    assert.ok(!event.eventType.includes('\u0000'));
    assert.ok((event.actor?.alternateId ?? '').length <= LOG_EVENT_BOUNDS.alternateId);
    assert.ok(!(event.actor?.alternateId ?? '').includes('\u0007'));
  });

  it('refuses what is not an event; an over-long id names no user', () => {
    assert.equal(projectLogEvent('nope').ok, false);
    assert.equal(projectLogEvent({ uuid: 'x'.repeat(100), eventType: 'e' }).ok, false);
    const longId = projected(lock('u3', `00u${'A'.repeat(1_197)}`));
    assert.equal(longId.actor?.id, undefined);
    assert.deepEqual(readLockoutEvent(longId), { kind: 'skip', why: 'the event names no user (no User actor or target)' });
    assert.deepEqual(readLockoutEvent(projected(lock('u4', 'user-1'))), { kind: 'skip', why: 'the user id is not an Okta user id' });
    assert.equal(readLockoutEvent(projected(lock('u5'))).kind, 'lockout');
  });
});

describe('boundPage', () => {
  it('splits a page above the byte budget and resumes at the offset', () => {
    const items = Array.from({ length: 50 }, (_, i) => lock(`e${i}`));
    const first = boundPage(items, 0, 4_000, { nextUrl: 'https://acme.okta.com/api/v1/logs?after=1' });
    assert.ok(first.events.length > 0 && first.events.length < 50);
    assert.equal(first.nextOffset, first.events.length);
    assert.ok(JSON.stringify(first).length <= 4_000 + 2_048);
    const rest = boundPage(items, first.nextOffset!, 1_000_000, { nextUrl: 'https://acme.okta.com/api/v1/logs?after=1' });
    assert.equal(rest.nextOffset, undefined);
    assert.deepEqual([...first.events, ...rest.events].map((e) => e.uuid), items.map((e) => e.uuid));
  });

  it('reports unreadable items without failing the page', () => {
    const page = boundPage([lock('ok'), 42, { uuid: 'no-type' }], 0, 100_000, { cursorProblem: 'none' });
    assert.deepEqual(page.events.map((e) => e.uuid), ['ok']);
    assert.equal(page.unreadableCount, 2);
    assert.equal(page.cursorProblem, 'none');
  });
});

describe('PollerBook', () => {
  it('deduplicates by event UUID across polls, pushes and continue-as-new', () => {
    const book = new PollerBook(undefined);
    const first = book.sort([projected(lock('a')), projected(lock('a'))]);
    assert.equal(first.batches.length, 1);
    assert.equal(first.batches[0]!.events.length, 1, 'a page repeating an event hands it over once');
    book.handedOver(first.batches[0]!);
    assert.equal(book.sort([projected(lock('a'))]).duplicates, 1);
    const pushed = book.queuePush([projected(lock('b')), projected(lock('a'))]);
    assert.deepEqual(pushed, { accepted: 1, duplicates: 1, skipped: 0 });
    assert.equal(book.sort([projected(lock('b'))]).duplicates, 1, 'a poll does not take a queued push again');
    const carried = new PollerBook(structuredClone(book.s));
    assert.equal(carried.sort([projected(lock('a')), projected(lock('b'))]).duplicates, 2);
    const taken = carried.takeQueued(10);
    carried.handedOver(taken[0]!);
    assert.equal(new PollerBook(structuredClone(carried.s)).sort([projected(lock('b'))]).duplicates, 1);
  });

  it('keeps a bounded window', () => {
    const book = new PollerBook(undefined);
    for (let i = 0; i < DEDUPE_WINDOW + 10; i++) book.remember(`id-${i}`);
    assert.equal(book.s.recentEventUuids.length, DEDUPE_WINDOW);
    assert.equal(book.hasSeen('id-0'), false);
    assert.equal(book.hasSeen(`id-${DEDUPE_WINDOW + 9}`), true);
  });

  it('takes queued lockouts for at most N users and puts failed ones back in front', () => {
    const book = new PollerBook(undefined);
    const other = '00uzzzzzzzzzzzzzzzzz';
    book.queuePush([projected(lock('1')), projected(lock('2', other)), projected(lock('3'))]);
    const taken = book.takeQueued(1);
    assert.equal(taken.length, 1);
    assert.deepEqual(taken[0]!.events.map((e) => e.uuid), ['1', '3']);
    assert.equal(book.s.queued.length, 1);
    book.requeue(taken[0]!);
    assert.deepEqual(book.s.queued.map((q) => q.event.uuid), ['1', '3', '2']);
  });

  it('falls back to since with an overlap, never before the look-back', () => {
    const book = new PollerBook(undefined);
    const now = Date.parse('2026-11-29T05:00:00Z');
    book.s.lastSuccessfulPollAt = '2026-11-29T04:59:00Z';
    book.s.cursor = 'https://acme.okta.com/api/v1/logs?after=x';
    book.fallBackToSince(now, { fallbackOverlapMs: 300_000, lookbackMs: 3_600_000 });
    assert.equal(book.s.cursor, undefined);
    assert.equal(book.s.since, '2026-11-29T04:54:00.000Z');
    book.fallBackToSince(now, { fallbackOverlapMs: 86_400_000, lookbackMs: 3_600_000 });
    assert.equal(book.s.since, '2026-11-29T04:00:00.000Z');
  });
});

describe('a first-release poller continuing as new into the current one', () => {
  it('hands over an input the current poller accepts, state and all', () => {
    const history = JSON.parse(readFileSync(new URL('../replay/histories/v1b-lockout-poller-continued-as-new.json', import.meta.url), 'utf8')) as {
      events: { workflowExecutionContinuedAsNewEventAttributes?: { input: { payloads: { data: string }[] } } }[];
    };
    const can = history.events.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)!.workflowExecutionContinuedAsNewEventAttributes!;
    const input = JSON.parse(Buffer.from(can.input.payloads[0]!.data, 'base64').toString()) as { carried: { recentEventUuids: string[]; cursor: string } };
    const parsed = PollerInputSchema.safeParse(input);
    assert.ok(parsed.success, parsed.success ? '' : parsed.error.message);
    assert.equal(parsed.data.carried?.cursor, input.carried.cursor);
    const book = new PollerBook(parsed.data.carried);
    for (const uuid of input.carried.recentEventUuids) assert.equal(book.hasSeen(uuid), true);
  });
});
