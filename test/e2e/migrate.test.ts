import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../src/cli/schemas.js';
import {
  cli,
  cliJson,
  expectGroupGone,
  groupMembers,
  makeRepo,
  tmpDir,
  useSandbox,
  waitFor,
  writePrompt,
} from '../helpers.js';

/**
 * What a user of the bash dx-runner types still works: its flags are accepted with a one-line note (or refused
 * with the reason when honouring them silently would be wrong), health and finalize exist, its profiles load.
 * No agent runs except the one job finalize ends.
 */
describe('migrating from the bash dx-runner', () => {
  const ctx = useSandbox();
  const run = (args: string[]) => cli(args, { env: ctx.sb().env });
  const json = <T = Record<string, unknown>>(args: string[]) => cliJson<T>(args, { env: ctx.sb().env });
  let profiles: string;
  beforeAll(() => {
    profiles = tmpDir('old-profiles');
    ctx.sb().env.DX_RUNNER_PROFILES_DIR = profiles;
  });

  it.each<[string, string[], number, RegExp[]]>([
    // [case, arguments, exit code, the notes on stderr]
    [
      'check --stall-minutes and --no-ansi',
      ['check', '--beads', 'bd-none', '--stall-minutes', '5', '--no-ansi', '--json'],
      1,
      [/^dx-runner: check --stall-minutes is deprecated: .+; it has no effect$/m, /check --no-ansi is deprecated/],
    ],
    ['status --recent with no number', ['status', '--recent', '--json'], 0, []],
    ['health', ['health', '--json'], 0, [/^dx-runner: health is deprecated: it is status/m]],
    ['a flag the old parser took anywhere', ['status', '--provider', 'opencode', '--json'], 0, [/--provider is/]],
    ['watchdog thresholds', ['watchdog', '--once', '--max-runtime', '5', '--json'], 0, [/watchdog --max-runtime/]],
  ])('%s: accepted with its note', async (_n, args, exitCode, notes) => {
    const r = await run(args);
    expect(r.code, r.stderr).toBe(exitCode);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
    for (const n of notes) expect(r.stderr).toMatch(n);
    for (const line of r.stderr.trim().split('\n').filter(Boolean)) expect(line).toMatch(/^dx-runner: /);
  });

  it('health prints what status prints', async () => {
    const [health, status] = await Promise.all([json(['health']), json(['status'])]);
    expect({ ...health, generated_at: 0 }).toEqual({ ...status, generated_at: 0 });
  });

  it.each<[string, string[], string, number]>([
    // [case, arguments, reason_code, exit code]
    ['preflight --require-railway-auth', ['preflight', '--require-railway-auth'], 'flag_unsupported', 2],
    ['beads-gate', ['beads-gate', '--repo', '.'], 'command_removed', 2],
    [
      'finalize with a reason that is not a code',
      ['finalize', '--beads', 'bd-ca', '--reason', 'gave up'],
      'invalid_reason_code',
      2,
    ],
    ['finalize of an unknown bead', ['finalize', '--beads', 'bd-ca'], 'no_meta', 1],
  ])('%s → refused', async (_n, args, reason, exitCode) => {
    const r = await json<{ error: { reason_code: string; message: string } }>(args);
    expect(r).toMatchObject({ error: { reason_code: reason }, _code: exitCode });
    expect(r.error.message).not.toMatch(/\n/);
  });

  it('the commit-artifact requirement, as flag or variable, is --commit require', async () => {
    const wt = makeRepo(1).worktrees[0];
    const prompt = writePrompt(tmpDir('p'), 'x');
    const args = ['start', '--beads', 'bd-env', '--prompt-file', prompt, '--worktree', wt, '--dry-run', '--json'];
    const flag = await cli([...args, '--require-commit-artifact'], { env: ctx.sb().env });
    expect(flag.code, flag.stderr).toBe(0);
    expect(JSON.parse(flag.stdout)).toMatchObject({ commit_policy: 'require' });
    expect(flag.stderr).toMatch(/start --require-commit-artifact is deprecated: it is now --commit require/);
    const variable = await cli(args, { env: { ...ctx.sb().env, DX_RUNNER_REQUIRE_COMMIT_ARTIFACT: '1' } });
    expect(JSON.parse(variable.stdout)).toMatchObject({ commit_policy: 'require' });
    expect(await json(['check', '--beads', 'bd-env'])).toMatchObject({ state: 'missing' });
  });

  it('feature-key-gate --base-branch is --base', async () => {
    const wt = makeRepo(1).worktrees[0];
    const r = await cli(
      ['feature-key-gate', '--worktree', wt, '--feature-key', 'bd-a', '--base-branch', 'main', '--json'],
      {
        env: ctx.sb().env,
      },
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ base: 'main', reason_code: 'no_commits_in_range' });
    expect(r.stderr).toMatch(/feature-key-gate --base-branch is deprecated: it is now --base/);
  });

  it('evidence-gate without --beads says what it could not check', async () => {
    const signoff = path.join(tmpDir('signoff'), 'SIGNOFF.md');
    fs.writeFileSync(signoff, '- [x] tests pass\n');
    const r = await cli(['evidence-gate', '--signoff-file', signoff, '--json'], { env: ctx.sb().env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ passed: true, not_checked: ['job_outcome'] });
    expect(r.stderr).toMatch(/evidence-gate without --beads checks the signoff file only, not the job's outcome/);
  });

  it('profiles: the older format loads with a note, a check it cannot make is refused; all shipped load', async () => {
    const old = [
      'profile: { name: old-review, description: Old review lane, version: "1.0.0" }',
      'provider: { name: cc-glm, model: glm-5, execution_mode: run, fallback_provider: opencode }',
      'concurrency: { max_parallel: 2, queue_timeout_sec: 60 }',
      'preflight: { strict: true, policy: { auth_missing: error } }',
      'timeouts: { stall_minutes: 15, max_runtime_minutes: 90, first_output_grace_seconds: 180 }',
      'gates: { baseline: optional, feature_key: required, commit_artifact: optional }',
    ].join('\n');
    fs.writeFileSync(path.join(profiles, 'old-review.yaml'), old);
    fs.writeFileSync(
      path.join(profiles, 'old-commit.yaml'),
      old.replace('commit_artifact: optional', 'commit_artifact: required'),
    );
    const r = await cli(['profiles', '--show', 'old-review', '--json'], { env: ctx.sb().env });
    const shown = SCHEMAS['profile-show'].parse(JSON.parse(r.stdout));
    expect(shown.effective).toMatchObject({
      provider: 'cc-glm',
      model: 'glm-5',
      lane: 'headless',
      fallback: ['opencode'],
      strict: true,
      max_parallel: 2,
      gates: ['feature-key'],
    });
    expect(shown.effective.thresholds_sec).toMatchObject({ stall: 900, max_runtime: 5400, startup_grace: 180 });
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/profile old-review .* is in the bash dx-runner's format, which is deprecated/);
    expect(r.stderr).toMatch(/no longer used: concurrency\.queue_timeout_sec .*preflight\.policy/);

    expect(await json(['profiles', '--show', 'old-commit'])).toMatchObject({
      error: { reason_code: 'profile_invalid' },
      _code: 21,
    });

    const list = await cli(['profiles', '--list', '--json'], { env: ctx.sb().env });
    expect(list.stderr).toMatch(/profiles --list is deprecated/);
    const byName = Object.fromEntries(SCHEMAS.profiles.parse(JSON.parse(list.stdout)).profiles.map((p) => [p.name, p]));
    for (const name of ['cc-glm-research', 'cc-glm-review', 'gemini-research', 'old-review'])
      expect(byName[name]?.error, name).toBeNull();
    expect(byName['old-commit'].error).toMatch(/gates\.commit_artifact: required cannot be honoured/);
  });

  it('finalize ends a running job and records the reason and exit code given', async () => {
    const wt = makeRepo(1).worktrees[0];
    const prompt = writePrompt(tmpDir('p'), 'Think for a long time.\n@mock stall 120');
    const started = await json<{ pid: number }>([
      'start',
      '--beads',
      'bd-fin',
      '--prompt-file',
      prompt,
      '--worktree',
      wt,
    ]);
    await waitFor('opencode to be running', () => (groupMembers(started.pid).length >= 2 ? true : undefined));

    const fin = await json(['finalize', '--beads', 'bd-fin', '--reason', 'operator_gave_up', '--exit-code', '3']);
    SCHEMAS.stop.parse(fin);
    expect(fin).toMatchObject({ state: 'exited_err', reason_code: 'operator_gave_up', exit_code: 3, _code: 0 });
    expectGroupGone(started.pid);
    expect(await json(['report', '--beads', 'bd-fin'])).toMatchObject({
      outcome_reason_code: 'operator_gave_up',
      exit_code: 3,
    });
    expect(await json(['finalize', '--beads', 'bd-fin'])).toMatchObject({
      error: { reason_code: 'job_not_running' },
      _code: 1,
    });

    const logs = await run(['logs', '--beads', 'bd-fin', '--compact']);
    expect(logs.code).toBe(0);
    expect(logs.stderr).toMatch(/^dx-runner: logs --compact is deprecated: .+; it has no effect$/m);
  });
});
