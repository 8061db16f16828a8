import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkoutOf,
  deliverJob,
  deliveryRefusal,
  fastForwardBy,
  parseConflicts,
  type DeliveryFacts,
} from '../../../src/delivery/land.js';

describe('parseConflicts: the paths git left unmerged', () => {
  it.each<[string, string, string[]]>([
    ['both modified', 'UU a.txt\0', ['a.txt']],
    ['added by both, deleted by them', 'AA b.txt\0UD c.txt\0', ['b.txt', 'c.txt']],
    ['staged and modified files are not conflicts', 'M  d.txt\0 M e.txt\0?? f.txt\0', []],
    ['a path with spaces', 'UU dir/with space.txt\0', ['dir/with space.txt']],
    ['nothing', '', []],
  ])('%s', (_n, status, expected) => expect(parseConflicts(status)).toEqual(expected));
});

describe('checkoutOf: the work tree that has a branch checked out', () => {
  const list =
    'worktree /src/app\nHEAD 1111\nbranch refs/heads/main\n\n' +
    'worktree /wts/bd-1\nHEAD 2222\nbranch refs/heads/dx/bd-1\n\nworktree /wts/x\nHEAD 3333\ndetached\n';
  it.each<[string, string | null]>([
    ['main', '/src/app'],
    ['dx/bd-1', '/wts/bd-1'],
    ['dev', null],
    ['mai', null],
  ])('%s', (branch, expected) => expect(checkoutOf(list, branch)).toBe(expected));
});

describe('deliveryRefusal: what is refused before anything changes', () => {
  const ok: DeliveryFacts = {
    mode: 'merge',
    remote: 'origin',
    remoteUrl: '/r.git',
    base: 'main',
    baseCommit: 'abc',
    canonical: { path: '/src/app', dirty: false },
  };
  it.each<[string, Partial<DeliveryFacts>, string | null]>([
    ['merge with everything in place', {}, null],
    ['push without the remote', { mode: 'push', remoteUrl: null }, 'remote_missing'],
    ['merge needs no remote', { remoteUrl: null }, null],
    ['push needs no base', { mode: 'push', baseCommit: null }, null],
    ['merge onto a missing base', { baseCommit: null }, 'base_missing'],
    ['merge into a dirty checkout of the base', { canonical: { path: '/src/app', dirty: true } }, 'canonical_dirty'],
    ['merge with the base checked out nowhere', { canonical: null }, null],
    ['none asks for nothing', { mode: 'none', remoteUrl: null, baseCommit: null }, null],
  ])('%s', (_n, facts, expected) => expect(deliveryRefusal({ ...ok, ...facts })?.reasonCode ?? null).toBe(expected));

  it('names the checkout and the fix', () => {
    expect(deliveryRefusal({ ...ok, canonical: { path: '/src/app', dirty: true } })?.message).toBe(
      '/src/app has main checked out with uncommitted changes, so it cannot be fast-forwarded; ' +
        'commit or stash them first',
    );
  });

  it.each<[DeliveryFacts['canonical'], string]>([
    [{ path: '/src/app', dirty: false }, 'checkout'],
    [null, 'ref'],
  ])('the base moves by its %j', (canonical, expected) => expect(fastForwardBy(canonical)).toBe(expected));
});

describe('deliverJob on real repositories', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-land-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const repo = path.join(tmp, 'repo');
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.email', 't@t');
  git(repo, 'config', 'user.name', 't');
  fs.writeFileSync(path.join(repo, 'a.txt'), 'one\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');
  const start = git(repo, 'rev-parse', 'HEAD');
  /** A job's worktree on dx/<bead> whose agent wrote `text` into `file` and committed it. */
  const job = (bead: string, file: string, text: string) => {
    const wt = path.join(tmp, bead);
    git(repo, 'worktree', 'add', '-q', '-b', `dx/${bead}`, wt, 'main');
    fs.writeFileSync(path.join(wt, file), text);
    git(wt, 'add', '-A');
    git(wt, 'commit', '-qm', bead);
    return { repo, worktree: wt, branch: `dx/${bead}`, base: 'main', remote: 'origin', since: start };
  };

  it('lands two jobs one after the other; a third on the same lines conflicts and keeps its work', () => {
    const a = job('bd-a', 'a.txt', 'from a\n');
    const b = job('bd-b', 'b.txt', 'from b\n');
    const c = job('bd-c', 'a.txt', 'from c\n');
    const first = deliverJob({ ...a, mode: 'merge', strategy: 'rebase' });
    expect(first).toMatchObject({ result: 'landed', ref: 'main', sha: git(repo, 'rev-parse', 'main') });
    expect(fs.readFileSync(path.join(repo, 'a.txt'), 'utf8')).toBe('from a\n'); // the checkout moved too
    const second = deliverJob({ ...b, mode: 'merge', strategy: 'merge', verify: 'test -f a.txt && test -f b.txt' });
    expect(second.result).toBe('landed');
    expect(git(repo, 'rev-parse', 'main')).toBe(second.sha);
    const before = git(c.worktree, 'rev-parse', 'HEAD');
    const third = deliverJob({ ...c, mode: 'merge', strategy: 'rebase' });
    expect(third).toMatchObject({ result: 'failed', reasonCode: 'merge_conflict', conflicts: ['a.txt'] });
    expect(git(repo, 'rev-parse', 'main')).toBe(second.sha);
    expect(git(c.worktree, 'rev-parse', 'HEAD')).toBe(before);
    expect(git(c.worktree, 'status', '--porcelain')).toBe('');
  });

  it('does not land what fails verification, and pushes to a bare remote', () => {
    const d = job('bd-d', 'd.txt', 'd\n');
    const main = git(repo, 'rev-parse', 'main');
    const v = deliverJob({ ...d, mode: 'merge', strategy: 'rebase', verify: 'echo broken >&2; exit 3' });
    expect(v).toMatchObject({ result: 'failed', reasonCode: 'verify_failed' });
    expect(v.detail).toContain('broken');
    expect(git(repo, 'rev-parse', 'main')).toBe(main);
    expect(deliverJob({ ...d, mode: 'push', strategy: 'rebase' }).reasonCode).toBe('remote_missing');
    const bare = path.join(tmp, 'origin.git');
    git(tmp, 'init', '-q', '--bare', bare);
    git(repo, 'remote', 'add', 'origin', bare);
    const pushed = deliverJob({ ...d, mode: 'push', strategy: 'rebase' });
    expect(pushed).toMatchObject({ result: 'pushed', ref: 'origin/dx/bd-d' });
    expect(git(bare, 'rev-parse', 'dx/bd-d')).toBe(pushed.sha);
  });
});
