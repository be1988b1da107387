/**
 * Lockout-to-unlock latency and Okta calls per lockout, measured on the real pipeline (Temporal dev
 * server, the project's workers, the Okta simulator over HTTP).
 *   bash scripts/test.sh --run bench/lockout-latency.ts            # 30 s poll, 10 lockouts, then a burst
 *   BENCH_POLL=5s BENCH_LOCKOUTS=5 BENCH_BURST=100 bash scripts/test.sh --run bench/lockout-latency.ts
 * Prints figures; docs/benchmarks.md records them.
 */
import { lockoutWorkflowId } from '../workflows/lockout/messages.js';
import { eventually } from '../test/helpers/eventually.js';
import { lockoutFixture } from '../test/lockout/fixture.js';

const poll = process.env.BENCH_POLL ?? '30s';
const lockouts = Number(process.env.BENCH_LOCKOUTS ?? 10);
const spacingMs = Number(process.env.BENCH_SPACING_MS ?? 7_300);
const burst = Number(process.env.BENCH_BURST ?? 100);
const okRate = process.env.BENCH_OKTA_RPS ?? '4';

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `min ${(s[0]! / 1000).toFixed(1)} s, median ${(q(0.5) / 1000).toFixed(1)} s, p95 ${(q(0.95) / 1000).toFixed(1)} s, max ${(s.at(-1)! / 1000).toFixed(1)} s`;
};

const f = await lockoutFixture({ LOCKOUT_POLL_INTERVAL: poll, OKTA_MAX_REQUESTS_PER_SECOND: okRate });
try {
  await f.startPoller();
  await eventually('first poll', async () => (await f.pollerState()).polls >= 1, 60_000);
  await f.sim.control.clearRequests();

  // 1. Single lockouts at times unrelated to the poll schedule.
  const times: number[] = [];
  const users: { id: string }[] = [];
  for (let i = 0; i < lockouts; i++) {
    const user = await f.sim.control.createUser({ login: `bench.${i}@example.com` });
    users.push(user);
    const lockedAt = Date.now();
    await f.sim.control.lockUser(user.id, { via: 'failed-signins' });
    void eventually(`unlock ${i}`, async () => (await f.sim.control.getUser(user.id)).status === 'ACTIVE', 300_000, 100).then(() => times.push(Date.now() - lockedAt));
    await new Promise((r) => setTimeout(r, spacingMs));
  }
  await eventually('all unlocked', async () => times.length === lockouts, 300_000);
  await eventually('children done', async () => {
    const states = await Promise.all(users.map((u) => f.temporal.client.workflow.getHandle(lockoutWorkflowId(u.id)).describe().then((d) => d.status.name)));
    return states.every((s) => s === 'COMPLETED');
  }, 60_000);
  const calls = await f.sim.control.requests({ pathPrefix: '/api/v1/users/' });
  const perUser = calls.filter((c) => users.some((u) => c.path.startsWith(`/api/v1/users/${u.id}`)));
  const byKind = new Map<string, number>();
  for (const c of perUser) {
    const kind = `${c.method} ${c.path.replace(/00u[A-Za-z0-9]+/, '{id}')}`;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  const logReads = (await f.sim.control.requests({ pathPrefix: '/api/v1/logs' })).length;
  console.log(`poll interval ${poll}: ${lockouts} lockouts, lock → ACTIVE ${stats(times)}`);
  console.log(`Okta calls per lockout: ${(perUser.length / lockouts).toFixed(2)} (${[...byKind].map(([k, n]) => `${k} ×${(n / lockouts).toFixed(2)}`).join(', ')}); System Log reads in the run: ${logReads} (shared by all lockouts)`);

  // 2. A password spray: many users locked at once, Okta calls paced by the Temporal server.
  if (burst > 0) {
    const sprayed: { id: string }[] = [];
    for (let i = 0; i < burst; i++) sprayed.push(await f.sim.control.createUser({ login: `spray.${i}@example.com` }));
    await f.sim.control.clearRequests();
    const t0 = Date.now();
    await Promise.all(sprayed.map((u) => f.sim.control.lockUser(u.id, { via: 'failed-signins', attempts: 1 })));
    await f.temporal.client.workflow.getHandle(`lockout-poller/${new URL(f.sim.url).host}`).signal('pollNow');
    await eventually('spray unlocked', async () => {
      const results = await Promise.all(sprayed.map((u) => f.temporal.client.workflow.getHandle(lockoutWorkflowId(u.id)).describe().then((d) => d.status.name).catch(() => 'NONE')));
      return results.every((s) => s === 'COMPLETED');
    }, 900_000, 1_000);
    const elapsed = (Date.now() - t0) / 1000;
    const reqs = await f.sim.control.requests({ pathPrefix: '/api/v1/users/' });
    const rejected = reqs.filter((r) => r.status === 429).length;
    console.log(`burst of ${burst} lockouts at OKTA_MAX_REQUESTS_PER_SECOND=${okRate}: all unlocked in ${elapsed.toFixed(1)} s, ${reqs.length} user calls (${(reqs.length / elapsed).toFixed(1)}/s), ${rejected} answered 429`);
  }
} finally {
  await f.close();
  await f.temporal.close();
}
