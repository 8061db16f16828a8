import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { claudeEnv } from '../../src/model-mock/index.js';
import { cli, cliJson, makeRepo, useSandbox, waitFor, writePrompt, type Sandbox } from '../helpers.js';

type Check = { state: string; reason_code: string; _code: number };
type Preflight = {
  passed: boolean;
  exit_code: number;
  findings: Array<{ check: string; status: string; code: string }>;
};

/** cc-glm and claude-code: the real `claude` CLI, headless, against the scripted model's Anthropic API. */
describe('the claude CLI providers', () => {
  const ctx = useSandbox();
  let sb: Sandbox;
  beforeAll(() => {
    sb = ctx.sb();
  });
  const json = <T = Record<string, unknown>>(args: string[], env = sb.env) => cliJson<T>(args, { env });
  /** `check` once the run's outcome is recorded */
  const finished = async (beads: string, env = sb.env) => {
    await waitFor(`${beads} to finish`, async () =>
      (await json<{ outcome_state?: string }>(['report', '--beads', beads], env)).outcome_state ? true : undefined,
    );
    return json<Check>(['check', '--beads', beads], env);
  };
  const noToken = () => {
    const env = { ...sb.env };
    delete env.CC_GLM_AUTH_TOKEN;
    return env;
  };

  it('a cc-glm job writes a file via Claude Code: exited_ok, model and tokens reported, no token shown', async () => {
    const token = '0123456789abcdef0123456789abcdef.GlmSecretToken01';
    const env = { ...sb.env, CC_GLM_AUTH_TOKEN: token };
    const wt = makeRepo(1).worktrees[0];
    const prompt = writePrompt(
      ctx.prompts(),
      'Write the notes.\n@mock write notes/hello.txt hello from glm\n@mock say Wrote notes/hello.txt',
    );
    expect(
      await json(
        ['start', '--provider', 'cc-glm', '--beads', 'bd-glm1', '--prompt-file', prompt, '--worktree', wt],
        env,
      ),
    ).toMatchObject({ provider: 'cc-glm', selected_model: 'glm-5', _code: 0 });
    expect(await finished('bd-glm1', env)).toMatchObject({ state: 'exited_ok', _code: 0 });
    expect(fs.readFileSync(path.join(wt, 'notes/hello.txt'), 'utf8')).toBe('hello from glm');
    const report = await json<Record<string, unknown>>(['report', '--beads', 'bd-glm1'], env);
    expect(report).toMatchObject({
      provider: 'cc-glm',
      selected_model: 'glm-5',
      exit_code: 0,
      outcome_state: 'success',
    });
    expect(report.mutations).toBeGreaterThanOrEqual(1);
    expect(report.tokens_in).toBeGreaterThan(0);
    expect(report.session_id).toMatch(/^[0-9a-f-]{36}$/);
    const logs = await cli(['logs', '--beads', 'bd-glm1'], { env });
    expect(logs.stdout).toMatch(/\[tool:Write\] \S+notes\/hello\.txt/);
    const launch = JSON.parse(fs.readFileSync(path.join(String(report.log_file), '..', 'launch.json'), 'utf8')) as {
      spec: { args: string[] };
    };
    for (const shown of [JSON.stringify(report), logs.stdout, logs.stderr, launch.spec.args.join(' ')])
      expect(shown).not.toContain(token);
  });

  it('a 401 from the endpoint fails the job with cc_glm_auth_failed (check exits 3)', async () => {
    const wt = makeRepo(1).worktrees[0];
    const prompt = writePrompt(ctx.prompts(), 'Anything.\n@mock fail 401');
    await json(['start', '--provider', 'cc-glm', '--beads', 'bd-glm401', '--prompt-file', prompt, '--worktree', wt]);
    expect(await finished('bd-glm401')).toMatchObject({
      state: 'exited_err',
      reason_code: 'cc_glm_auth_failed',
      _code: 3,
    });
  });

  it('preflight passes with a live probe, and fails 21 without a token', async () => {
    const ok = await json<Preflight>(['preflight', '--provider', 'cc-glm']);
    expect(ok).toMatchObject({ passed: true, _code: 0 });
    expect(ok.findings.map((f) => `${f.check}:${f.code}`)).toEqual([
      'binary:binary_ok',
      'model_policy:model_policy_ok',
      'auth:auth_ok',
      'probe:probe_ok',
    ]);
    const none = await json<Preflight>(['preflight', '--provider', 'cc-glm'], noToken());
    expect(none).toMatchObject({ passed: false, _code: 21 });
    expect(none.findings.filter((f) => f.status !== 'ok').map((f) => f.code)).toEqual(['cc_glm_auth_missing']);
  });

  it('start without a token exits 10, with a bad token file 11, and records nothing', async () => {
    const wt = makeRepo(1).worktrees[0];
    const prompt = writePrompt(ctx.prompts(), 'x');
    const start = (env: NodeJS.ProcessEnv) =>
      json(['start', '--provider', 'cc-glm', '--beads', 'bd-glmauth', '--prompt-file', prompt, '--worktree', wt], env);
    expect(await start(noToken())).toMatchObject({ error: { reason_code: 'cc_glm_auth_missing' }, _code: 10 });
    expect(await start({ ...noToken(), CC_GLM_TOKEN_FILE: path.join(wt, 'no-such-token') })).toMatchObject({
      error: { reason_code: 'cc_glm_token_file_error' },
      _code: 11,
    });
    expect(await json(['check', '--beads', 'bd-glmauth'])).toMatchObject({ state: 'missing', _code: 1 });
  });

  it('a claude-code job edits a file against the Anthropic API', async () => {
    const env = { ...sb.env, ...claudeEnv(sb.mock.url, 'claude-code') };
    const wt = makeRepo(1).worktrees[0];
    const prompt = writePrompt(ctx.prompts(), 'Append a line.\n@mock bash echo edited >> README.md\n@mock say Done');
    expect(
      await json(
        ['start', '--provider', 'claude-code', '--beads', 'bd-cc1', '--prompt-file', prompt, '--worktree', wt],
        env,
      ),
    ).toMatchObject({ selected_model: 'opus', _code: 0 });
    expect(await finished('bd-cc1', env)).toMatchObject({ state: 'exited_ok', _code: 0 });
    expect(fs.readFileSync(path.join(wt, 'README.md'), 'utf8')).toBe('# test repo\nedited\n');
    expect(await json(['report', '--beads', 'bd-cc1'], env)).toMatchObject({
      provider: 'claude-code',
      mutations: 1,
      exit_code: 0,
    });
  });
});
