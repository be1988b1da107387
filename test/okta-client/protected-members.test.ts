/** The worker's cache of protected-group members, over a typed fake Okta source and a fake clock. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OktaApiError } from '../../activities/okta/errors.js';
import { ProtectedMembersCache, type GroupMembershipSource } from '../../activities/okta/protected-members.js';

/** An org of named groups; counts every read; `gate` holds reads until released. */
class FakeGroups implements GroupMembershipSource {
  finds = 0;
  memberReads = 0;
  fail?: Error;
  queryCutOff = false;
  gate?: Promise<void>;
  lastMax?: number;
  constructor(readonly members: Map<string, string[]>) {}
  async findGroupsByName(name: string) {
    this.finds += 1;
    await this.gate;
    if (this.fail) throw this.fail;
    return { groups: this.members.has(name) ? [{ id: `00g${name}` }] : [], complete: !this.queryCutOff };
  }
  async listGroupMemberIds(groupId: string, maxMembers: number) {
    this.memberReads += 1;
    this.lastMax = maxMembers;
    const ids = this.members.get(groupId.slice(3)) ?? [];
    return ids.length > maxMembers ? { ids: ids.slice(0, maxMembers + 1), complete: false } : { ids, complete: true };
  }
}

const apiError = (status: number) => new OktaApiError({ status, method: 'GET', path: '/api/v1/groups', errorCode: status === 403 ? 'E0000006' : undefined });

describe('protected members cache', () => {
  test('answers from one read until the TTL runs out, then reads again (and sees a new member)', async () => {
    let now = 1_000;
    const org = new FakeGroups(new Map([['Okta Admins', ['00uadmin']]]));
    const cache = new ProtectedMembersCache(org, { ttlMs: 60_000, now: () => now });
    assert.equal(await cache.isMember('00uadmin', ['Okta Admins']), true);
    assert.equal(await cache.isMember('00uother', ['Okta Admins']), false);
    org.members.set('Okta Admins', ['00uadmin', '00unew']);
    now += 59_999;
    assert.equal(await cache.isMember('00unew', ['Okta Admins']), false, 'still the cached copy');
    assert.deepEqual([org.finds, org.memberReads], [1, 1]);
    now += 1;
    assert.equal(await cache.isMember('00unew', ['Okta Admins']), true, 'read again after the TTL');
    assert.deepEqual([org.finds, org.memberReads], [2, 2]);
  });

  test('a storm of concurrent checks shares one in-flight read', async () => {
    const org = new FakeGroups(new Map([['Okta Admins', ['00u5']]]));
    let release!: () => void;
    org.gate = new Promise((r) => (release = r));
    const cache = new ProtectedMembersCache(org, { ttlMs: 60_000 });
    const checks = Array.from({ length: 10_000 }, (_, i) => cache.isMember(`00u${i}`, ['Okta Admins', 'Okta Admins']));
    release();
    const answers = await Promise.all(checks);
    assert.deepEqual([org.finds, org.memberReads, cache.refreshes], [1, 1, 1]);
    assert.deepEqual(answers.map((a, i) => (a ? i : -1)).filter((i) => i >= 0), [5]);
  });

  test('a group larger than the cap is not cached: the checks fall back to the per-user read, without re-reading the group', async () => {
    const big = Array.from({ length: 11 }, (_, i) => `00u${i}`);
    const org = new FakeGroups(new Map([['Everyone', big]]));
    const cache = new ProtectedMembersCache(org, { ttlMs: 60_000, maxMembers: 10 });
    assert.equal(await cache.isMember('00u99', ['Everyone']), undefined);
    assert.equal(await cache.isMember('00u0', ['Everyone']), undefined, 'a partial read decides nothing');
    assert.equal(org.lastMax, 10);
    assert.deepEqual([org.finds, org.memberReads], [1, 1], 'the oversize verdict is kept for the TTL');
    org.members.set('Everyone', big.slice(0, 10));
    const fits = new ProtectedMembersCache(org, { ttlMs: 60_000, maxMembers: 10 });
    assert.equal(await fits.isMember('00u99', ['Everyone']), false, 'exactly at the cap is cached');
  });

  test('a failed read is never cached as "not protected"; it is retried after a short pause', async () => {
    let now = 0;
    const org = new FakeGroups(new Map([['Okta Admins', ['00uadmin']]]));
    org.fail = apiError(500);
    const warnings: string[] = [];
    const cache = new ProtectedMembersCache(org, { ttlMs: 60_000, retryAfterFailureMs: 5_000, now: () => now, warn: (m) => void warnings.push(m) });
    assert.equal(await cache.isMember('00uother', ['Okta Admins']), undefined);
    assert.equal(await cache.isMember('00uadmin', ['Okta Admins']), undefined);
    assert.equal(org.finds, 1, 'no read per check while Okta fails');
    assert.equal(warnings.length, 1);
    org.fail = undefined;
    now += 5_000;
    assert.equal(await cache.isMember('00uadmin', ['Okta Admins']), true);
    assert.equal(await cache.isMember('00uother', ['Okta Admins']), false);
    assert.equal(org.finds, 2);
  });

  test('a 403 (no okta.groups.read) falls back for a whole TTL; a cut-off name query falls back too', async () => {
    let now = 0;
    const org = new FakeGroups(new Map([['Okta Admins', ['00uadmin']]]));
    org.fail = apiError(403);
    const cache = new ProtectedMembersCache(org, { ttlMs: 60_000, retryAfterFailureMs: 5_000, now: () => now });
    assert.equal(await cache.isMember('00uother', ['Okta Admins']), undefined);
    now += 59_000;
    assert.equal(await cache.isMember('00uother', ['Okta Admins']), undefined);
    assert.equal(org.finds, 1);

    const cutOff = new FakeGroups(new Map([['Okta Admins', ['00uadmin']]]));
    cutOff.queryCutOff = true;
    assert.equal(await new ProtectedMembersCache(cutOff, { ttlMs: 60_000 }).isMember('00uother', ['Okta Admins']), undefined);
  });

  test('several groups: a member of a known one is protected even when another is unknown; TTL 0 reads nothing', async () => {
    const org = new FakeGroups(new Map([['Okta Admins', ['00uadmin']], ['Everyone', ['00u1', '00u2', '00u3']]]));
    const cache = new ProtectedMembersCache(org, { ttlMs: 60_000, maxMembers: 2 });
    assert.equal(await cache.isMember('00uadmin', ['Okta Admins', 'Everyone']), true);
    assert.equal(await cache.isMember('00uother', ['Okta Admins', 'Everyone']), undefined);
    assert.equal(await cache.isMember('00uother', ['Okta Admins', 'No Such Group']), false, 'a group nobody is in protects nobody, as the per-user check');

    const off = new FakeGroups(new Map([['Okta Admins', ['00uadmin']]]));
    assert.equal(await new ProtectedMembersCache(off, { ttlMs: 0 }).isMember('00uadmin', ['Okta Admins']), undefined);
    assert.equal(off.finds, 0);
  });
});
