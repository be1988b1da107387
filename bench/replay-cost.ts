/**
 * What a workflow task costs the worker when the run is not in its cache: the run is rebuilt from
 * its history, and with `reuseV8Context` every rebuilt run evaluates the bundle's workflow modules
 * again (the SDK's isolation between runs). In a storm with a small cache most of an episode's
 * tasks are such rebuilds, so this is much of the worker's CPU per lockout. No server (`npm run
 * bench` starts the suite's dev server all the same; it is not used): the recorded history of one
 * auto-unlocked episode, replayed BENCH_REPLAYS times by one replay worker.
 *   npm run bench -- replay-cost                      # the suite's bundle (TEST_WORKFLOW_BUNDLE)
 *   BENCH_REPLAYS=1000 BENCH_HISTORY=lockout-hand-over node --import tsx bench/replay-cost.ts   # the sources, bundled here
 * Prints CPU milliseconds per replay; docs/benchmarks.md records them.
 */
import { readFileSync } from 'node:fs';
import { cpuUsage } from 'node:process';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { createDataConverter } from '../client/data-converter.js';
import { loadConfig } from '../temporal.config.js';
import { TEST_KEY } from '../test/self-service/helpers.js';
import { workflowSource } from '../workers/workflows-path.js';

const replays = Number(process.env.BENCH_REPLAYS ?? 500);
const name = process.env.BENCH_HISTORY ?? 'lockout-auto-unlock';
const history = historyFromJSON(JSON.parse(readFileSync(new URL(`../test/replay/histories/${name}.json`, import.meta.url), 'utf8')));
const dataConverter = createDataConverter(loadConfig({ PAYLOAD_ENCRYPTION_KEYS: TEST_KEY }, { dotEnvPath: false }));
const options = { dataConverter, ...(await workflowSource(process.env.TEST_WORKFLOW_BUNDLE)) };

async function run(count: number): Promise<{ cpuMs: number; wallMs: number }> {
  const histories = Array.from({ length: count }, (_, i) => ({ workflowId: `replay-cost-${i}`, history }));
  const cpu = cpuUsage();
  const wall = performance.now();
  for await (const result of Worker.runReplayHistories(options, histories)) {
    if (result.error) throw result.error;
  }
  const used = cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wall };
}

// Each round builds a replay worker of its own (it compiles the bundle, and builds each schema once);
// hundreds of replays spread that cost, and the short first round shows how much it weighs.
const base = await run(20);
const measured = await run(replays);
const per = (ms: number, n: number) => Number((ms / n).toFixed(2));
console.log(
  JSON.stringify({
    history: name,
    events: history.events?.length ?? 0,
    replays,
    cpuMsPerReplay: per(measured.cpuMs, replays),
    wallMsPerReplay: per(measured.wallMs, replays),
    shortRound: { replays: 20, cpuMsPerReplay: per(base.cpuMs, 20) },
  }),
);
