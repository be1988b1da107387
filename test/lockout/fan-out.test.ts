/**
 * A page with many users is fanned out to hand-over workflows: the poller only starts them and reads
 * on; they start (or signal) the users' episodes and report back. Real dev server and simulator.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import {
  lockoutHandOverReportSignal,
  lockoutHandOverWorkflowId,
  lockoutPollerWorkflowId,
  lockoutStateQuery,
  lockoutWorkflowId,
  pausePollerSignal,
  resumePollerSignal,
} from '../../workflows/lockout/messages.js';
import { handOverStateQuery, lockoutHandOverWorkflow } from '../../workflows/lockout/hand-over.js';
import { eventually } from '../helpers/eventually.js';
import { workflowTaskFailures } from '../helpers/temporal.js';
import { lockAllWhilePaused, lockoutFixture, type LockoutFixture } from './fixture.js';

const SPRAYED = 40;

/** A fixture whose poller has polled once. */
async function pollingFixture(env: Record<string, string>): Promise<LockoutFixture> {
  const f = await lockoutFixture(env);
  await f.startPoller();
  await eventually('the poller polling', async () => (await f.pollerState()).polls >= 1, 30_000);
  return f;
}

describe('lockout poller fan-out of large pages', () => {
  let f: LockoutFixture;
  before(async () => {
    // Ask-user keeps every episode open, so a second wave of locks finds them running.
    f = await pollingFixture({ UNLOCK_POLICY: 'ask-user', ASK_USER_TIMEOUT: '10m', LOCKOUT_POLL_PAGE_SIZE: '100', LOCKOUT_POLL_INTERVAL: '300ms', STORM_BREAKER_THRESHOLD: '100' });
  });
  after(() => f?.close());

  it('starts every episode from hand-over workflows, forwards later events to them, and keeps the counts right', async () => {
    const users = await Promise.all(Array.from({ length: SPRAYED }, (_, i) => f.sim.control.createUser({ login: `fanned.${i}@example.com` })));
    const ids = users.map((u) => u.id);
    await lockAllWhilePaused(f, ids);

    const state = (id: string) => f.temporal.client.workflow.getHandle(lockoutWorkflowId(id)).query(lockoutStateQuery);
    await eventually('every user asked', async () => (await Promise.all(ids.map((id) => state(id).then((s) => s.phase === 'awaiting-user', () => false)))).every(Boolean), 60_000, 300);
    const parents = await Promise.all(ids.map(async (id) => (await f.temporal.client.workflow.getHandle(lockoutWorkflowId(id)).describe()).raw.workflowExecutionInfo?.parentExecution?.workflowId));
    for (const parent of parents) assert.match(parent ?? '(none)', /^lockout-hand-over\//, 'the episode was started by a hand-over workflow');
    assert.ok(new Set(parents).size >= 1);
    await eventually('the hand-overs reported', async () => (await f.pollerState()).lockoutsStarted === SPRAYED, 30_000);

    // Second wave: every user locked again while their episode waits for them.
    await lockAllWhilePaused(f, ids);
    await eventually('the new events reached the open episodes', async () => (await Promise.all(ids.map((id) => state(id).then((s) => s.eventsReceived)))).every((n) => n === 2), 60_000, 300);
    await eventually('the hand-overs reported the forwards', async () => (await f.pollerState()).eventsForwarded === SPRAYED, 30_000);

    const after = await f.pollerState();
    assert.equal(after.lockoutsStarted, SPRAYED, 'no second episode for anyone');
    // The events that joined open episodes are no new lockouts: the storm breaker counted each user once.
    assert.equal(after.breaker?.lockoutsInWindow, SPRAYED);
    assert.equal(after.breaker?.state, 'closed');
    // A report from no hand-over the poller started (anyone with access to the namespace could send one) counts for nothing.
    const poller = f.temporal.client.workflow.getHandle(lockoutPollerWorkflowId(f.sim.url));
    await poller.signal(lockoutHandOverReportSignal, { handOverId: 'lockout-hand-over/forged/1', started: 1000, forwarded: 0, joined: ids.map((userId) => ({ userId, decidedAtMs: 0 })) });
    await poller.signal(pausePollerSignal, { by: 'test' });
    await eventually('the signals processed', async () => (await f.pollerState()).paused === true, 10_000);
    assert.equal((await f.pollerState()).lockoutsStarted, SPRAYED, 'a forged report is ignored');
    await poller.signal(resumePollerSignal);
    const { failures } = await workflowTaskFailures(f.temporal.client, lockoutPollerWorkflowId(f.sim.url));
    assert.deepEqual(failures, []);
  });
});

describe('lockout hand-overs under a storm rate', () => {
  let f: LockoutFixture;
  before(async () => {
    // Pages of 26 users, one hand-over each; the storm rate (10 episodes a second) paces them. A run
    // has room for two hand-overs (26 children, 25 per page): the line is carried through continue-as-new.
    f = await pollingFixture({
      LOCKOUT_POLL_PAGE_SIZE: '26',
      LOCKOUT_MAX_CHILDREN_PER_RUN: '26',
      LOCKOUT_STORM_STARTS_PER_SECOND: '10',
      LOCKOUT_POLL_INTERVAL: '300ms',
      STORM_BREAKER_THRESHOLD: '1000',
    });
  });
  after(() => f?.close());

  it('starts one hand-over at a time, in log order, each paced at the storm rate, across continue-as-new', async () => {
    const users = await Promise.all(Array.from({ length: 78 }, (_, i) => f.sim.control.createUser({ login: `paced.${i}@example.com` })));
    await lockAllWhilePaused(f, users.map((u) => u.id));

    const describeAll = () => Promise.all(users.map((u) => f.temporal.client.workflow.getHandle(lockoutWorkflowId(u.id)).describe()));
    const episodes = await eventually('every episode started', () => describeAll().catch(() => undefined), 90_000, 500);
    const byParent = new Map<string, number[]>();
    for (const d of episodes) {
      const parent = d.raw.workflowExecutionInfo?.parentExecution?.workflowId ?? '(none)';
      byParent.set(parent, [...(byParent.get(parent) ?? []), d.startTime.getTime()]);
    }
    const handOvers = [...byParent.keys()].sort((a, b) => Number(a.split('/').at(-1)) - Number(b.split('/').at(-1)));
    assert.equal(handOvers.length, 3, `three hand-overs of 26: ${handOvers.join(', ')}`);
    const starts = handOvers.map((id) => byParent.get(id)!);
    // Without turns they would start their episodes at once, interleaved.
    for (let i = 1; i < starts.length; i++) assert.ok(Math.max(...starts[i - 1]!) <= Math.min(...starts[i]!), `hand-over ${i + 1} started its episodes after hand-over ${i} had started all of its own`);
    // 26 episodes at 10 a second, two seconds' worth at a time: the last starts about two seconds after the first.
    for (const s of starts) assert.ok(Math.max(...s) - Math.min(...s) >= 1_500, `paced: ${Math.max(...s) - Math.min(...s)} ms`);
    for (const id of handOvers) assert.equal((await f.temporal.client.workflow.getHandle(id).query(handOverStateQuery)).turn, 'started');
    await eventually('the turns all reported', async () => {
      const s = await f.pollerState();
      return s.lockoutsStarted === 78 && s.handOvers?.waiting === 0 && s.handOvers.active === 0;
    }, 30_000);
    assert.ok((await f.pollerState()).runsSoFar >= 1, 'the poller continued as new with hand-overs in line');
    const { failures } = await workflowTaskFailures(f.temporal.client, lockoutPollerWorkflowId(f.sim.url));
    assert.deepEqual(failures, []);
  });

  it('goes on alone when no turn comes (its poller is gone)', { timeout: 30_000 }, async () => {
    const user = await f.sim.control.createUser({ login: 'alone@example.com' });
    const handle = await f.temporal.client.workflow.start(lockoutHandOverWorkflow, {
      taskQueue: f.config.temporal.taskQueue,
      workflowId: `test-hand-over-alone-${randomUUID()}`,
      args: [
        {
          pollerWorkflowId: 'lockout-poller/no-such-org',
          base: { policy: 'auto', askUserTimeoutMs: 60_000, oktaTaskQueue: f.config.temporal.oktaTaskQueue },
          users: [{ user: { id: user.id }, events: [{ uuid: randomUUID(), eventType: 'user.account.lock', published: new Date().toISOString() }] }],
          turn: { maxWaitMs: 1_000, startsPerSecond: 10 },
        },
      ],
    });
    const result = await handle.result();
    assert.equal(result.turn, 'went-alone');
    assert.equal(result.started, 1);
    await f.temporal.client.workflow.getHandle(lockoutWorkflowId(user.id)).describe();
  });
});

describe('a hand-over that ends while it waits for its turn', () => {
  let f: LockoutFixture;
  before(async () => {
    // 2 episodes a second: the first hand-over's turn takes about 13 s, time to end the second meanwhile.
    f = await pollingFixture({
      LOCKOUT_POLL_PAGE_SIZE: '26',
      LOCKOUT_MAX_CHILDREN_PER_RUN: '1000',
      LOCKOUT_STORM_STARTS_PER_SECOND: '2',
      LOCKOUT_POLL_INTERVAL: '300ms',
      STORM_BREAKER_THRESHOLD: '1000',
    });
  });
  after(() => f?.close());

  it('frees the line at once: the next hand-over does not wait for the ended one\'s deadline', { timeout: 120_000 }, async () => {
    const users = await Promise.all(Array.from({ length: 78 }, (_, i) => f.sim.control.createUser({ login: `ended.${i}@example.com` })));
    await lockAllWhilePaused(f, users.map((u) => u.id));
    const poller = f.temporal.client.workflow.getHandle(lockoutPollerWorkflowId(f.sim.url));

    const firstRunId = (await poller.describe()).raw.workflowExecutionInfo?.firstRunId;
    assert.ok(firstRunId);
    const [first, second, third] = [1, 2, 3].map((n) => f.temporal.client.workflow.getHandle(lockoutHandOverWorkflowId(firstRunId, n)));
    await eventually('the second hand-over waiting for its turn', async () => (await second!.query(handOverStateQuery).catch(() => undefined))?.turn === 'waiting', 30_000, 200);
    assert.equal((await first!.query(handOverStateQuery)).turn, 'started', 'the first is still starting its episodes');
    await second!.terminate('test: ended while waiting');

    await first!.result();
    const firstDone = (await first!.describe()).closeTime!.getTime();
    // The second's turn would last 2 × 26 / 2 s + 120 s before the poller gave it up.
    const thirdStarts = await eventually('the third hand-over starting its episodes', async () => {
      const s = await third!.query(handOverStateQuery).catch(() => undefined);
      return s?.turn === 'started' && s.started > 0 ? s : undefined;
    }, 60_000, 200);
    assert.ok(thirdStarts);
    const firstEpisodeOfThird = await eventually('an episode of the third', async () => {
      for (const u of users.slice(52)) {
        const d = await f.temporal.client.workflow.getHandle(lockoutWorkflowId(u.id)).describe().catch(() => undefined);
        if (d) return d.startTime.getTime();
      }
      return undefined;
    }, 10_000, 200);
    assert.ok(firstEpisodeOfThird - firstDone < 30_000, `the third went ${firstEpisodeOfThird - firstDone} ms after the first reported`);
    await eventually('the line empty', async () => (await f.pollerState()).handOvers?.waiting === 0, 30_000);
  });
});
