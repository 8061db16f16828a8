import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliJson, makeRepo, sandbox, useSandbox, writePrompt, type Sandbox } from '../helpers.js';

type Preflight = {
  passed: boolean;
  exit_code: number;
  findings: Array<{ check: string; status: string; code: string }>;
};
const failing = (p: Preflight) => p.findings.filter((f) => f.status !== 'ok').map((f) => f.code);

/** Model policy, preflight and probe with the real opencode CLI. */
describe('preflight, probe and the model policy', () => {
  const ctx = useSandbox();
  let sb: Sandbox;
  beforeAll(() => {
    sb = ctx.sb();
  });
  const json = <T = Record<string, unknown>>(args: string[], env = sb.env) => cliJson<T>(args, { env });

  it('preflight passes: binary, policy, model offered, a live probe, the worktree', async () => {
    const wt = makeRepo(1).worktrees[0];
    const p = await json<Preflight>(['preflight', '--worktree', wt]);
    expect(p).toMatchObject({ passed: true, exit_code: 0, _code: 0 });
    expect(p.findings.map((f) => `${f.check}:${f.code}`)).toEqual([
      'binary:binary_ok',
      'model_policy:model_policy_ok',
      'model_listed:model_listed',
      'probe:probe_ok',
      'worktree:worktree_valid',
    ]);
    expect(await json(['probe'])).toMatchObject({ ok: true, _code: 0 });
  }, 240_000); // each preflight runs the CLI, lists models and probes: over 90 s on a busy 2-core host

  it('OPENCODE_MODEL without permission: preflight and start refuse with 28; with permission it is used', async () => {
    const env = { ...sb.env, OPENCODE_MODEL: 'zhipuai-coding-plan/glm-4.6v' };
    const p = await json<Preflight>(['preflight', '--no-probe'], env);
    expect(p).toMatchObject({ passed: false, _code: 28 });
    expect(failing(p)).toEqual(['model_override_blocked']);
    const wt = makeRepo(1).worktrees[0];
    const prompt = writePrompt(ctx.prompts(), 'Wait.\n@mock stall 60');
    expect(await json(['start', '--beads', 'bd-ovr', '--prompt-file', prompt, '--worktree', wt], env)).toMatchObject({
      error: { reason_code: 'model_override_blocked' },
      _code: 28,
    });
    const started = await json<{ selected_model: string }>(
      ['start', '--beads', 'bd-ovr', '--prompt-file', prompt, '--worktree', wt, '--allow-model-override'],
      env,
    );
    expect(started).toMatchObject({ selected_model: 'zhipuai-coding-plan/glm-4.6v', _code: 0 });
    expect((await cli(['stop', '--beads', 'bd-ovr'], { env })).code).toBe(0);
  });

  it('a model the provider does not offer fails fast at start (21) and names the fallback', async () => {
    const wt = makeRepo(1).worktrees[0];
    const r = await cli(
      [
        'start',
        '--beads',
        'bd-nomodel',
        '--prompt-file',
        writePrompt(ctx.prompts(), 'x'),
        '--worktree',
        wt,
        '--model',
        'zhipuai-coding-plan/glm-9',
        '--json',
      ],
      { env: sb.env },
    );
    expect(r.code).toBe(21);
    expect(JSON.parse(r.stdout).error.reason_code).toBe('model_unavailable');
    expect(r.stderr).toContain('--provider cc-glm');
    expect(
      (await json<{ jobs: unknown[] }>(['status', '--all'])).jobs.filter(
        (j) => (j as { beads: string }).beads === 'bd-nomodel',
      ),
    ).toEqual([]);
  });
});

describe('preflight against a model that refuses', () => {
  let auth: Sandbox;
  let missing: Sandbox;
  beforeAll(async () => {
    auth = await sandbox('@mock fail 401');
    missing = await sandbox('@mock fail 404');
  });
  afterAll(async () => {
    await auth.close();
    await missing.close();
  });

  it('401 → auth_or_quota_blocked; 404 → model_unavailable; both exit 21 and the probe exits 1', async () => {
    const a = await cliJson<Preflight>(['preflight'], { env: auth.env });
    expect(a).toMatchObject({ passed: false, _code: 21 });
    expect(failing(a)).toEqual(['opencode_auth_or_quota_blocked']);
    const m = await cliJson<Preflight>(['preflight'], { env: missing.env });
    expect(failing(m)).toEqual(['model_unavailable']);
    expect(await cliJson(['probe'], { env: missing.env })).toMatchObject({
      ok: false,
      reason: 'opencode_model_unavailable',
      _code: 1,
    });
  }, 240_000); // each preflight runs the CLI, lists models and probes: over 90 s on a busy 2-core host
});
