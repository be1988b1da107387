/**
 * The turns of a storm's hand-overs (pure): one at a time in log order, a lost turn given up at its
 * deadline, reports counted once, waits long enough for everyone ahead.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HandOverTurns, MAX_OPEN_HAND_OVERS, nextChunkAt, turnMs } from '../../workflows/lockout/hand-over-turns.js';
import type { CarriedState } from '../../workflows/lockout/poller-state.js';

const fresh = () => ({}) as Pick<CarriedState, 'openHandOvers' | 'handOverTurns' | 'activeHandOvers'>;

describe('hand-over turns', () => {
  it('gives one paced hand-over its turn at a time, in the order they started', () => {
    const turns = new HandOverTurns(fresh());
    for (const id of ['a', 'b', 'c']) turns.opened(id, 250, true);
    assert.deepEqual(turns.due(0, 10, 100), ['a']);
    assert.deepEqual(turns.due(1_000, 10, 100), [], 'b waits while a starts its episodes');
    assert.deepEqual(turns.view, { waiting: 2, active: 1 });
    assert.equal(turns.reported('a'), 250);
    assert.deepEqual(turns.due(2_000, 10, 100), ['b']);
    assert.equal(turns.reported('a'), undefined, 'a report counts once');
  });

  it('gives a turn up at its deadline (a hand-over terminated before it reported)', () => {
    const turns = new HandOverTurns(fresh());
    turns.opened('a', 100, true);
    turns.opened('b', 100, true);
    assert.deepEqual(turns.due(0, 10, 100), ['a']);
    assert.deepEqual(turns.due(turnMs(100, 10) - 1, 10, 100), []);
    assert.deepEqual(turns.due(turnMs(100, 10), 10, 100), ['b']);
    assert.equal(turns.reported('a'), 100, 'a late report still counts');
  });

  it('lets every waiting hand-over go when pacing is switched off, and never queues unpaced ones', () => {
    const turns = new HandOverTurns(fresh());
    turns.opened('a', 10, true);
    turns.opened('b', 10, true);
    turns.opened('c', 10, false);
    assert.deepEqual(turns.due(0, undefined, 100), ['a', 'b']);
    assert.deepEqual(turns.view, { waiting: 0, active: 0 });
    assert.equal(turns.reported('c'), 10);
  });

  it('skips a hand-over that reported before its turn (it went on alone)', () => {
    const turns = new HandOverTurns(fresh());
    turns.opened('a', 10, true);
    turns.opened('b', 10, true);
    assert.equal(turns.reported('a'), 10);
    assert.deepEqual(turns.due(0, 10, 100), ['b']);
  });

  it('waits long enough for everyone ahead: their starts and the slack of each of their turns', () => {
    const turns = new HandOverTurns(fresh());
    turns.opened('a', 250, true);
    turns.opened('b', 250, true);
    turns.due(0, 10, 100);
    // a (active) and b (waiting) are ahead: 500 more users at 10/s (2 × 50 s) and two turns' slack (2 × 120 s).
    const alone = new HandOverTurns(fresh()).maxWaitMs(250, 10);
    assert.equal(turns.maxWaitMs(250, 10) - alone, 100_000 + 240_000);
    assert.ok(new HandOverTurns(fresh()).maxWaitMs(250, 1e-300) <= 7 * 86_400_000, 'bounded at any rate');
  });

  it('finds nothing under a built-in property name (a forged report)', () => {
    const turns = new HandOverTurns(fresh());
    turns.opened('a', 10, true);
    for (const id of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) assert.equal(turns.reported(id), undefined, id);
    assert.deepEqual(turns.due(0, 10, 100), ['a']);
  });

  it('frees the turn of a hand-over that could not be told (it ended), and grants at most the cap at once', () => {
    const turns = new HandOverTurns(fresh());
    for (const id of ['a', 'b', 'c', 'd']) turns.opened(id, 10, true);
    assert.deepEqual(turns.due(0, 10, 100), ['a']);
    turns.gone('a');
    assert.deepEqual(turns.due(1, 10, 100), ['b'], 'no wait for the deadline of a');
    assert.equal(turns.reported('a'), undefined);
    assert.deepEqual(turns.due(2, undefined, 1), ['c']);
    assert.equal(turns.anyWaiting, true);
    assert.deepEqual(turns.due(3, undefined, 1), ['d']);
    assert.equal(turns.anyWaiting, false);
  });

  it('forgets the oldest hand-over past the bound, from the line too', () => {
    const s = fresh();
    const turns = new HandOverTurns(s);
    for (let i = 0; i <= MAX_OPEN_HAND_OVERS; i++) turns.opened(`h${i}`, 1, true);
    assert.equal(Object.keys(s.openHandOvers!).length, MAX_OPEN_HAND_OVERS);
    assert.equal(s.handOverTurns!.length, MAX_OPEN_HAND_OVERS);
    assert.deepEqual(turns.due(0, 10, 100), ['h1']);
  });

  it('past the bound, forgets an unpaced hand-over before one waiting or starting', () => {
    const s = fresh();
    const turns = new HandOverTurns(s);
    turns.opened('paced', 1, true);
    turns.due(0, 10, 100);
    turns.opened('unpaced', 1, false);
    for (let i = 2; i <= MAX_OPEN_HAND_OVERS; i++) turns.opened(`h${i}`, 1, true);
    assert.equal(turns.reported('unpaced'), undefined, 'the unpaced one was forgotten');
    assert.equal(turns.reported('paced'), 1, 'the one starting episodes was kept');
  });

  it('paces chunks on their schedule: a late wake-up is made up, a long stall restarts the schedule', () => {
    // 25 starts a chunk at 12.5/s: due every 2 s. Each wake-up 250 ms late must not slow the pace.
    let due = 0;
    for (let chunk = 1; chunk <= 100; chunk++) due = nextChunkAt(due, due + 250, 2_000, 2_000);
    assert.equal(due, 200_000, '100 chunks in 200 s, not 225 s');
    assert.equal(nextChunkAt(10_000, 12_000, 2_000, 2_000), 12_000, 'up to one period late: still on schedule');
    assert.equal(nextChunkAt(10_000, 70_000, 2_000, 2_000), 72_000, 'after a backoff: no burst of the starts missed');
  });
});
