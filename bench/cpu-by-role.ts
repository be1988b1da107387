/**
 * Where the CPU goes during a benchmark on the local cluster: samples /proc every second for this
 * checkout's processes (working directory inside it) and, on SIGINT/SIGTERM, prints the CPU seconds
 * each role used meanwhile: each Temporal process (by its pid file in .data/cluster/run), PostgreSQL,
 * the project's worker processes, the benchmark process (Okta simulator included) and the rest.
 *
 *   npx tsx bench/cpu-by-role.ts & sampler=$!; <run the benchmark>; kill $sampler
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve('.');
const runDir = '.data/cluster/run';
const TICKS_PER_SECOND = 100; // Linux USER_HZ
const first = new Map<number, number>();
const last = new Map<number, { role: string; ticks: number }>();

function temporalRoles(): Map<number, string> {
  const roles = new Map<number, string>();
  try {
    for (const f of readdirSync(runDir).filter((n) => n.endsWith('.pid'))) {
      roles.set(Number(readFileSync(`${runDir}/${f}`, 'utf8').trim()), `temporal ${f.slice(0, -4)}`);
    }
  } catch {
    // No cluster here.
  }
  return roles;
}

function roleOf(pid: number, cmd: string, temporal: Map<number, string>): string {
  if (temporal.has(pid)) return temporal.get(pid)!;
  if (/postgres/.test(cmd)) return 'postgres';
  if (/workers\/main\.ts/.test(cmd)) return 'worker processes';
  if (/bench\/(?!cpu-by-role)/.test(cmd)) return 'benchmark + Okta simulator';
  return 'other (npm, tsx, CLI)';
}

function sample(): void {
  const temporal = temporalRoles();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (!readlinkSync(`/proc/${pid}/cwd`).startsWith(root)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!first.has(pid)) first.set(pid, ticks);
      last.set(pid, { role: roleOf(pid, cmd, temporal), ticks });
    } catch {
      // Exited or not ours to read.
    }
  }
}

// Processes alive at the start count from their first sample; those started later from zero.
sample();
const startedWith = new Set(first.keys());
const timer = setInterval(sample, 1_000);
const t0 = Date.now();

function report(): void {
  clearInterval(timer);
  sample();
  const byRole = new Map<string, number>();
  for (const [pid, { role, ticks }] of last) {
    const used = ticks - (startedWith.has(pid) ? first.get(pid)! : 0);
    byRole.set(role, (byRole.get(role) ?? 0) + used / TICKS_PER_SECOND);
  }
  const wall = (Date.now() - t0) / 1000;
  const rows = [...byRole].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((s, [, v]) => s + v, 0);
  console.log(JSON.stringify({ wallSeconds: +wall.toFixed(1), cpuSeconds: +total.toFixed(1), byRole: Object.fromEntries(rows.map(([r, v]) => [r, +v.toFixed(1)])) }));
  process.exit(0);
}
process.once('SIGTERM', report);
process.once('SIGINT', report);
