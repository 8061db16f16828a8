import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dbPath, Store } from '../store/index.js';
import type { BadInputRow } from './corpus.js';
import { judge, type Judgement, type RowResult } from './judge.js';

/**
 * Runs the bad-input corpus against the built CLI: each row in a fresh state home and an empty working folder,
 * then judged (judge.ts). The table test and `npm run faults` both run rows through here.
 */

/** The files and folders the rows name by `{token}`. */
export type Fixtures = Record<string, string>;

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { stdio: 'pipe' });

/** Makes the fixtures under `dir`: a repository with a linked worktree, prompts good and bad, manifests, a profile. */
export function makeFixtures(dir: string): Fixtures {
  const at = (name: string, content?: string | Buffer) => {
    const p = path.join(dir, name);
    if (content !== undefined) fs.writeFileSync(p, content);
    return p;
  };
  const repo = at('repo');
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'README.md'), '# fault fixtures\n');
  git(repo, 'add', '.');
  git(repo, '-c', 'user.name=f', '-c', 'user.email=f@f', 'commit', '-qm', 'init');
  const wt = at('wt');
  git(repo, 'worktree', 'add', '-q', '-b', 'fault', wt);
  const plain = at('plain');
  fs.mkdirSync(plain);
  const wave = (name: string, item: string) =>
    at(name, `repo: ${repo}\nitems:\n  - beads: bd-w.1\n    prompt: a task\n${item}`);
  return {
    repo,
    wt,
    dir,
    agents: at('agents'),
    good: at('task.md', 'Fix the typo in README.md.\n'),
    binary: at('tool.bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0x00])),
    latin1: at('latin1.txt', Buffer.from('caf\xe9 au lait\n', 'latin1')),
    huge: at('huge.txt', 'Fix it.\n'.repeat(40 * 1024)),
    file: at('a-file.txt', 'not a folder\n'),
    badProfile: at('bad-profile.yaml', 'provider: opencode\nmax_parallel: -1\n'),
    etcWave: wave('etc.yaml', '    worktree: ../../../../../../../etc\n'),
    plainWave: wave('plain.yaml', `    worktree: ${plain}\n`),
    repoWave: wave('repo.yaml', `    worktree: ${repo}\n`),
    budgetWave: wave('budget.yaml', '    worktree: agents/bd-w.1\n    mutation_budget: -1\n'),
  };
}

const expand = (s: string, fx: Fixtures) => s.replace(/\{(\w+)\}/g, (m, k: string) => fx[k] ?? m);

/** What a refused command left behind: a job or wave in the state, a job folder, a file it made, or null. */
function leftBehind(home: string, cwd: string, absent: string | undefined): string | null {
  if (absent && fs.existsSync(absent)) return `${absent} was made`;
  if (fs.readdirSync(cwd).length) return `it wrote ${fs.readdirSync(cwd).join(', ')} in the working folder`;
  if (fs.existsSync(path.join(home, 'jobs')) && fs.readdirSync(path.join(home, 'jobs')).length) return 'a job folder';
  if (!fs.existsSync(dbPath(home))) return null;
  const store = new Store(home);
  try {
    if (store.jobs.current(-1).length) return 'a job recorded';
    if (store.waves.latest()) return 'a wave recorded';
  } finally {
    store.close();
  }
  return null;
}

export interface RowOutcome extends RowResult {
  judgement: Judgement;
  why: string;
}

/**
 * Runs one row with `cli` (the built dx-runner) in a fresh home and working folder. `env` is the base
 * environment; the provider CLIs point nowhere, so a row that got past its refusal could not start an agent.
 */
export function runRow(row: BadInputRow, fx: Fixtures, cli: string, env: NodeJS.ProcessEnv): Promise<RowOutcome> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-fault-home-'));
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-fault-cwd-'));
  const rowEnv: NodeJS.ProcessEnv = {
    ...env,
    DX_RUNNER_HOME: home,
    DX_RUNNER_OPENCODE_BIN: '/nonexistent/opencode',
    DX_RUNNER_CLAUDE_BIN: '/nonexistent/claude',
    DX_RUNNER_GEMINI_BIN: '/nonexistent/gemini',
    ...Object.fromEntries(Object.entries(row.env ?? {}).map(([k, v]) => [k, expand(v, fx)])),
  };
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [cli, ...row.args.map((a) => expand(a, fx))],
      { env: rowEnv, cwd, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        const result = {
          code,
          stdout,
          stderr,
          recordLeft: leftBehind(home, cwd, row.absent && expand(row.absent, fx)),
        };
        fs.rmSync(home, { recursive: true, force: true });
        fs.rmSync(cwd, { recursive: true, force: true });
        resolve({ ...result, ...judge(row, result) });
      },
    );
    child.stdin?.end(row.stdin ?? '');
  });
}
