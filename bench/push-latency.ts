/**
 * Lock → ACTIVE in push mode (Okta event hook → receiver → poller update) beside poll mode (hook
 * deactivated, System Log polling only), in one run on loopback: the Temporal dev server, the
 * project's workers and poller, the real receiver, the Okta simulator delivering its event hook.
 *   bash scripts/test.sh --run bench/push-latency.ts
 *   BENCH_PUSH_LOCKOUTS=100 BENCH_POLL_LOCKOUTS=5 BENCH_POLL=10s bash scripts/test.sh --run bench/push-latency.ts
 * ACTIVE is taken from the simulator's request log (when the unlock call was answered), so measuring
 * does not load the system. Prints figures; docs/benchmarks.md records them.
 */
import { createOktaClient } from '../activities/okta/client.js';
import { pollerSink } from '../client/event-hook/forward.js';
import { deactivateEventHook, registerEventHook } from '../client/event-hook/register.js';
import { startEventHookReceiver } from '../client/event-hook/server.js';
import { eventually } from '../test/helpers/eventually.js';
import { lockoutFixture, type LockoutFixture } from '../test/lockout/fixture.js';

const poll = process.env.BENCH_POLL ?? '30s';
const pushLockouts = Number(process.env.BENCH_PUSH_LOCKOUTS ?? 50);
const pushSpacingMs = Number(process.env.BENCH_PUSH_SPACING_MS ?? 300);
const pollLockouts = Number(process.env.BENCH_POLL_LOCKOUTS ?? 10);
const pollSpacingMs = Number(process.env.BENCH_POLL_SPACING_MS ?? 7_300);
const SECRET = 'bench-event-hook-secret-0123456789';

function percentiles(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  const fmt = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
  return `n ${s.length}: min ${fmt(s[0]!)}, p50 ${fmt(q(0.5))}, p95 ${fmt(q(0.95))}, p99 ${fmt(q(0.99))}, max ${fmt(s.at(-1)!)}`;
}

/** Locks `count` fresh users `spacingMs` apart; returns lock → ACTIVE per user, from the unlock call's answer. */
async function measure(f: LockoutFixture, label: string, count: number, spacingMs: number): Promise<number[]> {
  const locked: { id: string; at: number }[] = [];
  for (let i = 0; i < count; i++) {
    const user = await f.sim.control.createUser({ login: `${label}.${i}@example.com` });
    const at = Date.now();
    await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    locked.push({ id: user.id, at });
    await new Promise((r) => setTimeout(r, spacingMs));
  }
  const unlockedAt = async (id: string) => {
    const calls = await f.sim.control.requests({ pathPrefix: `/api/v1/users/${id}/lifecycle/unlock`, method: 'POST' });
    const ok = calls.find((c) => c.status === 200);
    return ok ? Date.parse(ok.at) + ok.durationMs : undefined;
  };
  return eventually(`${label}: all unlocked`, async () => {
    const done = await Promise.all(locked.map(async (u) => ((await unlockedAt(u.id)) ?? NaN) - u.at));
    return done.every((ms) => !Number.isNaN(ms)) && done;
  }, 600_000, 500);
}

const f = await lockoutFixture({ LOCKOUT_POLL_INTERVAL: poll });
const receiver = await startEventHookReceiver({
  host: '127.0.0.1', port: 0, secret: SECRET, authHeader: 'Authorization',
  sink: pollerSink({ connection: f.temporal.client.connection, namespace: f.temporal.namespace }, f.sim.url),
});
const okta = createOktaClient(f.config.okta!);
const hookConfig = { ...f.config.eventHook, secret: SECRET, url: receiver.url };
try {
  await f.startPoller();
  await eventually('first poll', async () => (await f.pollerState()).polls >= 1, 60_000);
  await registerEventHook(okta, hookConfig);

  const push = await measure(f, 'push', pushLockouts, pushSpacingMs);
  const deliveries = (await f.sim.control.hookDeliveries()).attempts;
  console.log(`push mode (event hook, poll interval ${poll} as backstop): lock → ACTIVE ${percentiles(push)}`);
  console.log(`  deliveries: ${deliveries.length}, delivery round trip ${percentiles(deliveries.map((d) => d.durationMs))}, answered ${[...receiver.answered].map(([s, n]) => `${s}×${n}`).join(' ')}`);

  await deactivateEventHook(okta, hookConfig);
  const polled = await measure(f, 'poll', pollLockouts, pollSpacingMs);
  console.log(`poll mode (hook deactivated, interval ${poll}): lock → ACTIVE ${percentiles(polled)}`);
  const state = await f.pollerState();
  console.log(`poller: ${state.polls} polls, pushed ${JSON.stringify(state.pushed)}, lockouts started ${state.lockoutsStarted}`);
} finally {
  await receiver.close();
  await f.close();
  await f.temporal.close();
}
