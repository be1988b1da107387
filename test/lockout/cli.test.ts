import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli, sinceArg, UsageError } from '../../client/cli.js';
import { lockoutPollerWorkflowId } from '../../workflows/lockout/messages.js';
import { eventually } from '../helpers/eventually.js';
import { lockoutFixture, type LockoutFixture } from './fixture.js';

describe('operator CLI: the lockout poller', () => {
  let f: LockoutFixture;
  const cli = async (...argv: string[]) => {
    const lines: string[] = [];
    const code = await runCli(argv, { config: f.config, client: f.temporal.client, out: (l) => lines.push(l) });
    return { code, text: lines.join('\n') };
  };
  before(async () => {
    f = await lockoutFixture({ LOCKOUT_POLL_INTERVAL: '300ms' });
    await f.startPoller();
    await eventually('a first poll', async () => (await f.pollerState()).polls >= 1);
  });
  after(async () => {
    await f?.close();
    await f?.temporal.close();
  });

  it('shows health and settings, resets the cursor, and stops the poller', async () => {
    const status = JSON.parse((await cli('poller', 'status')).text) as { health: { status: string }; settings: { pageSize: number }; openLockouts: number };
    assert.equal(status.health.status, 'ok');
    assert.equal(status.settings.pageSize, f.config.lockout.pageSize);
    assert.equal(typeof status.openLockouts, 'number');

    const reset = await cli('poller', 'reset-cursor', '--since', '5m', '--as', 'oncall@example.com');
    assert.equal(reset.code, 0);
    const since = Date.parse((JSON.parse(reset.text) as { since: string }).since);
    assert.ok(Math.abs(Date.now() - 5 * 60_000 - since) < 60_000);
    await eventually('polling again from a cursor', async () => (await f.pollerState()).cursor !== undefined);

    assert.equal((await cli('poller', 'stop')).text, 'poller stopped');
    const described = await f.temporal.client.workflow.getHandle(lockoutPollerWorkflowId(f.sim.url)).describe();
    assert.equal(described.status.name, 'COMPLETED');
    assert.equal((await cli('poller', 'stop')).text, 'no poller running');
  });

  it('doctor: a round trip through the main queue and through the poller queue, each served by its own worker', async () => {
    const doctor = await cli('doctor');
    assert.equal(doctor.code, 0);
    const report = JSON.parse(doctor.text) as { ok: boolean; worker: { taskQueue: string }; pollerQueue: { ok: boolean; worker: { taskQueue: string } } };
    assert.equal(report.ok, true);
    assert.equal(report.worker.taskQueue, f.config.temporal.taskQueue);
    assert.equal(report.pollerQueue.worker.taskQueue, f.config.temporal.pollerTaskQueue);
  });

  it('reads --since as a duration or an ISO time', () => {
    const now = Date.parse('2026-11-29T05:00:00Z');
    assert.equal(sinceArg('2h', now), '2026-11-29T03:00:00.000Z');
    assert.equal(sinceArg('2026-11-28T00:00:00Z', now), '2026-11-28T00:00:00.000Z');
    assert.throws(() => sinceArg('yesterday', now), UsageError);
  });
});
