import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FilterSyntaxError, matchesFilter, parseFilter } from '../../okta-sim/filter.js';

const ev = {
  eventType: 'user.account.lock',
  severity: 'WARN',
  actor: { id: '00u1', type: 'User', alternateId: 'bob@example.com' },
  outcome: { result: 'FAILURE', reason: 'LOCKED_OUT' },
  target: [{ id: 't1', type: 'User' }, { id: 't2', type: 'AppInstance' }],
  debugContext: { debugData: { count: 3 } },
};
const m = (f: string): boolean => matchesFilter(parseFilter(f), ev);

test('comparison operators, case-insensitive operators and keywords', () => {
  assert.equal(m('eventType eq "user.account.lock"'), true);
  assert.equal(m('eventType EQ "user.account.lock"'), true);
  assert.equal(m('eventType ne "user.account.lock"'), false);
  assert.equal(m('eventType sw "user.account"'), true);
  assert.equal(m('eventType ew ".lock"'), true);
  assert.equal(m('actor.alternateId co "@example"'), true);
  assert.equal(m('outcome.reason pr'), true);
  assert.equal(m('outcome.nothing pr'), false);
  assert.equal(m('debugContext.debugData.count gt 2'), true);
  assert.equal(m('debugContext.debugData.count le 2'), false);
  assert.equal(m('severity ge "INFO"'), true);
  assert.equal(m('severity lt "INFO"'), false);
});

test('arrays fan out: any target matches', () => {
  assert.equal(m('target.id eq "t2"'), true);
  assert.equal(m('target.type eq "Group"'), false);
});

test('and binds tighter than or; not and parentheses', () => {
  // false and false or true → (false and false) or true → true
  assert.equal(m('severity eq "INFO" and eventType eq "x" or actor.id eq "00u1"'), true);
  // parentheses change it: false and (false or true) → false
  assert.equal(m('severity eq "INFO" and (eventType eq "x" or actor.id eq "00u1")'), false);
  assert.equal(m('not (severity eq "INFO")'), true);
  assert.equal(m('not severity eq "WARN" or eventType eq "user.account.lock"'), true);
  assert.equal(m('NOT (eventType eq "user.account.lock") AND severity eq "WARN"'), false);
});

test('attribute names are case-sensitive', () => {
  assert.equal(m('EventType eq "user.account.lock"'), false);
});

test('malformed filters are rejected', () => {
  for (const bad of ['', 'eventType', 'eventType eq', 'eventType xx "a"', '(eventType eq "a"', 'eventType eq "a" and', 'eventType eq "unterminated', 'and eq "a"', 'eventType eq "a" )']) {
    assert.throws(() => parseFilter(bad), FilterSyntaxError, bad);
  }
});
