import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../src/cli/schemas.js';
import {
  cliJson,
  finishedReport,
  finishedWave,
  makeRepo,
  tmpDir,
  useSandbox,
  waveManifest,
  writePrompt,
} from '../helpers.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

// the agent commits and dx-runner rebases: both need an identity
const who = { NAME: 'dx test', EMAIL: 'dx@test' };
const gitIdentity = Object.fromEntries(
  ['AUTHOR', 'COMMITTER'].flatMap((r) => Object.entries(who).map(([k, v]) => [`GIT_${r}_${k}`, v])),
);

/** Delivery through real opencode and the scripted model: push after review, a wave's merge queue, bad input. */
describe('delivering the work', () => {
  const ctx = useSandbox(gitIdentity);
  const json = <T = Record<string, unknown>>(args: string[]) => cliJson<T>(args, { env: ctx.env() });
  /** The agent writes `file` and commits it on its branch. */
  const editAndCommit = (file: string, text: string) =>
    `Edit and commit.\n@mock write ${file} ${text}\\n\n` +
    `@mock bash git add -A && git commit -qm "edit ${file}"\n@mock say done`;

  it('--deliver push: pushed as the job ends and again by land; a failing verify lands nothing', async () => {
    const { repo } = makeRepo(0);
    const origin = path.join(tmpDir('origin'), 'origin.git');
    git(repo, 'init', '-q', '--bare', origin);
    git(repo, 'remote', 'add', 'origin', origin);
    const prompt = writePrompt(ctx.prompts(), editAndCommit('pushed.txt', 'pushed'));
    const where = ['--worktree-root', path.join(tmpDir('land'), 'wts'), '--repo', repo];
    const started = await json([
      'start',
      '--beads',
      'bd-l.push',
      '--prompt-file',
      prompt,
      ...where,
      '--deliver',
      'push',
    ]);
    expect(started._code).toBe(0);
    // delivered before its outcome was recorded
    const ended = await finishedReport('bd-l.push', ctx.env());
    expect(ended).toMatchObject({ state: 'exited_ok', delivery: { mode: 'push', result: 'pushed' } });
    expect(ended.delivery?.ref).toBe('origin/dx/bd-l.push');
    expect(git(origin, 'show', 'dx/bd-l.push:pushed.txt')).toBe('pushed');

    const landed = await json(['land', '--beads', 'bd-l.push', '--deliver', 'push']);
    SCHEMAS.land.parse(landed);
    expect(landed).toMatchObject({
      _code: 0,
      mode: 'push',
      result: 'pushed',
      branch: 'dx/bd-l.push',
      ref: 'origin/dx/bd-l.push',
    });
    expect(git(origin, 'rev-parse', 'dx/bd-l.push')).toBe(landed.sha);
    expect(git(origin, 'show', 'dx/bd-l.push:pushed.txt')).toBe('pushed');
    const report = await json(['report', '--beads', 'bd-l.push']);
    expect(report.delivery).toMatchObject({ mode: 'push', result: 'pushed', sha: landed.sha });

    const main = git(repo, 'rev-parse', 'main');
    const verify = await json([
      'land',
      '--beads',
      'bd-l.push',
      '--deliver',
      'merge',
      '--verify-cmd',
      'echo tests failed >&2; exit 1',
    ]);
    expect(verify).toMatchObject({ _code: 1, result: 'failed', reason_code: 'verify_failed' });
    expect(git(repo, 'rev-parse', 'main')).toBe(main);
    expect(fs.existsSync(path.join(repo, 'pushed.txt'))).toBe(false);
  }, 240_000);

  it('a wave of two items editing the same line, deliver: merge: one lands, the other is merge_conflict', async () => {
    const { repo, manifest } = waveManifest([
      'base: main',
      'deliver: merge',
      'items:',
      ...['a', 'b'].flatMap((x) => [
        `  - beads: bd-q.${x}`,
        `    prompt: ${JSON.stringify(editAndCommit('README.md', `from ${x}`))}`,
      ]),
    ]);
    const report = await finishedWave(manifest, ctx.env());
    expect(report.counts).toMatchObject({ landed: 1, failed: 1 });
    const won = report.items.find((i) => i.state === 'landed');
    const lost = report.items.find((i) => i.state === 'failed');
    expect(won?.delivery).toMatchObject({ mode: 'merge', result: 'landed', ref: 'main' });
    // the base was fast-forwarded to the winner's commit, in the checkout too
    expect(git(repo, 'rev-parse', 'main')).toBe(won?.delivery?.sha);
    expect(fs.readFileSync(path.join(repo, 'README.md'), 'utf8')).toBe(`from ${won?.beads.slice(-1)}\n`);
    expect(lost).toMatchObject({ reason_code: 'merge_conflict', branch: `dx/${lost?.beads}` });
    expect(lost?.delivery).toMatchObject({ result: 'failed', reason_code: 'merge_conflict', conflicts: ['README.md'] });
    // its branch keeps its own commit, and its worktree is clean (the rebase was aborted)
    const wt = lost?.worktree as string;
    expect(git(wt, 'show', 'HEAD:README.md')).toBe(`from ${lost?.beads.slice(-1)}`);
    expect(git(wt, 'status', '--porcelain')).toBe('');
  }, 240_000);

  it('bad delivery input is one line with its reason and records nothing', async () => {
    const { repo } = makeRepo(0);
    const root = path.join(tmpDir('land-bad'), 'wts');
    git(repo, 'tag', 'v0'); // a commit to start from, but no branch to land on
    const start = (...args: string[]) =>
      json(['start', '--beads', 'bd-l.bad', '--prompt', 'x', '--worktree-root', root, '--repo', repo, ...args]);
    expect(await start('--deliver', 'sideways')).toMatchObject({
      _code: 2,
      error: { reason_code: 'invalid_argument' },
    });
    expect(await start('--deliver', 'push')).toMatchObject({ _code: 1, error: { reason_code: 'remote_missing' } });
    expect(await start('--deliver', 'merge', '--base', 'v0')).toMatchObject({
      _code: 2,
      error: { reason_code: 'base_missing' },
    });
    fs.appendFileSync(path.join(repo, 'README.md'), 'dirty\n');
    expect(await start('--deliver', 'merge')).toMatchObject({ _code: 22, error: { reason_code: 'canonical_dirty' } });
    expect(fs.existsSync(root)).toBe(false);
    expect(await json(['check', '--beads', 'bd-l.bad'])).toMatchObject({ _code: 1 });
  });
});
