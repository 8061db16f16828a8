import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLI_ENTRY as CLI } from '../../core/detached.js';
import { sleep } from '../../core/time.js';
import { Store } from '../../store/index.js';
import { OPENCODE_CANONICAL_MODEL } from '../../providers/opencode.js';
import { evaluate } from '../../report/index.js';

/** What the measurements of `npm run bench` share: timing, the CLI, a scratch repository, raw opencode. */

/** The scratch setup every measurement runs in. */
export interface PerfSetup {
  /** the temporary folder everything lives under */
  base: string;
  /** dx-runner's and opencode's environment: a private home, the scripted model */
  env: NodeJS.ProcessEnv;
  /** a prompt file: write one file, then answer */
  prompt: string;
  /** six git worktrees of one repository (`<base>/repo`) */
  wts: string[];
}

export const run = promisify(execFile);

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
export const git = (cwd: string, ...a: string[]) => execFileSync('git', ['-C', cwd, ...a], { stdio: 'pipe' });

export async function timeCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = process.hrtime.bigint();
  await run(process.execPath, [CLI, ...argv], { env });
  return ms(t0);
}

export function makeRepo(base: string, worktrees: number): string[] {
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

export async function waitDone(home: string, beads: string[]): Promise<void> {
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
