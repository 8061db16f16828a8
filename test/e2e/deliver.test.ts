import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../src/cli/schemas.js';
import type { CheckOutput, DiffOutput } from '../../src/report/schemas.js';
import { cli, cliJson, finishedReport, makeRepo, useSandbox, writePrompt } from '../helpers.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-C', cwd, ...args], { stdio: 'pipe' })
    .toString()
    .trim();

/**
 * The work of real opencode jobs against the scripted model: committed, refused, verified. One run per test, each
 * with 240 s: a real job has taken over 60 s to end on a loaded two-core host, the first one listing the models.
 */
describe("delivering a job's work", () => {
  const ctx = useSandbox();
  const json = <T = Record<string, unknown>>(args: string[]) => cliJson<T>(args, { env: ctx.sb().env });
  const finished = (beads: string) => finishedReport(beads, ctx.sb().env);
  const start = async (beads: string, task: string, ...flags: string[]) => {
    const wt = makeRepo(1).worktrees[0];
    const prompt = writePrompt(ctx.prompts(), task);
    const r = await cli(['start', '--beads', beads, '--prompt-file', prompt, '--worktree', wt, ...flags], {
      env: ctx.sb().env,
    });
    expect(r.code, r.stderr).toBe(0);
    return { wt, startHead: git(wt, 'rev-parse', 'HEAD') };
  };

  it('auto: the written file is committed on the branch with both trailers; check and diff show it', async () => {
    const { wt, startHead } = await start(
      'bd-dlv.1',
      'Add a greeting.\n@mock write greeting.txt Hello\\nfrom the agent\\n\n@mock say Add the greeting file\n\nDone.',
    );
    const report = await finished('bd-dlv.1');
    SCHEMAS.report.parse(report);
    const check = await json<CheckOutput>(['check', '--beads', 'bd-dlv.1']);
    SCHEMAS.check.parse(check);
    const head = git(wt, 'rev-parse', 'HEAD');
    expect(check).toMatchObject({
      state: 'exited_ok',
      commit_policy: 'auto',
      reported_commit: head,
      branch: 'job0',
      verify_result: { status: 'skipped' },
      _code: 0,
    });
    expect(git(wt, 'rev-parse', 'HEAD^')).toBe(startHead);
    expect(git(wt, 'log', '-1', '--format=%B')).toBe(
      `Add the greeting file\n\nFeature-Key: bd-dlv.1\nAgent: opencode/${report.selected_model}`,
    );
    expect(git(wt, 'status', '--porcelain')).toBe('');
    const diff = await json<DiffOutput>(['diff', '--beads', 'bd-dlv.1', '--stat']);
    SCHEMAS.diff.parse(diff);
    expect(diff).toMatchObject({ start_head: startHead, files: [{ path: 'greeting.txt', added: 2, removed: 0 }] });
    const stat = await cli(['diff', '--beads', 'bd-dlv.1', '--stat'], { env: ctx.sb().env });
    expect(stat.stdout).toMatch(/^\+2 -0 greeting\.txt$/m);
    const patch = await cli(['diff', '--beads', 'bd-dlv.1'], { env: ctx.sb().env });
    expect(patch.stdout).toMatch(/^\+from the agent$/m);
  }, 240_000);

  it('require: an agent that did not commit ends failed / no_commit_artifact with exit code 44', async () => {
    const { wt, startHead } = await start(
      'bd-dlv.2',
      'Edit.\n@mock write notes.txt left uncommitted',
      '--commit',
      'require',
    );
    await finished('bd-dlv.2');
    const check = await json<CheckOutput>(['check', '--beads', 'bd-dlv.2']);
    expect(check).toMatchObject({
      state: 'exited_err',
      reason_code: 'no_commit_artifact',
      exit_code: 44,
      reported_commit: null,
      _code: 3,
    });
    expect(git(wt, 'rev-parse', 'HEAD')).toBe(startHead);
    // what the job changed is still there to see
    const diff = await json<DiffOutput>(['diff', '--beads', 'bd-dlv.2', '--stat']);
    expect(diff.files.map((f) => f.path)).toEqual(['notes.txt']);
  }, 240_000);

  it('a failing verify command ends governance_failed / verify_failed, its output kept', async () => {
    const { wt } = await start(
      'bd-dlv.3',
      'Edit.\n@mock write done.txt ok',
      '--verify-cmd',
      'echo checking; test -f missing',
    );
    const report = await finished('bd-dlv.3');
    expect(report).toMatchObject({ state: 'governance_failed', reason_code: 'verify_failed' });
    expect(report.reported_commit).toBe(git(wt, 'rev-parse', 'HEAD'));
    expect(report.verify_result).toMatchObject({ status: 'failed', exit_code: 1, timed_out: false });
    expect(fs.readFileSync(report.verify_result?.log as string, 'utf8')).toBe('checking\n');
    expect(path.dirname(report.verify_result?.log as string)).toBe(path.dirname(report.log_file));
    const check = await json<CheckOutput>(['check', '--beads', 'bd-dlv.3']);
    expect(check._code).toBe(3);
  }, 240_000);

  it('a .env written by the agent is refused with the reason, and nothing is committed', async () => {
    const { wt, startHead } = await start(
      'bd-dlv.4',
      'Configure.\n@mock write .env DATABASE_URL=postgres://app\n@mock write app.txt uses the database',
    );
    const report = await finished('bd-dlv.4');
    expect(report).toMatchObject({ state: 'governance_failed', reason_code: 'commit_refused_secret' });
    expect(report.reported_commit).toBeNull();
    expect(git(wt, 'rev-parse', 'HEAD')).toBe(startHead);
    expect(git(wt, 'diff', '--cached', '--name-only')).toBe('');
    const refusal = report.events.find((e) => e.kind === 'delivery');
    expect(refusal).toMatchObject({ step: 'commit', passed: false, reason_code: 'commit_refused_secret' });
    expect(refusal && 'details' in refusal && refusal.details).toMatch(/^nothing committed: \.env \(/);
  }, 240_000);
});
