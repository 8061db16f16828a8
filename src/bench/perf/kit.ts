import { execFile, execFileSync, spawn, type ChildProcess, type ExecFileOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLI_ENTRY as CLI } from '../../core/detached.js';
import { sleep } from '../../core/time.js';
import { TERMINAL_STATES } from '../../health/index.js';
import { isAlive, terminateGroup } from '../../jobs/process.js';
import { stopServer } from '../../server/index.js';
import { dbPath, Store } from '../../store/index.js';
import { OPENCODE_CANONICAL_MODEL } from '../../providers/opencode.js';
import { evaluate } from '../../jobs/evaluate.js';

/** What the measurements of `npm run bench` share: timing, the CLI, a scratch repository, raw opencode. */

/** The scratch setup every measurement runs in. */
export interface PerfSetup {
  /** the temporary folder everything lives under */
  base: string;
  /** dx-runner's and opencode's environment: a private home, the scripted model */
  env: NodeJS.ProcessEnv;
  /** a prompt file: write one file, then answer */
  prompt: string;
  /** six git worktrees of one repository (`<base>/repo`, on `main`) */
  wts: string[];
  /**
   * prints a figure as soon as it is measured (and keeps it for the summary); a command's wall time (`floor`:
   * the median `node -e 0` of the same moments) also as what it costs above node itself
   */
  emit: (key: string, value: number, floor?: number) => void;
  /** `node -e 0` timed beside the commands (`bare`): the floor any node CLI stands on, slowed by a busy host too */
  bare: number[];
}

/** The commands the bench is waiting on: ended with it when it is interrupted. */
const waitingOn = new Set<ChildProcess>();
const execFileAsync = promisify(execFile);

/** A process the bench started and ends if it is interrupted (a redis-server, a fleet worker). */
export function endedWithBench(child: ChildProcess): ChildProcess {
  waitingOn.add(child);
  child.once('exit', () => waitingOn.delete(child));
  return child;
}

/** Runs a command to its end (rejecting on a non-zero exit), as one the bench ends if it is interrupted. */
export function run(file: string, args: string[], opts: ExecFileOptions = {}) {
  const p = execFileAsync(file, args, { ...opts, encoding: 'utf8' });
  waitingOn.add(p.child);
  return p.finally(() => waitingOn.delete(p.child));
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
export const git = (cwd: string, ...a: string[]) => execFileSync('git', ['-C', cwd, ...a], { stdio: 'pipe' });

/** `check`'s exit codes that are its answer about the job (ok, stalled, failed, no-op), not a failure. */
export const CHECK_ANSWERS = [0, 2, 3, 23];

/** Wall time of one command; an exit code in `answers` is a result, any other fails the bench. */
export async function timeCommand(file: string, argv: string[], env: NodeJS.ProcessEnv, answers = [0]) {
  const t0 = process.hrtime.bigint();
  try {
    await run(file, argv, { env });
  } catch (e) {
    if (!answers.includes((e as { code?: unknown }).code as number)) throw e;
  }
  return ms(t0);
}

/** One `node -e 0`, kept in `p.bare`: a sample of the floor taken beside each command sample. */
export async function timeNode(p: PerfSetup): Promise<void> {
  p.bare.push(await timeCommand(process.execPath, ['-e', '0'], p.env));
}

export const timeCli = (argv: string[], env: NodeJS.ProcessEnv, answers = [0]): Promise<number> =>
  timeCommand(process.execPath, [CLI, ...argv], env, answers);

export async function waitDone(home: string, beads: string[]): Promise<void> {
  const store = new Store(home);
  try {
    for (;;) {
      // "done" is what a user sees: check no longer reports a live state
      const states = beads.map((b) => {
        const j = store.jobs.latest(b);
        return j ? evaluate(j).health.state : 'missing';
      });
      if (states.every((s) => TERMINAL_STATES.has(s))) return;
      await sleep(50);
    }
  } finally {
    store.close();
  }
}

/** `opencode run` as an operator would launch it by hand; stdin is the prompt (it reads stdin to EOF first). */
export function rawOpencode(bin: string, wt: string, prompt: string, env: NodeJS.ProcessEnv): Promise<void> {
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
 * Ends everything the bench started: the commands it waits on, then in every dx-runner home under `base` each
 * live job's process group and supervisor and the managed server, by the PIDs the store recorded.
 */
export async function endEverything(base: string): Promise<void> {
  for (const child of waitingOn) child.kill('SIGTERM');
  const homes = fs.existsSync(base) ? fs.readdirSync(base).map((d) => path.join(base, d)) : [];
  const groups: number[] = [];
  for (const home of homes.filter((h) => fs.existsSync(dbPath(h)))) {
    const store = new Store(home);
    try {
      for (const j of store.jobs.current(0)) {
        // a supervisor lives as long as its agent: both are ours while the agent is (PIDs are recycled)
        if (j.pid && isAlive(j.pid, j.pidStart)) groups.push(j.pid, ...(j.supervisorPid ? [j.supervisorPid] : []));
      }
      await stopServer(store);
    } finally {
      store.close();
    }
  }
  await Promise.all(groups.map((pgid) => terminateGroup(pgid, 1000)));
}
