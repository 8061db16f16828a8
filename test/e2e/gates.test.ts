import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliJson, makeRepo, sandbox, tmpDir, waitFor, writePrompt, type Sandbox } from '../helpers.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-C', cwd, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { stdio: 'pipe' })
    .toString()
    .trim();
const commit = (cwd: string, file: string, message: string, ...trailers: string[]) => {
  fs.mkdirSync(path.dirname(path.join(cwd, file)), { recursive: true });
  fs.writeFileSync(path.join(cwd, file), `${message}\n`);
  git(cwd, 'add', file);
  git(cwd, 'commit', '-qm', message, ...trailers.flatMap((t) => ['-m', t]));
  return git(cwd, 'rev-parse', 'HEAD');
};

/** Every gate verdict on real repositories with real commits and worktrees. */
describe('governance gates on real repositories', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await sandbox();
  });
  afterAll(() => sb.close());
  const gate = <T = Record<string, unknown>>(args: string[], env = sb.env) =>
    cliJson<T & { passed: boolean; reason_code: string }>(args, { env });

  it('baseline: contained, not contained, unknown commit, missing worktree (never the cwd), not git', async () => {
    const { repo, worktrees } = makeRepo(1);
    const wt = worktrees[0];
    const base = git(repo, 'rev-parse', 'HEAD');
    const elsewhere = commit(repo, 'other.txt', 'on main only');
    expect(await gate(['baseline-gate', '--worktree', wt, '--required-baseline', base])).toMatchObject({
      passed: true,
      reason_code: 'baseline_ok',
      _code: 0,
    });
    expect(await gate(['baseline-gate', '--worktree', wt, '--required-baseline', elsewhere])).toMatchObject({
      passed: false,
      reason_code: 'baseline_not_met',
      _code: 1,
    });
    expect(await gate(['baseline-gate', '--worktree', wt, '--required-baseline', 'f'.repeat(40)])).toMatchObject({
      reason_code: 'required_commit_missing',
      _code: 1,
    });
    const missing = await cliJson(['baseline-gate', '--worktree', path.join(wt, 'nope'), '--required-baseline', base], {
      env: sb.env,
      cwd: repo,
    });
    expect(missing).toMatchObject({ passed: false, reason_code: 'worktree_missing', _code: 1 });
    expect(await gate(['baseline-gate', '--worktree', tmpDir('plain'), '--required-baseline', base])).toMatchObject({
      reason_code: 'not_a_git_repo',
      _code: 1,
    });
  });

  it('integrity: on the branch, not on it, unknown, and a detached HEAD', async () => {
    const { repo, worktrees } = makeRepo(1);
    const wt = worktrees[0];
    const mine = commit(wt, 'work.txt', 'job work');
    const theirs = commit(repo, 'main.txt', 'main work');
    expect(await gate(['integrity-gate', '--worktree', wt, '--reported-commit', mine])).toMatchObject({
      passed: true,
      reason_code: 'integrity_ok',
      branch: 'job0',
    });
    expect(await gate(['integrity-gate', '--worktree', wt, '--reported-commit', theirs])).toMatchObject({
      reason_code: 'reported_not_ancestor',
      _code: 1,
    });
    expect(await gate(['integrity-gate', '--worktree', wt, '--reported-commit', 'e'.repeat(40)])).toMatchObject({
      reason_code: 'reported_commit_not_found',
    });
    git(wt, 'checkout', '-q', '--detach');
    expect(await gate(['integrity-gate', '--worktree', wt, '--reported-commit', mine])).toMatchObject({
      reason_code: 'branch_missing',
      _code: 1,
    });
    expect(
      await gate(['integrity-gate', '--worktree', wt, '--reported-commit', mine, '--branch', 'job0']),
    ).toMatchObject({ passed: true });
  });

  it('feature-key: trailers parsed by git, base detected on a main-only and a master-only repo', async () => {
    const { worktrees } = makeRepo(1); // main-only repository
    const wt = worktrees[0];
    commit(wt, 'a.txt', 'feat: a', 'Signed-off-by: t <t@t>\nFeature-Key: bd-fk1');
    commit(wt, 'b.txt', 'feat: b', 'Feature-Key: bd-fk1');
    const ok = await gate<{ base: string; checked_commits: number }>([
      'feature-key-gate',
      '--worktree',
      wt,
      '--feature-key',
      'bd-fk1',
    ]);
    expect(ok).toMatchObject({ passed: true, reason_code: 'feature_key_ok', base: 'main', checked_commits: 2 });
    // a key mentioned in the body is not a trailer
    const sha = commit(
      wt,
      'c.txt',
      'feat: c\n\nFeature-Key: bd-fk1 is mentioned here but not as a trailer',
      'Reviewed-by: someone',
    );
    const bad = await gate<{ missing_commits: string[] }>([
      'feature-key-gate',
      '--worktree',
      wt,
      '--feature-key',
      'bd-fk1',
    ]);
    expect(bad).toMatchObject({ passed: false, reason_code: 'feature_key_missing_in_commits', missing_commits: [sha] });
    expect(await gate(['feature-key-gate', '--worktree', wt, '--feature-key', 'XGA8'])).toMatchObject({
      reason_code: 'feature_key_invalid_format',
    });

    const master = tmpDir('master');
    execFileSync('git', ['init', '-q', '-b', 'master', master]);
    commit(master, 'r.txt', 'init');
    git(master, 'checkout', '-qb', 'topic');
    expect(await gate(['feature-key-gate', '--worktree', master, '--feature-key', 'bd-fk2'])).toMatchObject({
      reason_code: 'no_commits_in_range',
      base: 'master',
    });
    commit(master, 't.txt', 'topic', 'Feature-Key: bd-fk2');
    expect(await gate(['feature-key-gate', '--worktree', master, '--feature-key', 'bd-fk2'])).toMatchObject({
      passed: true,
    });

    const neither = tmpDir('trunk');
    execFileSync('git', ['init', '-q', '-b', 'trunk', neither]);
    commit(neither, 'r.txt', 'init');
    expect(await gate(['feature-key-gate', '--worktree', neither, '--feature-key', 'bd-fk3'])).toMatchObject({
      reason_code: 'base_branch_missing',
    });
  });

  it('a shallow clone says why an older commit is missing', async () => {
    const { repo } = makeRepo(0);
    const old = git(repo, 'rev-parse', 'HEAD');
    commit(repo, 'x.txt', 'second');
    const shallow = path.join(tmpDir('shallow'), 'clone');
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${repo}`, shallow]);
    const v = await gate<{ details: string }>(['baseline-gate', '--worktree', shallow, '--required-baseline', old]);
    expect(v).toMatchObject({ reason_code: 'required_commit_missing' });
    expect(v.details).toContain('shallow clone');
  });

  it('scope: allow-list and budget, a missing worktree and a missing allow-list are never silent', async () => {
    const { worktrees } = makeRepo(1);
    const wt = worktrees[0];
    const list = path.join(tmpDir('scope'), 'allowed.txt');
    fs.writeFileSync(list, '# the job may touch\nsrc/\n');
    fs.mkdirSync(path.join(wt, 'src'));
    fs.writeFileSync(path.join(wt, 'src', 'a.ts'), 'a');
    expect(await gate(['scope-gate', '--worktree', wt, '--allowed-paths-file', list])).toMatchObject({
      passed: true,
      reason_code: 'scope_ok',
      _code: 0,
    });
    fs.writeFileSync(path.join(wt, 'notes.md'), 'n');
    expect(await gate(['scope-gate', '--worktree', wt, '--allowed-paths-file', list])).toMatchObject({
      reason_code: 'path_outside_allowlist',
      violations: ['notes.md'],
      _code: 29,
    });
    expect(await gate(['scope-gate', '--worktree', wt, '--mutation-budget', '1'])).toMatchObject({
      reason_code: 'mutation_budget_exceeded',
      mutations: 2,
      _code: 29,
    });
    expect(await gate(['scope-gate', '--worktree', path.join(wt, 'gone'), '--mutation-budget', '1'])).toMatchObject({
      reason_code: 'worktree_missing',
      _code: 29,
    });
    const r = await cli(['scope-gate', '--worktree', wt, '--allowed-paths-file', path.join(wt, 'nope.txt'), '--json'], {
      env: sb.env,
    });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.reason_code).toBe('allowed_paths_file_missing');
  });

  it('evidence: missing, empty, unchecked, ok — each with exit 30 or 0 and JSON', async () => {
    const dir = tmpDir('evidence');
    const f = path.join(dir, 'SIGNOFF.md');
    expect(await gate(['evidence-gate', '--signoff-file', f])).toMatchObject({
      reason_code: 'signoff_file_missing',
      _code: 30,
    });
    fs.writeFileSync(f, '');
    expect(await gate(['evidence-gate', '--signoff-file', f])).toMatchObject({
      reason_code: 'signoff_file_empty',
      _code: 30,
    });
    fs.writeFileSync(f, '- [x] tests pass\n- [ ] docs\n');
    expect(await gate(['evidence-gate', '--signoff-file', f])).toMatchObject({
      reason_code: 'unverified_claims',
      total_claims: 2,
      verified_claims: 1,
      _code: 30,
    });
    fs.writeFileSync(f, '- [x] tests pass\n- [x] docs\n');
    expect(await gate(['evidence-gate', '--signoff-file', f])).toMatchObject({
      passed: true,
      reason_code: 'evidence_ok',
      _code: 0,
    });
    expect(await gate(['evidence-gate', '--signoff-file', f, '--beads', 'bd-none'])).toMatchObject({
      reason_code: 'outcome_missing',
      _code: 30,
    });
  });

  describe('worktree policy at start (refused before anything is recorded)', () => {
    let prompt: string;
    let agents: string;
    let env: NodeJS.ProcessEnv;
    beforeAll(() => {
      prompt = writePrompt(tmpDir('p'), 'a task');
      agents = tmpDir('agents');
      env = { ...sb.env, DX_RUNNER_EXTRA_ALLOWED_PREFIXES: agents };
    });
    // a policy pass is shown by the next check failing: the binary is deliberately missing
    const start = (wt: string, e = env) =>
      cliJson(
        [
          'start',
          '--beads',
          'bd-pol',
          '--prompt-file',
          prompt,
          '--worktree',
          wt,
          '--opencode-bin',
          '/nonexistent/agent',
        ],
        { env: e },
      );
    const reason = (r: Record<string, unknown>) => (r.error as { reason_code: string }).reason_code;

    it.each<[string, () => string, string, number]>([
      ['a linked worktree anywhere', () => makeRepo(1).worktrees[0], 'provider_binary_missing', 21],
      ['a plain checkout outside the prefixes', () => makeRepo(0).repo, 'worktree_outside_policy', 22],
      [
        'a plain checkout under an allowed prefix',
        () => {
          const d = path.join(agents, `r${Math.random().toString(36).slice(2)}`);
          execFileSync('git', ['init', '-q', d]);
          return d;
        },
        'provider_binary_missing',
        21,
      ],
      [
        'a symlink under the prefix that escapes it',
        () => {
          const link = path.join(agents, `link${Math.random().toString(36).slice(2)}`);
          fs.symlinkSync(makeRepo(0).repo, link);
          return link;
        },
        'worktree_outside_policy',
        22,
      ],
      [
        'a look-alike of the prefix',
        () => {
          const d = `${agents}-evil`;
          fs.mkdirSync(d, { recursive: true });
          execFileSync('git', ['init', '-q', d]);
          return d;
        },
        'worktree_outside_policy',
        22,
      ],
    ])('%s → %s', async (_n, make, expected, code) => {
      const r = await start(make());
      expect(reason(r)).toBe(expected);
      expect(r._code).toBe(code);
    });

    it('the canonical checkout, and a linked worktree inside it, are forbidden with the remedy', async () => {
      const { repo } = makeRepo(0);
      const inside = path.join(repo, '.wt', 'bd-x');
      git(repo, 'worktree', 'add', '-q', '-b', 'bd-x', inside);
      const canonEnv = { ...env, DX_RUNNER_CANONICAL_REPOS: repo };
      for (const wt of [repo, inside]) {
        const r = await cli(['start', '--beads', 'bd-pol', '--prompt-file', prompt, '--worktree', wt], {
          env: canonEnv,
        });
        expect(r.code).toBe(22);
        expect(r.stderr).toContain('reason_code=canonical_worktree_forbidden');
        expect(r.stderr).toContain('git -C');
      }
      expect((await cliJson<{ jobs: unknown[] }>(['status', '--all'], { env })).jobs).toEqual([]);
    });

    it('a baseline that is not contained refuses dispatch; secrets in the prompt are refused', async () => {
      const { repo, worktrees } = makeRepo(1);
      const later = commit(repo, 'later.txt', 'later on main');
      const r = await cliJson(
        [
          'start',
          '--beads',
          'bd-base',
          '--prompt-file',
          prompt,
          '--worktree',
          worktrees[0],
          '--required-baseline',
          later,
        ],
        { env },
      );
      expect(r).toMatchObject({ error: { reason_code: 'baseline_not_met' }, _code: 1 });
      const leaky = writePrompt(tmpDir('p'), 'deploy with key sk-abcdefghijklmnopqrstuvwx12345');
      const s = await cliJson(['start', '--beads', 'bd-leak', '--prompt-file', leaky, '--worktree', worktrees[0]], {
        env,
      });
      expect(s).toMatchObject({ error: { reason_code: 'secret_in_prompt' }, _code: 21 });
      expect((await cliJson<{ jobs: unknown[] }>(['status', '--all'], { env })).jobs).toEqual([]);
    });
  });

  it('required post-job gates run when the agent finishes; a failing one makes the job governance_failed', async () => {
    const env = {
      ...sb.env,
      GIT_AUTHOR_NAME: 'agent',
      GIT_AUTHOR_EMAIL: 'agent@localhost',
      GIT_COMMITTER_NAME: 'agent',
      GIT_COMMITTER_EMAIL: 'agent@localhost',
    };
    const allowed = path.join(tmpDir('allowed'), 'allowed.txt');
    fs.writeFileSync(allowed, 'src/\nSIGNOFF.md\n');
    const { worktrees } = makeRepo(2);
    const good = writePrompt(
      tmpDir('p'),
      [
        'Implement and sign off.',
        '@mock write src/feature.ts export const feature = 1;\\n',
        '@mock write SIGNOFF.md - [x] feature implemented\\n',
        '@mock bash git add -A && git commit -qm "feat: feature" -m "Feature-Key: bd-gate.1"',
        '@mock say Done; secret ref op://dev/Agent-Secrets/ZAI_API_KEY stays hidden',
      ].join('\n'),
    );
    const bad = writePrompt(tmpDir('p'), 'Wander off.\n@mock write docs/elsewhere.md out of scope\\n\n@mock say done');
    const gates = [
      '--require-gate',
      'scope,evidence',
      '--require-gate',
      'feature-key,integrity',
      '--allowed-paths-file',
      allowed,
      '--signoff-file',
      'SIGNOFF.md',
    ];
    expect(
      (
        await cli(['start', '--beads', 'bd-gate.1', '--prompt-file', good, '--worktree', worktrees[0], ...gates], {
          env,
        })
      ).code,
    ).toBe(0);
    expect(
      (
        await cli(
          [
            'start',
            '--beads',
            'bd-gate.2',
            '--prompt-file',
            bad,
            '--worktree',
            worktrees[1],
            '--require-gate',
            'scope',
            '--allowed-paths-file',
            allowed,
          ],
          { env },
        )
      ).code,
    ).toBe(0);
    const done = (b: string) =>
      waitFor(
        `${b} to finish`,
        async () => {
          const r = await cliJson<{
            outcome_state: string | null;
            gates: Record<string, { passed: boolean; reason_code: string }>;
          }>(['report', '--beads', b], { env });
          return r.outcome_state ? r : undefined;
        },
        180_000,
      ); // two real jobs beside another end-to-end file on two cores

    const ok = await done('bd-gate.1');
    expect(ok).toMatchObject({ state: 'exited_ok', outcome_state: 'success' });
    expect(Object.fromEntries(Object.entries(ok.gates).map(([g, v]) => [g, v.reason_code]))).toEqual({
      scope: 'scope_ok',
      evidence: 'evidence_ok',
      'feature-key': 'feature_key_ok',
      integrity: 'integrity_ok',
    });
    const logs = await cli(['logs', '--beads', 'bd-gate.1', '--raw'], { env });
    expect(logs.stdout).toContain('[REDACTED]');
    expect(logs.stdout).not.toContain('op://dev');

    const failed = await done('bd-gate.2');
    expect(failed).toMatchObject({
      state: 'governance_failed',
      reason_code: 'path_outside_allowlist',
      outcome_state: 'governance_failed',
    });
    expect(failed.gates.scope.passed).toBe(false);
    expect(await cliJson(['check', '--beads', 'bd-gate.2'], { env })).toMatchObject({
      state: 'governance_failed',
      _code: 3,
    });
  }, 240_000);
});
