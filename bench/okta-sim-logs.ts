/**
 * Seeds 100k users + 100k events and measures System Log polling page latency (limit 100 and 1000)
 * over HTTP, plus memory. Usage: npx tsx bench/okta-sim-logs.ts [--users N] [--events N] [--pages N]
 */
import { parseArgs } from 'node:util';
import { startOktaSimulator } from '../okta-sim/index.js';

const { values } = parseArgs({
  options: { users: { type: 'string', default: '100000' }, events: { type: 'string', default: '100000' }, pages: { type: 'string', default: '200' } },
});
const users = Number(values.users);
const events = Number(values.events);
const pages = Number(values.pages);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

const t0 = performance.now();
const sim = await startOktaSimulator({ seed: 'bench', users, events, quiet: true, rateLimits: { logs: { limit: 1e9, windowMs: 60_000 }, userGet: { limit: 1e9, windowMs: 60_000 } } });
const seedMs = performance.now() - t0;
const headers = { Authorization: `SSWS ${sim.apiToken}` };

async function timePolling(limit: number): Promise<{ p50: number; p95: number; n: number }> {
  const since = new Date(Date.now() - 8 * 86_400_000).toISOString();
  let url = `${sim.url}/api/v1/logs?since=${encodeURIComponent(since)}&limit=${limit}`;
  const times: number[] = [];
  let n = 0;
  // Walk the whole log (wrapping with a fresh since when it ends) so pages early and late in the org are both timed.
  while (times.length < pages) {
    const s = performance.now();
    const res = await fetch(url, { headers });
    const body = (await res.json()) as unknown[];
    times.push(performance.now() - s);
    n += body.length;
    const link = res.headers.get('link') ?? '';
    const next = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
    url = body.length === 0 || !next ? `${sim.url}/api/v1/logs?since=${encodeURIComponent(since)}&limit=${limit}` : next;
  }
  return { p50: pct(times, 50), p95: pct(times, 95), n };
}

async function timeFiltered(): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  const filter = encodeURIComponent('eventType eq "user.account.lock"');
  for (let i = 0; i < 50; i++) {
    const s = performance.now();
    await (await fetch(`${sim.url}/api/v1/logs?filter=${filter}&limit=100`, { headers })).json();
    times.push(performance.now() - s);
  }
  return { p50: pct(times, 50), p95: pct(times, 95) };
}

async function timeUserLookup(): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const s = performance.now();
    const q = encodeURIComponent(`profile.email eq "ava.smith.${i}@example.com"`);
    await (await fetch(`${sim.url}/api/v1/users?search=${q}`, { headers })).json();
    times.push(performance.now() - s);
  }
  return { p50: pct(times, 50), p95: pct(times, 95) };
}

await timePolling(100); // warm-up (JIT)
const p100 = await timePolling(100);
const p1000 = await timePolling(1000);
const filtered = await timeFiltered();
const lookup = await timeUserLookup();
global.gc?.();
const mem = process.memoryUsage();
const f = (x: number): string => x.toFixed(2);
console.log(`okta-sim bench: ${users} users, ${events} events (seeded in ${(seedMs / 1000).toFixed(2)} s), ${pages} pages per size`);
console.log(`polling limit=100   p50 ${f(p100.p50)} ms  p95 ${f(p100.p95)} ms  (${p100.n} events read)`);
console.log(`polling limit=1000  p50 ${f(p1000.p50)} ms  p95 ${f(p1000.p95)} ms  (${p1000.n} events read)`);
console.log(`filtered eventType  p50 ${f(filtered.p50)} ms  p95 ${f(filtered.p95)} ms`);
console.log(`user search by email p50 ${f(lookup.p50)} ms  p95 ${f(lookup.p95)} ms`);
console.log(`memory: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heapUsed ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`);
await sim.close();
