import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LANES } from '../contract/index.js';
import { CLI_ENTRY as CLI } from '../core/detached.js';
import { sleep } from '../core/time.js';
import { emptySummary } from '../health/index.js';
import { effectiveSettings } from '../jobs/options.js';
import { Store } from '../store/index.js';
import { opencodeConfig, startMockModel } from '../model-mock/index.js';
import { resolveOpencodeBinary, OPENCODE_CANONICAL_MODEL } from '../providers/opencode.js';
import { evaluate } from '../report/index.js';

/**
 * `npm run bench`: medians of the costs an operator feels, printed, never asserted.
 *   start wall time · check --json · status --json over 1,000 finished jobs · a 6-job wave vs raw opencode
 *   check --json and status --json with 50 live jobs
 *   12 jobs at parallel 6 through the headless, attach and server lanes: wall, CPU and peak memory
 *   `bench governed`: 12 jobs (12 prompts, headless, parallel 6) vs the same 12 raw `opencode run` at parallel 6
 * Flags: --reps N (default 5), --wave-reps N (default 5), --skip-wave, --live N (default 50, 0 = skip), --skip-lanes,
 *        --governed-reps N (default 1, 0 = skip).
 */
const run = promisify(execFile);
const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const REPS = Math.max(5, flag('--reps', 5));
const WAVE_REPS = flag('--wave-reps', 5);
const LIVE = flag('--live', 50);
const GOVERNED_REPS = flag('--governed-reps', 1);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const git = (cwd: string, ...a: string[]) => execFileSync('git', ['-C', cwd, ...a], { stdio: 'pipe' });

async function timeCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = process.hrtime.bigint();
  await run(process.execPath, [CLI, ...argv], { env });
  return ms(t0);
}

function makeRepo(base: string, worktrees: number): string[] {
  const repo = path.join(base, 'repo');
  fs.mkdirSync(repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'README.md'), '# bench\n');
  git(repo, 'add', '.');
  git(repo, '-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-qm', 'init');
  return Array.from({ length: worktrees }, (_, i) => {
    const wt = path.join(base, 'wt', `w${i}`);
    git(repo, 'worktree', 'add', '-q', '-b', `w${i}`, wt);
    return wt;
  });
}

async function waitDone(home: string, beads: string[]): Promise<void> {
  const store = new Store(home);
  try {
    for (;;) {
      // "done" is what a user sees: check no longer reports a live state
      const states = beads.map((b) => {
        const j = store.jobs.latest(b);
        return j ? evaluate(j).health.state : 'missing';
      });
      if (states.every((s) => ['exited_ok', 'exited_err', 'no_op_success', 'stopped'].includes(s))) return;
      await sleep(50);
    }
  } finally {
    store.close();
  }
}

/** CPU seconds the whole machine has spent so far (all processes: agents, servers, supervisors). */
function machineCpuSeconds(): number {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (f[0] + f[1] + f[2] + f[5] + f[6]) / 100; // user nice system irq softirq, in USER_HZ
}

/** Resident memory (MiB) of every process of the lane: agents, the shared server and its keeper, supervisors, drivers. */
function laneMemoryMb(): number {
  let kb = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!/opencode|dist\/cli\/index\.js/.test(cmd)) continue;
      const rss = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      kb += rss ? Number(rss[1]) : 0;
    } catch {
      // the process ended meanwhile
    }
  }
  return kb / 1024;
}

/** 12 jobs at parallel 6 through one lane: wall time, machine CPU seconds, peak memory of the lane's processes. */
async function laneWave(lane: string, env: NodeJS.ProcessEnv, prompt: string, wts: string[], tag: string) {
  const beads = Array.from({ length: 12 }, (_, i) => `bd-lane-${tag}.${i}`);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, laneMemoryMb())), 250);
  const cpu0 = machineCpuSeconds();
  const t0 = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < beads.length) {
      const i = next++;
      fs.rmSync(path.join(wts[i % wts.length], 'out.txt'), { force: true });
      await run(
        process.execPath,
        [CLI, 'start', '--lane', lane, '--beads', beads[i], '--prompt-file', prompt, '--worktree', wts[i % wts.length]],
        { env },
      );
      await waitDone(env.DX_RUNNER_HOME as string, [beads[i]]);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  clearInterval(sampler);
  return { wallMs: ms(t0), cpuSec: machineCpuSeconds() - cpu0, peakMb: peak };
}

/** `opencode run` as an operator would launch it by hand; stdin is the prompt (it reads stdin to EOF first). */
function rawOpencode(bin: string, wt: string, prompt: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const stdin = fs.openSync(prompt, 'r');
    const p = spawn(bin, ['run', '--format', 'json', '-m', OPENCODE_CANONICAL_MODEL, '--dir', wt], {
      env,
      stdio: [stdin, 'ignore', 'ignore'],
    });
    fs.closeSync(stdin);
    p.on('exit', () => resolve());
    p.on('error', reject);
  });
}

