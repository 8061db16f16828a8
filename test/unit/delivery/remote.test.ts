import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { landingStep, landOnRemote, type RemoteLanding } from '../../../src/delivery/remote.js';
import { makeRepo, tmpDir } from '../../helpers.js';

describe('landingStep: what a landing does given the remote', () => {
  it.each([
    ['no base on the remote', { baseHead: null, branchHead: 'b', contained: false }, 'no_base'],
    ['no branch on the remote', { baseHead: 'a', branchHead: null, contained: false }, 'no_branch'],
    [
      'the base holds the branch already (landed before): nothing again',
      { baseHead: 'a', branchHead: 'b', contained: true },
      'landed',
    ],
    ['else it lands', { baseHead: 'a', branchHead: 'b', contained: false }, 'land'],
  ] as const)('%s', (_name, refs, want) => {
    expect(landingStep(refs)).toBe(want);
  });
});

/**
 * landOnRemote on real repositories: a bare repository as the shared remote, each item's branch pushed to it as a
 * fleet host does, landed from a clone of its own.
 */
describe('landOnRemote on a real bare remote', () => {
  const tmp = tmpDir('remote-land');
  const work = makeRepo().repo;
  afterAll(() => [tmp, work].forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const remote = path.join(tmp, 'shared.git');
  for (const [key, v] of [
    ['user.email', 't@t'],
    ['user.name', 't'],
  ])
    git(work, 'config', key, v);
  fs.writeFileSync(path.join(work, 'a.txt'), 'one\n');
  git(work, 'add', '-A');
  git(work, 'commit', '-qm', 'a.txt');
  git(tmp, 'clone', '-q', '--bare', work, remote);
  git(work, 'remote', 'add', 'origin', remote);
  /** An item's branch, from main as it was at the start, with `file` written, pushed to the remote. */
  const pushItem = (branch: string, file: string, text: string) => {
    git(work, 'checkout', '-q', '-b', branch, 'origin/main');
    fs.writeFileSync(path.join(work, file), text);
    git(work, 'add', '-A');
    git(work, 'commit', '-qm', branch);
    git(work, 'push', '-q', 'origin', branch);
  };
  git(work, 'fetch', '-q', 'origin');
  const req = (branch: string, over: Partial<RemoteLanding> = {}): RemoteLanding => ({
    remote,
    clone: path.join(tmp, 'landing'),
    branch,
    base: 'main',
    strategy: 'rebase',
    ...over,
  });
  const onRemote = (...args: string[]) => git(remote, ...args);

  it('lands items one after another with a linear history; landing one again is a no-op', () => {
    pushItem('fleet/bd-a/a1', 'a-file.txt', 'a\n');
    pushItem('fleet/bd-b/a1', 'b-file.txt', 'b\n');
    const a = landOnRemote(req('fleet/bd-a/a1'));
    expect(a).toMatchObject({ mode: 'merge', result: 'landed', ref: 'main', sha: onRemote('rev-parse', 'main') });
    const b = landOnRemote(req('fleet/bd-b/a1', { verify: 'test -f a-file.txt && test -f b-file.txt' }));
    expect(b).toMatchObject({ result: 'landed', sha: onRemote('rev-parse', 'main') });
    // rebased over a: the base is a line, and the item's branch holds what landed
    expect(onRemote('rev-list', '--merges', '--count', 'main')).toBe('0');
    expect(onRemote('rev-list', '--count', 'main')).toBe('4');
    expect(onRemote('rev-parse', 'fleet/bd-b/a1')).toBe(b.sha);
    // a driver taken over after the push lands it again: nothing moves
    const again = landOnRemote(req('fleet/bd-a/a1'));
    expect(again).toMatchObject({ result: 'landed', sha: a.sha });
    expect(onRemote('rev-parse', 'main')).toBe(b.sha);
  });

  it('a failed verification or a conflict leaves the base as it was; the branch keeps its work', () => {
    pushItem('fleet/bd-c/a1', 'c-file.txt', 'c\n');
    pushItem('fleet/bd-d/a1', 'a.txt', 'not one\n');
    const base = onRemote('rev-parse', 'main');
    const c = landOnRemote(req('fleet/bd-c/a1', { verify: 'test -f no-such-file' }));
    expect(c).toMatchObject({ result: 'failed', reasonCode: 'verify_failed' });
    expect(onRemote('rev-parse', 'main')).toBe(base);
    git(work, 'checkout', '-q', 'main');
    git(work, 'pull', '-q', '--rebase', 'origin', 'main');
    fs.writeFileSync(path.join(work, 'a.txt'), 'two\n');
    git(work, 'commit', '-qam', 'main moves a.txt');
    git(work, 'push', '-q', 'origin', 'main');
    const moved = onRemote('rev-parse', 'main');
    const d = landOnRemote(req('fleet/bd-d/a1'));
    expect(d).toMatchObject({ result: 'failed', reasonCode: 'merge_conflict', conflicts: ['a.txt'] });
    expect(onRemote('rev-parse', 'main')).toBe(moved);
    expect(onRemote('log', '--format=%s', 'main')).not.toMatch(/bd-c|bd-d/);
    expect(onRemote('ls-tree', '--name-only', 'fleet/bd-c/a1')).toContain('c-file.txt');
  });

  it('a push the remote refuses once is fetched and tried again', () => {
    pushItem('fleet/bd-e/a1', 'e-file.txt', 'e\n');
    const hook = path.join(remote, 'hooks', 'pre-receive');
    const marker = path.join(tmp, 'refused-once');
    fs.writeFileSync(hook, `#!/bin/sh\n[ -e ${marker} ] && exit 0\ntouch ${marker}\necho moved >&2\nexit 1\n`, {
      mode: 0o755,
    });
    const e = landOnRemote(req('fleet/bd-e/a1'));
    fs.rmSync(hook);
    expect(fs.existsSync(marker)).toBe(true);
    expect(e).toMatchObject({ result: 'landed', sha: onRemote('rev-parse', 'main') });
  });

  it('no such branch, no such base: failed with the reason', () => {
    expect(landOnRemote(req('fleet/none/a1'))).toMatchObject({ result: 'failed', reasonCode: 'nothing_to_deliver' });
    expect(landOnRemote(req('fleet/bd-a/a1', { base: 'nope' }))).toMatchObject({ reasonCode: 'base_missing' });
  });
});
