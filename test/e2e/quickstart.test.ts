import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/index.js';
import { CLI, makeRepo, tmpDir, type CliResult } from '../helpers.js';
import { newJob } from '../unit/store/temp.js';

const README = path.resolve(import.meta.dirname, '../../README.md');

/** The README's quick start: the lines of its ```bash quickstart block. */
function quickStartLines(): string[] {
  const block = /^```bash quickstart\n([\s\S]*?)^```$/m.exec(fs.readFileSync(README, 'utf8'));
  if (!block) throw new Error('README.md has no ```bash quickstart block');
  return block[1].split('\n').filter((l) => l.trim());
}

/** A command with `input` on its stdin; its exit code and output. */
const run = (command: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv; input?: string }) =>
  new Promise<CliResult>((resolve) => {
    const child = execFile(command, args, { cwd: o.cwd, env: o.env }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(o.input ?? '');
  });

/**
 * A new user's first job, as the README gives it, in a real bash: a clone (a git repository), dx-runner on PATH,
 * its own state home; OpenCode's data in the tests' shared folder (its provider package is cached there, as it
 * is on a user's machine after the first run). Nothing points OpenCode at the scripted model but the README.
 */
describe('the README quick start', () => {
  const base = tmpDir('quickstart');
  const bin = path.join(base, 'bin');
  // the clone sits in the test's own folder: the quick start's ../agents is beside it
  const clone = path.join(base, 'clone');
  const agents = path.join(base, 'agents');
  const xdg = path.join(os.tmpdir(), 'dx-runner-test-xdg');
  const inherited = Object.entries(process.env).filter(([k]) => !/^(OPENCODE_|DX_RUNNER_)/.test(k));
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(inherited),
    PATH: `${bin}:${process.env.PATH}`,
    DX_RUNNER_HOME: path.join(base, 'home'),
    XDG_DATA_HOME: path.join(xdg, 'data'),
    XDG_CONFIG_HOME: path.join(xdg, 'config'),
    XDG_CACHE_HOME: path.join(xdg, 'cache'),
    npm_config_offline: 'true',
  };
  const dx = (args: string[], input?: string, more: NodeJS.ProcessEnv = {}) =>
    run('dx-runner', args, { cwd: clone, env: { ...env, ...more }, input });

  beforeAll(() => {
    fs.renameSync(makeRepo().repo, clone);
    fs.mkdirSync(bin);
    fs.symlinkSync(CLI, path.join(bin, 'dx-runner'));
  });
  afterAll(async () => {
    await dx(['mock-model', 'stop']);
  });

  it('runs one job end to end in at most five commands: it ends ok and its file is in the new worktree', async () => {
    const lines = quickStartLines();
    expect(lines.length).toBeLessThanOrEqual(5);
    const install = lines.filter((l) => /^npm (ci|link|install)\b/.test(l));
    expect(install).toHaveLength(1);
    // the one line not run as written: the install, which puts the built CLI on PATH (done above)
    const script = lines.map((l) => (l === install[0] ? 'command -v dx-runner' : l)).join('\n');

    const r = await run('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd: clone, env });
    expect(r.code, r.stderr).toBe(0);
    const worktree = path.join(agents, 'bd-hello.1');
    expect(fs.readFileSync(path.join(worktree, 'hello.txt'), 'utf8')).toBe('Hello from dx-runner');
    expect(r.stdout).toContain('Hello from dx-runner');
    expect(r.stdout).toMatch(/exited_ok/);
    const check = JSON.parse((await dx(['check', '--beads', 'bd-hello.1', '--json'])).stdout);
    expect(check.state).toBe('exited_ok');
    // a linked worktree of the clone, on a branch named after the bead
    const listed = execFileSync('git', ['-C', clone, 'worktree', 'list', '--porcelain'], { encoding: 'utf8' });
    expect(listed).toContain(`worktree ${fs.realpathSync(worktree)}\nHEAD `);
    expect(listed).toContain('branch refs/heads/dx/bd-hello.1');
  }, 420_000); // an opencode boot took over 3 minutes on a busy 2-core host

  it('refuses bad inputs in one line, exit code and reason, and leaves no worktree behind', async () => {
    const refused = async (args: string[], input: string | undefined, code: number, reason: string) => {
      const r = await dx(['start', '--beads', 'bd-refused.1', ...args], input);
      expect([r.code, r.stderr.trim().split('\n').length, r.stderr]).toEqual([
        code,
        1,
        expect.stringContaining(`reason_code=${reason}`),
      ]);
    };
    const root = ['--worktree-root', '../agents'];
    await refused(['--worktree', '.', ...root, '--prompt', 'x'], undefined, 2, 'conflicting_option');
    await refused(['--prompt-file', 'task.md', '--prompt', 'x', ...root], undefined, 2, 'conflicting_option');
    await refused(['--prompt-file', '-', ...root], '\n', 2, 'prompt_empty');
    await refused(['--prompt', ' ', ...root], undefined, 2, 'prompt_empty');
    await refused(['--prompt-file', '-', ...root], 'use sk-ant-0123456789abcdefghij0123', 21, 'secret_in_prompt');
    await refused(['--prompt', 'x', ...root, '--base', 'no-such-ref'], undefined, 2, 'base_ref_unknown');
    expect(fs.existsSync(path.join(agents, 'bd-refused.1'))).toBe(false);

    fs.mkdirSync(path.join(agents, 'bd-refused.1'));
    await refused(['--prompt', 'x', ...root], undefined, 22, 'worktree_not_git');
    const other = makeRepo().repo;
    const hello = path.join(agents, 'bd-hello.1');
    await refused(['--prompt', 'x', '--worktree', hello, '--repo', other], undefined, 22, 'worktree_repo_mismatch');
  });

  it('plans a worktree it would make, and removes one it made when the launch is then refused', async () => {
    // the shell of the quick start: what its `eval` line exported (the model it started is found running)
    const printed = (await dx(['mock-model', 'start', '--print-env'])).stdout;
    Object.assign(env, Object.fromEntries([...printed.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]])));
    const args = ['start', '--beads', 'bd-cap.1', '--prompt-file', '-', '--worktree-root', '../agents'];
    const worktree = path.join(fs.realpathSync(agents), 'bd-cap.1');
    const dry = await dx([...args, '--dry-run', '--json'], 'Fix the typo.');
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect([plan.prompt_file, plan.worktree, plan.worktree_source?.repo]).toEqual(['-', worktree, clone]);
    expect(fs.existsSync(worktree)).toBe(false);

    // another opencode start is mid-launch: under a cap of 1 the launch is refused once the worktree is made
    const store = new Store(env.DX_RUNNER_HOME as string);
    try {
      store.jobs.insert(newJob('bd-busy.1', { startedAt: Date.now() }));
    } finally {
      store.close();
    }
    const r = await dx(args, 'Fix the typo.', { DX_RUNNER_MAX_PARALLEL_OPENCODE: '1' });
    expect([r.code, r.stderr]).toEqual([26, expect.stringContaining('reason_code=provider_concurrency_cap_exceeded')]);
    expect(fs.existsSync(worktree)).toBe(false);
    expect(execFileSync('git', ['-C', clone, 'branch', '--list', 'bd-cap.1'], { encoding: 'utf8' })).toBe('');
  });
});
