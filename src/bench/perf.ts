import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { opencodeConfig, startMockModel } from '../model-mock/index.js';
import { resolveOpencodeBinary } from '../providers/opencode.js';
import { makeRepo, rawOpencode, type PerfSetup } from './perf/kit.js';
import { laneCosts } from './perf/lanes.js';
import { commandLatency, liveLatency } from './perf/latency.js';
import { governedOverhead, waveOverhead } from './perf/overhead.js';

/**
 * `npm run bench`: medians of the costs an operator feels, printed, never asserted.
 *   start wall time · check --json · status --json over 1,000 finished jobs · a 6-job wave vs raw opencode
 *   check --json and status --json with 50 live jobs
 *   12 jobs at parallel 6 through the headless, attach and server lanes: wall, CPU and peak memory
 *   `bench governed`: 12 jobs (12 prompts, headless, parallel 6) vs the same 12 raw `opencode run` at parallel 6
 * Flags: --reps N (default 5), --wave-reps N (default 5), --skip-wave, --live N (default 50, 0 = skip),
 *        --skip-lanes, --governed-reps N (default 1, 0 = skip).
 * Each measurement is a module of perf/; they all run against the bundled scripted model.
 */
const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const REPS = Math.max(5, flag('--reps', 5));
const WAVE_REPS = flag('--wave-reps', 5);
const LIVE = flag('--live', 50);
const GOVERNED_REPS = flag('--governed-reps', 1);

async function main(): Promise<void> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-runner-bench-'));
  const mock = await startMockModel();
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
  const results: Record<string, number | string> = {};
  try {
    const wts = makeRepo(base, 6);
    const prompt = path.join(base, 'task.prompt');
    fs.writeFileSync(prompt, 'Write a file.\n@mock write out.txt bench\\n\n@mock say done');
    const setup: PerfSetup = { base, env, prompt, wts };

    // warm opencode's own first-run setup so it is not charged to the first sample
    await rawOpencode(resolveOpencodeBinary(undefined, env), wts[0], prompt, env);

    Object.assign(results, await commandLatency(setup, REPS));
    if (LIVE > 0) Object.assign(results, await liveLatency(setup, REPS, LIVE));
    if (!args.includes('--skip-lanes')) Object.assign(results, await laneCosts(setup));
    if (!args.includes('--skip-wave') && WAVE_REPS > 0) Object.assign(results, await waveOverhead(setup, WAVE_REPS));
    if (GOVERNED_REPS > 0) Object.assign(results, await governedOverhead(setup, GOVERNED_REPS));
  } finally {
    await mock.close();
    fs.rmSync(base, { recursive: true, force: true });
  }

  console.log(
    `dx-runner bench (${os.cpus().length} cores, node ${process.version}, ` +
      `medians of ${REPS} runs, waves of 6 x ${WAVE_REPS})`,
  );
  const targets: Record<string, string> = {
    start_ms: '<= 150',
    check_ms: '<= 100',
    status_1000_ms: '<= 250',
    wave6_ratio: '<= 1.05',
    [`check_live${LIVE}_ms`]: '<= 100',
    [`status_live${LIVE}_ms`]: '<= 300',
    server_speedup_vs_headless: '>= 3',
  };
  const plain = (k: string) => /ratio|speedup/.test(k);
  for (const [k, v] of Object.entries(results)) {
    const value = String(typeof v === 'number' && !plain(k) ? v.toFixed(1) : v);
    console.log(`  ${k.padEnd(28)} ${value.padStart(10)}   ${targets[k] ? `target ${targets[k]}` : ''}`);
  }
  console.log(JSON.stringify({ bench: 'foundation', ...results }));
}

await main();
