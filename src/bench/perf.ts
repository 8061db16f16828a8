import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runEndingOnce } from '../core/ending.js';
import { scratchProject } from '../model-mock/scratch.js';
import { resolveOpencodeBinary } from '../providers/opencode.js';
import { endEverything, rawOpencode, type PerfSetup } from './perf/kit.js';
import { laneCosts } from './perf/lanes.js';
import { commandLatency, liveLatency } from './perf/latency.js';
import { governedOverhead, waveOverhead } from './perf/overhead.js';
import { deliveryCost } from './perf/delivery.js';
import { fleetLatency } from './perf/fleet.js';
import { fleetWaveRatio } from './perf/fleetWave.js';

/**
 * `npm run bench [-- <measurement>…]`: medians of the costs an operator feels, printed as each is measured,
 * never asserted. The measurements (all by default, or those named):
 *   latency   start wall time · check --json · status --json over 1,000 finished jobs, each beside `node -e 0`
 *             (timed before each sample) and also printed as what it costs above it
 *   live      check --json and status --json with 50 live jobs
 *   lanes     12 jobs at parallel 6 through the headless, attach and server lanes: wall, CPU and peak memory
 *   wave      a 6-job wave vs raw opencode
 *   governed  `bench governed`: 12 prompts, headless, parallel 6, vs the same 12 raw `opencode run` at parallel 6
 *   delivery  what landing adds to a job
 *   fleet     enqueue → agent spawned p50/p95 on an idle fleet (a redis-server and one worker of its own)
 *   fleetwave 12 jobs as a fleet wave on two workers with 3 slots each vs the same 12 as a single-host wave at cap 6
 * Flags: --reps N (default 5), --wave-reps N (default 5), --skip-wave, --live N (default 50, 0 = skip),
 *        --skip-lanes, --governed-reps N (default 1, 0 = skip).
 * They all run against the bundled scripted model. Whatever way the bench ends (done, failed, SIGINT, SIGTERM),
 * it stops every job and server it started.
 */
const { values: flags, positionals } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    'wave-reps': { type: 'string', default: '5' },
    live: { type: 'string', default: '50' },
    'governed-reps': { type: 'string', default: '1' },
    'skip-wave': { type: 'boolean', default: false },
    'skip-lanes': { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const REPS = Math.max(5, Number(flags.reps));
const WAVE_REPS = Number(flags['wave-reps']);
const LIVE = Number(flags.live);
const GOVERNED_REPS = Number(flags['governed-reps']);

type Measurement = (setup: PerfSetup) => Promise<void>;
const MEASUREMENTS: Record<string, { run: Measurement; on: boolean }> = {
  latency: { run: (s) => commandLatency(s, REPS), on: true },
  live: { run: (s) => liveLatency(s, REPS, LIVE), on: LIVE > 0 },
  lanes: { run: laneCosts, on: !flags['skip-lanes'] },
  wave: { run: (s) => waveOverhead(s, WAVE_REPS), on: !flags['skip-wave'] && WAVE_REPS > 0 },
  governed: { run: (s) => governedOverhead(s, GOVERNED_REPS), on: GOVERNED_REPS > 0 },
  delivery: { run: (s) => deliveryCost(s, REPS), on: true },
  fleet: { run: (s) => fleetLatency(s, REPS), on: true },
  fleetwave: { run: fleetWaveRatio, on: true },
};
const unknown = positionals.filter((m) => !(m in MEASUREMENTS));
if (unknown.length) {
  process.stderr.write(`bench: no measurement named ${unknown.join(', ')}; pick from ${Object.keys(MEASUREMENTS)}\n`);
  process.exit(2);
}
const chosen = positionals.length ? positionals : Object.keys(MEASUREMENTS).filter((m) => MEASUREMENTS[m].on);

const TARGETS: Record<string, string> = {
  start_ms: '<= 150',
  check_ms: '<= 100',
  status_1000_ms: '<= 250',
  wave6_ratio: '<= 1.05',
  [`check_live${LIVE}_ms`]: '<= 100',
  [`status_live${LIVE}_ms`]: '<= 300',
  server_speedup_vs_headless: '>= 3',
  land_cost_ms: '<= 300',
  fleet_spawn_p50_ms: '<= 250',
  fleet_spawn_p95_ms: '<= 250',
  fleet_wave12_ratio: '<= 1.10',
};
/**
 * What dx-runner itself may cost above `node -e 0` measured beside it: any node CLI pays node's own start first
 * (about 0.1 s on a small host), which the absolute targets above leave little room beside.
 */
const ABOVE_NODE_TARGETS: Record<string, string> = { start_ms: '<= 150', check_ms: '<= 100' };
const results: Record<string, number> = {};
function emit(key: string, value: number, floor?: number): void {
  results[key] = value;
  const shown = /ratio|speedup/.test(key) ? String(value) : value.toFixed(1);
  const target = TARGETS[key] ? `target ${TARGETS[key]}` : '';
  let above = '';
  if (floor !== undefined) {
    results[key.replace(/_ms$/, '_above_node_ms')] = value - floor;
    const aboveTarget = ABOVE_NODE_TARGETS[key] ? `, target ${ABOVE_NODE_TARGETS[key]}` : '';
    above = `${(value - floor).toFixed(1)} above node -e 0${aboveTarget}`;
  }
  process.stdout.write(`  ${key.padEnd(28)} ${shown.padStart(10)}   ${target.padEnd(14)} ${above}`.trimEnd() + '\n');
}

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-runner-bench-'));
let closeMock = async (): Promise<void> => undefined;

async function main(): Promise<void> {
  const project = await scratchProject(base, 'bench');
  closeMock = () => project.mock.close();
  // waves and live jobs measured here are larger than the default cap
  const env = project.env(path.join(base, 'home'), { DX_RUNNER_MAX_PARALLEL_OPENCODE: '64' });
  const wts = Array.from({ length: 6 }, (_, i) => project.worktree(`w${i}`, path.join(base, 'wt', `w${i}`)));
  const prompt = path.join(base, 'task.prompt');
  fs.writeFileSync(prompt, 'Write a file.\n@mock write out.txt bench\\n\n@mock say done');
  const setup: PerfSetup = { base, env, prompt, wts, emit, bare: [] };
  console.log(
    `dx-runner bench: ${chosen.join(', ')} (${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}, ` +
      `node ${process.version}, medians of ${REPS} runs, waves of 6 x ${WAVE_REPS})`,
  );

  // warm opencode's own first-run setup so it is not charged to the first sample
  await rawOpencode(resolveOpencodeBinary(undefined, env), wts[0], prompt, env);
  for (const m of chosen) await MEASUREMENTS[m].run(setup);
  console.log(JSON.stringify({ bench: 'foundation', ...results }));
}

// stops what the bench started and removes its scratch folder
await runEndingOnce('bench', 'stopping the jobs it started', main, async () => {
  await endEverything(base);
  await closeMock();
  fs.rmSync(base, { recursive: true, force: true });
});