/**
 * The governed benchmark's overhead: `bench governed` with 12 prompts on the headless workflow at parallel 6
 * (preflight without the probe, baseline gate, a worktree and a supervised job per attempt, collect,
 * summarize, HTML) vs the same 12 prompts as raw `opencode run` at parallel 6 in 12 worktrees.
 */
async function governedOverhead(base: string, env: NodeJS.ProcessEnv, repo: string): Promise<Record<string, number>> {
  const dir = path.join(base, 'governed');
  const prompts = Array.from({ length: 12 }, (_, i) => ({
    id: `p${i}`,
    category: 'latency',
    title: `edit ${i}`,
    prompt: `Write out${i}.txt.\n@mock write out${i}.txt bench ${i}\\n\n@mock say done`,
    success_hints: ['done'],
  }));
  fs.mkdirSync(dir, { recursive: true });
  const promptsFile = path.join(dir, 'prompts.json');
  fs.writeFileSync(promptsFile, JSON.stringify({ version: 1, name: 'perf', prompts }));
  const rawWts = prompts.map((p) => {
    const wt = path.join(dir, 'raw-wt', p.id);
    git(repo, 'worktree', 'add', '-q', '--detach', wt, 'HEAD');
    fs.writeFileSync(path.join(dir, `${p.id}.prompt`), p.prompt);
    return wt;
  });
  const bin = resolveOpencodeBinary(undefined, env);
  const governed: number[] = [];
  const raw: number[] = [];
  for (let r = 0; r < GOVERNED_REPS; r++) {
    let t0 = process.hrtime.bigint();
    await run(
      process.execPath,
      [
        CLI,
        'bench',
        'governed',
        '--workflows',
        'opencode_run_headless',
        '--prompts-file',
        promptsFile,
        '--parallel',
        '6',
        '--no-probe',
        '--required-baseline',
        'HEAD',
        '--run-id',
        `perf${r}`,
        '--output-dir',
        path.join(dir, 'runs'),
        '--cwd',
        repo,
      ],
      { env, maxBuffer: 64 << 20 },
    );
    governed.push(ms(t0));
    for (const wt of rawWts) git(wt, 'clean', '-fdq');
    t0 = process.hrtime.bigint();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < prompts.length; i = next++)
        await rawOpencode(bin, rawWts[i], path.join(dir, `${prompts[i].id}.prompt`), env);
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    raw.push(ms(t0));
  }
  return {
    governed12_ms: median(governed),
    governed12_raw_ms: median(raw),
    governed12_ratio: Number((median(governed) / median(raw)).toFixed(3)),
  };
}

