/**
 * The storm breaker and the per-user notification cap, end to end: a simulated spray trips the
 * breaker (the helpdesk is told, new lockouts are held, operators see it), an operator resumes it;
 * a user locked again and again gets at most the capped number of messages, but always a question.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../client/cli.js';
import { lockoutPollerWorkflowId, lockoutStateQuery, lockoutWorkflowId } from '../../workflows/lockout/messages.js';
import { eventually } from '../helpers/eventually.js';
import { lockoutFixture, nextEpisode, type LockoutFixture } from './fixture.js';

const THRESHOLD = 5;

describe('storm breaker and notification caps', () => {
  let f: LockoutFixture;
  before(async () => {
    f = await lockoutFixture({
      LOCKOUT_POLL_INTERVAL: '300ms',
      STORM_BREAKER_THRESHOLD: String(THRESHOLD),
      STORM_BREAKER_WINDOW: '10m',
      STORM_BREAKER_QUIET: '1h',
      RELOCK_MAX_PER_DAY: '0',
      LOCKOUT_NOTIFY_MAX_PER_DAY: '2',
      ASK_USER_TIMEOUT: '10m',
    });
    await f.startPoller();
  });
  after(async () => {
    await f?.close();
    await f?.temporal.close();
  });

  it('notification cap: at most 2 messages a day for a user locked 3 times, yet a question still goes out', async () => {
    const user = await f.sim.control.createUser({ login: 'capped.user@example.com' });
    let runId: string | undefined;
    for (let i = 0; i < 3; i++) {
      await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
      const episode = await nextEpisode(f, user.id, runId);
      assert.equal(episode.state.outcome, 'unlocked', 'the cap hides messages, never the unlock');
      runId = episode.runId;
      if (i === 2) assert.equal(episode.state.notificationsCapped, 1);
    }
    assert.deepEqual(f.notifier.to(user.id).map((n) => n.kind), ['lockout-unlocked', 'lockout-unlocked']);
    // Over the cap, a question that needs an answer is still asked.
    await f.sim.control.lockUser(user.id, { via: 'failed-signins', debugData: { threatSuspected: 'true' } });
    await eventually('the question was sent despite the cap', async () => f.notifier.to(user.id).find((n) => n.kind === 'lockout-ask-user'), 30_000);
  });

  it('a spray trips the breaker: the helpdesk is told, new lockouts are held, operators see it, and resume closes it', async () => {
    const before = (await f.pollerState()).breaker;
    assert.equal(before?.state, 'closed');
    const needed = THRESHOLD + 1 - (before?.lockoutsInWindow ?? 0);
    const users = await Promise.all(Array.from({ length: needed + 2 }, (_, i) => f.sim.control.createUser({ login: `spray.${i}@example.com` })));
    for (const user of users) await f.sim.control.lockUser(user.id, { via: 'failed-signins' });

    const state = await eventually('the breaker tripped', async () => {
      const s = await f.pollerState();
      return s.breaker?.state === 'tripped' ? s : undefined;
    }, 30_000);
    assert.match(state.breaker?.reason ?? '', /lockouts within/);
    const alert = await eventually('the helpdesk was alerted', async () => f.notifier.sent.find((n) => n.kind === 'lockout-storm'));
    assert.equal(alert.data?.audience, 'helpdesk');
    assert.equal(f.notifier.sent.filter((n) => n.kind === 'lockout-storm').length, 1, 'one alert per trip');
    const memo = (await f.temporal.client.workflow.getHandle(lockoutPollerWorkflowId(f.sim.url)).describe()).memo;
    assert.equal(memo?.breaker, 'tripped');

    // The last sprayed lockouts came after the trip: held, not unlocked.
    const last = users.at(-1)!;
    const held = await nextEpisode(f, last.id);
    assert.equal(held.state.outcome, 'held');
    assert.equal((await f.sim.control.getUser(last.id)).status, 'LOCKED_OUT');
    assert.equal(f.notifier.to(last.id)[0]?.kind, 'lockout-held');

    // Operators see it and resume it from the CLI.
    const cli = async (...argv: string[]) => {
      const lines: string[] = [];
      const code = await runCli(argv, { config: f.config, client: f.temporal.client, out: (l) => lines.push(l) });
      assert.equal(code, 0);
      return JSON.parse(lines.join('\n')) as { breaker?: { state: string }; state?: string; resumedBy?: string };
    };
    assert.equal((await cli('poller', 'status')).breaker?.state, 'tripped');
    const view = await cli('poller', 'breaker', 'resume', '--as', 'ops.oncall');
    assert.equal(view.state, 'closed');
    assert.equal(view.resumedBy, 'ops.oncall');
    const after = await f.sim.control.createUser({ login: 'after.resume@example.com' });
    await f.sim.control.lockUser(after.id, { via: 'failed-signins' });
    assert.equal((await nextEpisode(f, after.id)).state.outcome, 'unlocked');
    const handle = f.temporal.client.workflow.getHandle(lockoutWorkflowId(after.id));
    assert.equal((await handle.query(lockoutStateQuery)).policyReasons, undefined);
  });
});
