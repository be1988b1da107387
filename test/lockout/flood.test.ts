/**
 * A flood of messages between polls (episode failures from a storm of children) must not grow one
 * poller run without bound: the poller wakes and continues as new, even with an hour to its next poll.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lockoutEpisodeFailedSignal, lockoutPollerWorkflowId } from '../../workflows/lockout/messages.js';
import { eventually } from '../helpers/eventually.js';
import { lockoutFixture, type LockoutFixture } from './fixture.js';

const MAX_HISTORY = 60;

describe('lockout poller under a flood of signals', () => {
  let f: LockoutFixture;
  before(async () => {
    f = await lockoutFixture({ LOCKOUT_POLL_INTERVAL: '1h' });
    await f.startPoller({ maxHistoryEvents: MAX_HISTORY });
    await eventually('the first poll', async () => (await f.pollerState()).polls >= 1, 30_000);
  });
  after(() => f?.close());

  it('continues as new when the history fills up, without waiting for the next poll', async () => {
    const poller = f.temporal.client.workflow.getHandle(lockoutPollerWorkflowId(f.sim.url));
    for (let i = 0; i < 80; i++) {
      await poller.signal(lockoutEpisodeFailedSignal, { userId: `00u${String(i).padStart(17, '0')}`, runId: `run-${i}`, outcome: 'failed', error: 'OktaForbidden' });
    }
    const state = await eventually('a continue-as-new', async () => {
      const s = await f.pollerState();
      return s.runsSoFar >= 1 ? s : undefined;
    }, 60_000);
    assert.equal(state.episodesFailed, 80, 'every report survived the continue-as-new');
  });
});