/** 1,000 finished jobs written through the store's own API, as real runs would leave them. */
function seedFinished(home: string, n: number): void {
  const store = new Store(home);
  try {
    for (let i = 0; i < n; i++) {
      const id = store.jobs.insert({
        beads: `bd-seed.${i}`,
        provider: 'opencode',
        runInstance: `seed-${i}`,
        retries: 0,
        worktree: '/tmp/none',
        promptFile: '/tmp/none',
        model: OPENCODE_CANONICAL_MODEL,
        executionMode: 'headless',
        host: 'bench',
        cwd: '/tmp',
        dir: path.join(home, 'jobs', `seed-${i}`),
        startedAt: Date.now() - 60_000,
        startHead: 'x',
        baseline: '{}',
        fallbackReason: 'none',
        settings: effectiveSettings({ env: {} }),
      });
      store.jobs.finalize(
        id,
        { state: 'success', reasonCode: 'process_exit_with_rc', exitCode: 0 },
        { completedAt: Date.now(), mutations: 1, outputBytes: 100, summary: emptySummary() },
      );
    }
  } finally {
    store.close();
  }
}

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

    // warm opencode's own first-run setup so it is not charged to the first sample
    await rawOpencode(resolveOpencodeBinary(undefined, env), wts[0], prompt, env);

    const starts: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const bead = `bd-start.${i}`;
      starts.push(
        await timeCli(['start', '--beads', bead, '--prompt-file', prompt, '--worktree', wts[i % wts.length]], env),
      );
      await waitDone(env.DX_RUNNER_HOME as string, [bead]); // the agent's CPU must not leak into the next sample
    }
    results.start_ms = median(starts);

    const checks: number[] = [];
    for (let i = 0; i < Math.max(REPS, 7); i++)
      checks.push(await timeCli(['check', '--beads', 'bd-start.0', '--json'], env));
    results.check_ms = median(checks);

    const bigHome = path.join(base, 'home-1000');
    seedFinished(bigHome, 1000);
    const statuses: number[] = [];
    for (let i = 0; i < REPS; i++)
      statuses.push(await timeCli(['status', '--json', '--all'], { ...env, DX_RUNNER_HOME: bigHome }));
    results.status_1000_ms = median(statuses);

    if (LIVE > 0) {
      // live jobs whose agent just waits: what check/status cost does not depend on what the agent does
      const idleAgent = path.join(base, 'idle-agent.sh');
      // it lists the canonical model (start checks the model is offered), then just waits
      fs.writeFileSync(
        idleAgent,
        `#!/bin/sh\n[ "$1" = models ] && echo ${OPENCODE_CANONICAL_MODEL} && exit 0\nexec sleep 600\n`,
        { mode: 0o755 },
      );
      const liveEnv = { ...env, DX_RUNNER_HOME: path.join(base, 'home-live') };
      const beads = Array.from({ length: LIVE }, (_, i) => `bd-live.${i}`);
      for (const b of beads)
        await run(
          process.execPath,
          [CLI, 'start', '--beads', b, '--prompt-file', prompt, '--worktree', wts[0], '--opencode-bin', idleAgent],
          { env: liveEnv },
        );
      await sleep(3000); // let every supervisor take its first samples
      const liveChecks: number[] = [];
      const liveStatus: number[] = [];
      for (let i = 0; i < REPS; i++) {
        liveChecks.push(await timeCli(['check', '--beads', beads[i % LIVE], '--json'], liveEnv));
        liveStatus.push(await timeCli(['status', '--json'], liveEnv));
      }
      results[`check_live${LIVE}_ms`] = median(liveChecks);
      results[`status_live${LIVE}_ms`] = median(liveStatus);
      await Promise.all(beads.map((b) => run(process.execPath, [CLI, 'stop', '--beads', b], { env: liveEnv })));
    }

    if (!args.includes('--skip-lanes')) {
      const laneEnv = { ...env, DX_RUNNER_HOME: path.join(base, 'home-lanes') };
      const port = String(
        await new Promise<number>((resolve) => {
          const srv = net.createServer().listen(0, '127.0.0.1', () => {
            const p = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(p));
          });
        }),
      );
      const serveT0 = process.hrtime.bigint();
      await run(process.execPath, [CLI, 'serve', 'start', '--port', port], { env: laneEnv });
      results.serve_start_ms = ms(serveT0);
      try {
        const lanes: Record<string, Awaited<ReturnType<typeof laneWave>>> = {};
        for (const lane of LANES) lanes[lane] = await laneWave(lane, laneEnv, prompt, wts, lane);
        for (const [lane, r] of Object.entries(lanes)) {
          results[`lane_${lane}_wall_ms`] = r.wallMs;
          results[`lane_${lane}_cpu_s`] = r.cpuSec;
          results[`lane_${lane}_peak_mb`] = r.peakMb;
        }
        results.server_speedup_vs_headless = Number((lanes.headless.wallMs / lanes.server.wallMs).toFixed(2));
        results.attach_speedup_vs_headless = Number((lanes.headless.wallMs / lanes.attach.wallMs).toFixed(2));
        results.server_cpu_ratio = Number((lanes.server.cpuSec / lanes.headless.cpuSec).toFixed(3));
        results.attach_cpu_ratio = Number((lanes.attach.cpuSec / lanes.headless.cpuSec).toFixed(3));
        results.server_memory_ratio = Number((lanes.server.peakMb / lanes.headless.peakMb).toFixed(3));
        results.attach_memory_ratio = Number((lanes.attach.peakMb / lanes.headless.peakMb).toFixed(3));
      } finally {
        await run(process.execPath, [CLI, 'serve', 'stop'], { env: laneEnv });
      }
    }

    if (!args.includes('--skip-wave') && WAVE_REPS > 0) {
      const viaRunner: number[] = [];
      const raw: number[] = [];
      const bin = resolveOpencodeBinary(undefined, env);
      for (let r = 0; r < WAVE_REPS; r++) {
        for (const wt of wts) fs.rmSync(path.join(wt, 'out.txt'), { force: true });
        const beads = wts.map((_, i) => `bd-wave.${r}.${i}`);
        let t0 = process.hrtime.bigint();
        await Promise.all(
          beads.map((b, i) =>
            run(process.execPath, [CLI, 'start', '--beads', b, '--prompt-file', prompt, '--worktree', wts[i]], { env }),
          ),
        );
        await waitDone(env.DX_RUNNER_HOME as string, beads);
        viaRunner.push(ms(t0));

        for (const wt of wts) fs.rmSync(path.join(wt, 'out.txt'), { force: true });
        t0 = process.hrtime.bigint();
        await Promise.all(wts.map((wt) => rawOpencode(bin, wt, prompt, env)));
        raw.push(ms(t0));
      }
      results.wave6_runner_ms = median(viaRunner);
      results.wave6_raw_ms = median(raw);
      results.wave6_ratio = Number((median(viaRunner) / median(raw)).toFixed(3));
    }

    if (GOVERNED_REPS > 0) Object.assign(results, await governedOverhead(base, env, path.join(base, 'repo')));
  } finally {
    await mock.close();
    fs.rmSync(base, { recursive: true, force: true });
  }

  console.log(
    `dx-runner bench (${os.cpus().length} cores, node ${process.version}, medians of ${REPS} runs, waves of 6 x ${WAVE_REPS})`,
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
  for (const [k, v] of Object.entries(results))
    console.log(
      `  ${k.padEnd(28)} ${String(typeof v === 'number' && !plain(k) ? v.toFixed(1) : v).padStart(10)}   ${targets[k] ? `target ${targets[k]}` : ''}`,
    );
  console.log(JSON.stringify({ bench: 'foundation', ...results }));
}

await main();
