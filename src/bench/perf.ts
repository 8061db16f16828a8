import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { opencodeConfig, startMockModel } from '../model-mock/index.js';
import { resolveOpencodeBinary } from '../providers/opencode.js';
import { endEverything, makeRepo, rawOpencode, type PerfSetup } from './perf/kit.js';
import { laneCosts } from './perf/lanes.js';
import { commandLatency, liveLatency } from './perf/latency.js';
import { governedOverhead, waveOverhead } from './perf/overhead.js';
import { deliveryCost } from './perf/delivery.js';
import { fleetLatency } from './perf/fleet.js';

/**
 * `npm run bench [-- <measurement>…]`: medians of the costs an operator feels, printed as each is measured,
 * never asserted. The measurements (all by default, or those named):
 *   latency   `node -e 0` beside start wall time · check --json · status --json over 1,000 finished jobs
 *   live      check --json and status --json with 50 live jobs
 *   lanes     12 jobs at parallel 6 through the headless, attach and server lanes: wall, CPU and peak memory
 *   wave      a 6-job wave vs raw opencode
 *   governed  `bench governed`: 12 prompts, headless, parallel 6, vs the same 12 raw `opencode run` at parallel 6
 *   delivery  what landing adds to a job
 *   fleet     enqueue → agent spawned p50/p95 on an idle fleet (a redis-server and one worker of its own)
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
};
const results: Record<string, number> = {};
function emit(key: string, value: number): void {
  results[key] = value;
  const shown = /ratio|speedup/.test(key) ? String(value) : value.toFixed(1);
  process.stdout.write(`  ${key.padEnd(28)} ${shown.padStart(10)}   ${TARGETS[key] ? `target ${TARGETS[key]}` : ''}\n`);
}

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-runner-bench-'));
let closeMock = async (): Promise<void> => undefined;
let ending: Promise<void> | undefined;
/** Stops what the bench started and removes its scratch folder, once, however it ends. */
const end = () =>
  (ending ??= (async () => {
    await endEverything(base);
    await closeMock();
    fs.rmSync(base, { recursive: true, force: true });
  })());
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(signal, () => {
    process.stderr.write(`bench: ${signal}: stopping the jobs it started\n`);
    void end().finally(() => process.exit(code));
  });
}

async function main(): Promise<void> {
  const mock = await startMockModel();
  closeMock = () => mock.close();
  const config = path.join(base, 'opencode.json');
  fs.writeFileSync(config, JSON.stringify(opencodeConfig(mock.url)));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DX_RUNNER_HOME: path.join(base, 'home'),
    OPENCODE_CONFIG: config,
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    DX_RUNNER_MAX_PARALLEL_OPENCODE: '64', // waves and live jobs measured here are larger than the default cap
    XDG_DATA_HOME: path.join(base, 'xdg', 'data'),
    XDG_CONFIG_HOME: path.join(base, 'xdg', 'config'),
    XDG_CACHE_HOME: path.join(base, 'xdg', 'cache'),
  };
  const wts = makeRepo(base, 6);
  const prompt = path.join(base, 'task.prompt');
  fs.writeFileSync(prompt, 'Write a file.\n@mock write out.txt bench\\n\n@mock say done');
  const setup: PerfSetup = { base, env, prompt, wts, emit };
  console.log(
    `dx-runner bench: ${chosen.join(', ')} (${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}, ` +
      `node ${process.version}, medians of ${REPS} runs, waves of 6 x ${WAVE_REPS})`,
  );

  // warm opencode's own first-run setup so it is not charged to the first sample
  await rawOpencode(resolveOpencodeBinary(undefined, env), wts[0], prompt, env);
  for (const m of chosen) await MEASUREMENTS[m].run(setup);
  console.log(JSON.stringify({ bench: 'foundation', ...results }));
}

try {
  await main();
} catch (e) {
  process.exitCode = 1;
  // after a signal, the commands it ended fail: that is the interruption, not news
  if (!ending) process.stderr.write(`bench: ${(e as Error).message.split('\n')[0]}\n`);
} finally {
  await end();
}
