import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReportOutput as Report } from '../../src/report/schemas.js';
import { cli, cliJson, makeRepo, useSandbox, waitFor, writePrompt, type Sandbox } from '../helpers.js';

type Preflight = {
  passed: boolean;
  exit_code: number;
  findings: Array<{ check: string; status: string; code: string }>;
};

/** The real gemini CLI against the scripted model's Gemini API: each job here costs one gemini run. */
describe('gemini provider through the real gemini CLI', () => {
  const ctx = useSandbox();
  let sb: Sandbox;
  beforeAll(() => {
    sb = ctx.sb();
  });
  const json = <T = Record<string, unknown>>(args: string[], env = sb.env) => cliJson<T>(args, { env });
  const finished = (beads: string) =>
    waitFor(`${beads} to finish`, async () => {
      const r = await json<Report>(['report', '--beads', beads]);
      return r.outcome_state ? r : undefined;
    });

  it('a job writing a file and running a shell command: exited_ok, gemini and its model in the report', async () => {
    const wt = makeRepo(1).worktrees[0];
    const prompt = writePrompt(
      ctx.prompts(),
      'Add a greeting.\n@mock write greeting.txt Hello from gemini\\n\n' +
        '@mock bash echo shell was here >> greeting.txt\n@mock say Wrote greeting.txt',
    );
    expect(
      await json(['start', '--beads', 'bd-gem.1', '--provider', 'gemini', '--prompt-file', prompt, '--worktree', wt]),
    ).toMatchObject({ provider: 'gemini', selected_model: 'gemini-3-flash-preview', _code: 0 });
    const report = await finished('bd-gem.1');
    expect(fs.readFileSync(path.join(wt, 'greeting.txt'), 'utf8')).toBe('Hello from gemini\nshell was here\n');
    expect(report).toMatchObject({
      provider: 'gemini',
      selected_model: 'gemini-3-flash-preview',
      state: 'exited_ok',
      exit_code: 0,
      mutations: 1,
    });
    expect(report.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(report.tokens_in).toBeGreaterThan(0);
    expect(await json(['check', '--beads', 'bd-gem.1'])).toMatchObject({ state: 'exited_ok', _code: 0 });
    const logs = (await cli(['logs', '--beads', 'bd-gem.1'], { env: sb.env })).stdout;
    expect(logs).toContain('[tool:write_file] greeting.txt');
    expect(logs).toContain('[tool:run_shell_command] success');
    expect(logs).toContain('[text] Wrote greeting.txt');
    // the CLI ran from dx-runner's private gemini home, never the operator's ~/.gemini
    expect(fs.existsSync(path.join(sb.home, 'gemini', '.gemini', 'settings.json'))).toBe(true);
  });

  it('an exhausted quota (429) ends exited_err with gemini_rate_limited; check exits 3', async () => {
    const wt = makeRepo(1).worktrees[0];
    await json([
      'start',
      '--beads',
      'bd-gem.429',
      '--provider',
      'gemini',
      '--prompt-file',
      writePrompt(ctx.prompts(), 'Try.\n@mock fail 429'),
      '--worktree',
      wt,
      '--rate-limit-retries',
      '0',
    ]);
    expect(await finished('bd-gem.429')).toMatchObject({
      state: 'exited_err',
      outcome_reason_code: 'gemini_rate_limited',
      mutations: 0,
    });
    expect(await json(['check', '--beads', 'bd-gem.429'])).toMatchObject({
      state: 'exited_err',
      reason_code: 'gemini_rate_limited',
      next_action: 'retry_backoff_or_switch_to_opencode_or_cc_glm',
      _code: 3,
    });
  });

  it('preflight passes with a live probe; without an API key it fails 21 with gemini_auth_missing', async () => {
    const p = await json<Preflight>(['preflight', '--provider', 'gemini']);
    expect(p).toMatchObject({ passed: true, exit_code: 0, _code: 0 });
    expect(p.findings.map((f) => `${f.check}:${f.code}`)).toEqual([
      'binary:binary_ok',
      'model_policy:model_policy_ok',
      'auth:auth_ok',
      'model_listed:model_listed',
      'probe:probe_ok',
    ]);
    const { GEMINI_API_KEY: _k, GOOGLE_API_KEY: _g, ...keyless } = sb.env;
    const bare = await json<Preflight>(['preflight', '--provider', 'gemini', '--no-probe'], keyless);
    expect(bare).toMatchObject({ passed: false, _code: 21 });
    expect(bare.findings.filter((f) => f.status === 'error').map((f) => f.code)).toEqual(['gemini_auth_missing']);
    expect((await cli(['probe', '--provider', 'nonesuch'], { env: sb.env })).code).toBe(20);
  });
});
