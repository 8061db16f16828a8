import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../src/cli/schemas.js';
import { CLI, cli, cliJson, makeRepo, sandbox, tmpDir, writePrompt, type Sandbox } from '../helpers.js';

/** Bad input: one clear line with the fix, a stable reason_code, the documented exit code, no record. */
describe('bad input to start', () => {
  let sb: Sandbox;
  let wt: string;
  let dir: string;
  let good: string;
  beforeAll(async () => {
    sb = await sandbox();
    wt = makeRepo(1).worktrees[0];
    dir = tmpDir('bad');
    good = writePrompt(dir, 'a task');
  });
  afterAll(() => sb.close());

  const empty = () => {
    const p = path.join(dir, 'empty.txt');
    fs.writeFileSync(p, '  \n');
    return p;
  };
  const notGit = () => tmpDir('plain');

  it.each<[string, string, number, () => string[]]>([
    // [case, reason_code, exit code, start arguments]
    [
      'missing prompt file',
      'prompt_file_missing',
      1,
      () => ['--beads', 'bd-a', '--prompt-file', path.join(dir, 'nope.txt'), '--worktree', wt],
    ],
    [
      'empty prompt file',
      'prompt_file_empty',
      1,
      () => ['--beads', 'bd-a', '--prompt-file', empty(), '--worktree', wt],
    ],
    [
      'prompt that is a directory',
      'prompt_file_unreadable',
      1,
      () => ['--beads', 'bd-a', '--prompt-file', dir, '--worktree', wt],
    ],
    ['bead id with a path', 'invalid_beads_id', 2, () => ['--beads', '../x', '--prompt-file', good, '--worktree', wt]],
    [
      'unknown provider',
      'provider_not_found',
      20,
      () => ['--beads', 'bd-a', '--prompt-file', good, '--worktree', wt, '--provider', 'nope'],
    ],
    [
      'worktree that does not exist',
      'worktree_missing',
      22,
      () => ['--beads', 'bd-a', '--prompt-file', good, '--worktree', path.join(dir, 'absent')],
    ],
    [
      'worktree that is not a git work tree',
      'worktree_not_git',
      22,
      () => ['--beads', 'bd-a', '--prompt-file', good, '--worktree', notGit()],
    ],
    [
      'unknown flag',
      'unknown_option',
      2,
      () => ['--beads', 'bd-a', '--prompt-file', good, '--worktree', wt, '--bogus'],
    ],
    [
      'missing opencode binary',
      'provider_binary_missing',
      21,
      () => ['--beads', 'bd-a', '--prompt-file', good, '--worktree', wt, '--opencode-bin', '/nonexistent/opencode'],
    ],
  ])('%s → reason %s, exit %s, nothing recorded', async (_name, reason, exitCode, args) => {
    const r = await cli(['start', ...args(), '--json'], { env: sb.env });
    expect(r.code).toBe(exitCode);
    expect(SCHEMAS.error.parse(JSON.parse(r.stdout)).error.reason_code).toBe(reason);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`reason_code=${reason}`);
    const status = await cliJson<{ jobs: unknown[] }>(['status', '--all'], { env: sb.env });
    expect(status.jobs).toEqual([]);
  });

  it('check on an unknown bead says missing and exits 1', async () => {
    const missing = await cliJson(['check', '--beads', 'bd-never'], { env: sb.env });
    expect(missing).toMatchObject({ state: 'missing', reason_code: 'no_meta', _code: 1 });
    SCHEMAS['check-missing'].parse(missing);
  });

  it('schema prints the JSON Schema of each output', async () => {
    const list = await cli(['schema'], { env: sb.env });
    expect(list.stdout.split('\n')).toContain('report');
    const report = JSON.parse((await cli(['schema', 'report'], { env: sb.env })).stdout) as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(report.properties)).toEqual(
      expect.arrayContaining(['beads', 'state', 'exit_code', 'mutations', 'execution_mode']),
    );
    const bad = await cli(['schema', 'nope'], { env: sb.env });
    expect(bad.code).toBe(2);
  });
});

describe('a state home whose disk is full', () => {
  // a real full disk without root: the home is a 40 KB tmpfs that bubblewrap mounts for the command alone
  it.each([['status'], ['check', '--beads', 'bd-a']])(
    '%s → one line, state_disk_full naming the folder to free, exit 1',
    async (...args) => {
      const home = tmpDir('full');
      const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          'bwrap',
          ['--dev-bind', '/', '/', '--size', '40960', '--tmpfs', home, process.execPath, CLI, ...args, '--json'],
          { env: { ...process.env, DX_RUNNER_HOME: path.join(home, 'h') } },
          (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
      expect(r.code).toBe(1);
      expect(SCHEMAS.error.parse(JSON.parse(r.stdout)).error.reason_code).toBe('state_disk_full');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`free space under ${path.join(home, 'h')}`);
    },
  );
});
