import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI_ENTRY } from '../core/detached.js';
import { sleep } from '../core/time.js';
import { TERMINAL_STATES, type HealthState } from '../health/index.js';
import { endRun, runLeftovers } from '../jobs/reap.js';
import { scratchProject } from '../model-mock/scratch.js';
import { stopServer } from '../server/index.js';
import { dbPath, Store } from '../store/index.js';

/**
 * What the process figures share: the scripted model, one dx-runner home per figure, a repository with linked
 * worktrees, the CLI run as a child the rig can end, and an end that stops every run under its folder.
 */

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Rig {
  base: string;
  /**
   * The environment of a dx-runner home (`<base>/homes/<name>`), plus `extra`; the home's first use runs one
   * short job, so that its model list is cached before a figure is measured (each start on a cold cache lists
   * the models itself, which on a busy host takes many seconds of CPU).
   */
  home(name: string, extra?: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv>;
  /** a new linked worktree of the rig's repository, under `parent` (default `<base>/wt`) */
  worktree(name: string, parent?: string): string;
  /** a prompt file under the rig */
  prompt(name: string, text: string): string;
  cli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> & { child: ChildProcess };
  /** `check --json` until the job's state is terminal (null when it is not by the deadline) */
  settled(bead: string, env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<Record<string, unknown> | null>;
  /** `fn` runs on close, once every run is ended (removing what the runs may have written) */
  afterClose(fn: () => void): void;
  /** ends every run recorded in the rig's homes, every CLI it is waiting on, and the model; then the afterClose */
  close(): Promise<void>;
}

export async function makeRig(base: string): Promise<Rig> {
  const project = await scratchProject(base, 'faults');
  const homes = path.join(base, 'homes');
  const waiting = new Set<ChildProcess>();
  const after: Array<() => void> = [];
  const warmed = new Map<string, Promise<void>>();

  const cli = (args: string[], env: NodeJS.ProcessEnv) => {
    let child!: ChildProcess;
    const done = new Promise<CliResult>((resolve) => {
      child = execFile(process.execPath, [CLI_ENTRY, ...args], { env, cwd: base }, (err, stdout, stderr) => {
        waiting.delete(child);
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
      waiting.add(child);
    });
    return Object.assign(done, { child });
  };

  const envOf = (name: string, extra: NodeJS.ProcessEnv) =>
    // nothing an agent does may reach beyond loopback
    project.env(path.join(homes, name), { npm_config_offline: 'true', ...extra });
  const warm = async (env: NodeJS.ProcessEnv) => {
    const bead = `bd-warm-${path.basename(env.DX_RUNNER_HOME as string)}`;
    const wt = rig.worktree(bead);
    const prompt = rig.prompt(bead, 'Answer.\n@mock say done');
    await cli(['start', '--beads', bead, '--prompt-file', prompt, '--worktree', wt, '--json'], env);
    await rig.settled(bead, env);
  };

  const rig: Rig = {
    base,
    home: async (name, extra = {}) => {
      const env = envOf(name, extra);
      await (warmed.get(name) ?? warmed.set(name, warm(env)).get(name));
      return env;
    },
    worktree: (name, parent = path.join(base, 'wt')) => project.worktree(name, path.join(parent, name)),
    prompt: (name, text) => {
      const p = path.join(base, `${name}.prompt`);
      fs.writeFileSync(p, text);
      return p;
    },
    cli,
    afterClose: (fn) => after.push(fn),
    settled: async (bead, env, timeoutMs = 180_000) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const r = await cli(['check', '--beads', bead, '--json'], env);
        try {
          const check = JSON.parse(r.stdout) as Record<string, unknown>;
          if (TERMINAL_STATES.has(check.state as HealthState)) return check;
        } catch {
          // not an answer about the job (yet): ask again
        }
        await sleep(1000);
      }
      return null;
    },
    close: async () => {
      for (const c of waiting) c.kill('SIGKILL');
      await endRuns(homes);
      await project.mock.close();
      for (const fn of after) fn();
    },
  };
  return rig;
}

/**
 * Ends every recorded run (all its processes, whatever group they moved to; a supervisor ends with its agent)
 * and the managed server of each home.
 */
async function endRuns(homes: string): Promise<void> {
  for (const home of fs.existsSync(homes) ? fs.readdirSync(homes).map((h) => path.join(homes, h)) : []) {
    if (!fs.existsSync(dbPath(home))) continue;
    const store = new Store(home);
    try {
      const runs = store.jobs
        .current(-1)
        .map((j) => ({ runInstance: j.runInstance, pid: j.pid, pidStart: j.pidStart }));
      await Promise.all(runs.map((r) => endRun(r, 500)));
      await stopServer(store);
    } finally {
      store.close();
    }
  }
}

/** The processes of a run (wherever they went) whose command line (NUL-separated) passes `match`. */
export const runProcessesWhere = (instance: string, match: (cmdline: string) => boolean) =>
  runLeftovers(instance).filter((pid) => {
    try {
      return match(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false; // gone meanwhile
    }
  });
