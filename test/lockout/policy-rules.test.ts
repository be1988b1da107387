/**
 * The unlock policies' pure rules (policies.ts): fast checks beside the end-to-end tests in
 * policies.test.ts and breaker.test.ts, including the bounds a spray of 10,000 must respect.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LockoutEvent } from '../../workflows/lockout/messages.js';
import { MAX_TRACKED_USERS, PolicyBook, PolicyCarriedSchema, UnlockPoliciesSchema } from '../../workflows/lockout/policies.js';

const policies = UnlockPoliciesSchema.parse({ breaker: { threshold: 3, windowMs: 60_000, mode: 'hold', quietMs: 600_000 } });
const event = (extra: Partial<LockoutEvent> = {}): LockoutEvent => ({ uuid: 'e', eventType: 'user.account.lock', published: '2026-01-01T00:00:00Z', ...extra });
const userId = (i: number) => `00u${String(i).padStart(17, '0')}`;

describe('unlock policy rules', () => {
  it('the breaker trips on the (threshold+1)-th lockout in the window, once, and closes after the quiet period', () => {
    const book = new PolicyBook();
    const t0 = 1_000_000;
    const results = [0, 1, 2, 3, 4].map((i) => book.decide(userId(i), event(), t0 + i, policies));
    assert.deepEqual(results.map((r) => r.tripped), [false, false, false, true, false]);
    assert.deepEqual(results.map((r) => r.decision.mode), ['default', 'default', 'default', 'hold', 'hold']);
    assert.equal(book.view(t0 + 5, policies).state, 'tripped');
    const later = book.decide(userId(9), event(), t0 + 4 + policies.breaker.quietMs, policies);
    assert.equal(later.closedByQuiet, true);
    assert.equal(later.decision.mode, 'default');
  });

  it('lockouts outside the window do not add up', () => {
    const book = new PolicyBook();
    for (let i = 0; i < 10; i++) assert.equal(book.decide(userId(i), event(), i * 30_000, policies).tripped, false);
  });

  it('threats: threatSuspected, a listed risk level, a new IP once the user has history', () => {
    const defaults = UnlockPoliciesSchema.parse({});
    const book = new PolicyBook();
    assert.equal(book.decide(userId(1), event({ risk: { threatSuspected: true } }), 0, defaults).decision.mode, 'ask-user');
    assert.equal(book.decide(userId(2), event({ risk: { level: 'high' } }), 0, defaults).decision.mode, 'ask-user');
    assert.equal(book.decide(userId(3), event({ risk: { level: 'LOW', threatSuspected: false } }), 0, defaults).decision.mode, 'default');
    assert.equal(book.decide(userId(4), event({ client: { ip: '10.0.0.1' } }), 0, defaults).decision.mode, 'default');
    assert.equal(book.decide(userId(4), event({ client: { ip: '10.0.0.1' } }), 1, defaults).decision.mode, 'default');
    const foreign = book.decide(userId(4), event({ client: { ip: '192.0.2.9' } }), 2, defaults).decision;
    assert.equal(foreign.mode, 'ask-user');
    assert.match(foreign.reasons[0] ?? '', /network/);
  });

  it('re-lock loops: the (K+1)-th lockout within a day stops; a day later it is fine again', () => {
    const book = new PolicyBook();
    const modes = [0, 1, 2, 3].map((i) => book.decide(userId(1), event(), i * 1000, policies).decision.mode);
    assert.deepEqual(modes, ['default', 'default', 'default', 'relock-stop']);
    assert.equal(book.decide(userId(1), event(), 86_400_000 + 10_000, policies).decision.mode, 'default');
  });

  it('an event that joins an open episode is forgotten: it counts as no lockout of its own', () => {
    const book = new PolicyBook();
    const p = { ...policies, relockMaxPerDay: 1 };
    book.decide(userId(1), event(), 0, p);
    book.decide(userId(1), event(), 5, p);
    book.forget(userId(1), 5);
    assert.equal(book.view(6, p).lockoutsInWindow, 1);
    assert.equal(book.decide(userId(2), event(), 7, p).decision.mode, 'default');
  });

  it('notification cap: one message granted per episode, at most notifyMaxPerDay a day', () => {
    const book = new PolicyBook();
    const p = { ...policies, relockMaxPerDay: 0, notifyMaxPerDay: 2 };
    const budgets = [0, 1, 2].map((i) => book.decide(userId(1), event(), i, p).decision.notifyBudget);
    assert.deepEqual(budgets, [1, 1, 0]);
  });

  it('stays bounded under a spray of 10,000 users, through continue-as-new', () => {
    const p = UnlockPoliciesSchema.parse({});
    let book = new PolicyBook();
    for (let i = 0; i < 10_000; i++) {
      book.decide(userId(i), event({ client: { ip: `10.0.${i % 250}.${i % 200}` } }), i * 10, p);
      if (i % 2_500 === 0) book = new PolicyBook(PolicyCarriedSchema.parse(JSON.parse(JSON.stringify(book.carried()))));
    }
    const carried = book.carried();
    assert.equal(carried.users.length, MAX_TRACKED_USERS);
    assert.ok(carried.breaker.recent.length <= p.breaker.threshold + 1);
    assert.equal(book.view(100_000, p).state, 'tripped');
    const bytes = JSON.stringify(carried).length;
    assert.ok(bytes < 100_000, `carried policy state is ${bytes} bytes`);
  });
});
