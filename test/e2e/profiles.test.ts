import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../src/cli/schemas.js';
import { cli, cliJson, makeRepo, tmpDir, useSandbox, waitFor, writePrompt, type Sandbox } from '../helpers.js';

type Report = {
  provider: string;
  selected_model: string;
  fallback_reason: string;
  profile: string | null;
  thresholds_sec: Record<string, number>;
  max_parallel: number;
  outcome_state: string | null;
  events: Array<Record<string, unknown>>;
};

/** Profiles and provider fallback, through real jobs. */
describe('profiles and fallback', () => {
  const ctx = useSandbox();
  let sb: Sandbox;
  let userProfiles: string;
  beforeAll(() => {
    sb = ctx.sb();
    userProfiles = tmpDir('profiles');
    sb.env.DX_RUNNER_PROFILES_DIR = userProfiles;
  });
  const json = <T = Record<string, unknown>>(args: string[]) => cliJson<T>(args, { env: sb.env });

  it('lists shipped profiles, all valid; a user profile shadows one; a broken one names line and field', async () => {
    fs.writeFileSync(path.join(userProfiles, 'dev.yaml'), 'provider: opencode\nmax_parallel: 9\n');
    fs.writeFileSync(path.join(userProfiles, 'typo.yaml'), 'provider: opencode\ntimeouts:\n  stall_minuts: 5\n');
    const list = await json<{
      profiles: Array<{ name: string; provider: string | null; error: string | null; shadowed: string[] }>;
    }>(['profiles']);
    SCHEMAS.profiles.parse(list);
    const byName = Object.fromEntries(list.profiles.map((p) => [p.name, p]));
    for (const name of [
      'opencode-prod',
      'opencode-review',
      'dev',
      'cc-glm-fallback',
      'claude-code-review',
      'gemini-burst',
    ])
      expect(byName[name]?.error, name).toBeNull();
    expect(byName.dev.shadowed).toHaveLength(1);
    expect(byName.typo.error).toMatch(/typo\.yaml:3\) has an unknown field 'timeouts\.stall_minuts'/);

    const shown = await json<{ effective: { max_parallel: number; fallback: string[] } }>([
      'profiles',
      '--show',
      'opencode-prod',
    ]);
    SCHEMAS['profile-show'].parse(shown);
    expect(shown.effective).toMatchObject({
      provider: 'opencode',
      model: 'zhipuai-coding-plan/glm-5',
      fallback: ['cc-glm'],
      strict: true,
      gates: ['feature-key'],
    });

    const wt = makeRepo(1).worktrees[0];
    const bad = await json([
      'start',
      '--profile',
      'typo',
      '--beads',
      'bd-typo',
      '--prompt-file',
      writePrompt(ctx.prompts(), 'x'),
      '--worktree',
      wt,
    ]);
    expect(bad).toMatchObject({ error: { reason_code: 'profile_invalid' }, _code: 21 });
    expect(await json(['check', '--beads', 'bd-typo'])).toMatchObject({ state: 'missing' });
    expect(await json(['profiles', '--show', 'nope'])).toMatchObject({
      error: { reason_code: 'profile_not_found' },
      _code: 21,
    });
  });

  it("a profile's settings are fixed into the job; flags win over them; its model list cannot be evaded", async () => {
    const file = path.join(userProfiles, 'quick.yaml');
    fs.writeFileSync(
      file,
      'provider: opencode\nallowed_models: [zhipuai-coding-plan/glm-5]\nmax_parallel: 5\n' +
        'timeouts:\n  stall_minutes: 3\n  startup_grace_sec: 42\n',
    );
    const wt = makeRepo(1).worktrees[0];
    const prompt = writePrompt(ctx.prompts(), 'Note it.\n@mock write NOTE.md noted\n@mock say ok');
    expect(
      await json([
        'start',
        '--profile',
        'quick',
        '--beads',
        'bd-prof',
        '--prompt-file',
        prompt,
        '--worktree',
        wt,
        '--max-runtime',
        '7',
      ]),
    ).toMatchObject({ provider: 'opencode', _code: 0 });
    const report = await waitFor('bd-prof to finish', async () => {
      const r = await json<Report>(['report', '--beads', 'bd-prof']);
      return r.outcome_state ? r : undefined;
    });
    expect(report).toMatchObject({
      outcome_state: 'success',
      profile: 'quick',
      max_parallel: 5,
      thresholds_sec: { stall: 180, startup_grace: 42, max_runtime: 420 },
    });

    const smuggled = await json([
      'start',
      '--profile',
      'quick',
      '--beads',
      'bd-smuggle',
      '--prompt-file',
      prompt,
      '--worktree',
      wt,
      '--model',
      'zhipuai-coding-plan/glm-4.6',
    ]);
    expect(smuggled).toMatchObject({ error: { reason_code: 'model_not_allowed' }, _code: 28 });
  });

  it('--fallback auto: opencode cannot offer the model, the job runs on cc-glm and says why', async () => {
    const wt = makeRepo(1).worktrees[0];
    const prompt = writePrompt(
      ctx.prompts(),
      'Write it.\n@mock write FALLBACK.md landed on the fallback\n@mock say done',
    );
    const args = [
      'start',
      '--beads',
      'bd-fb',
      '--prompt-file',
      prompt,
      '--worktree',
      wt,
      '--model',
      'zhipuai-coding-plan/glm-9',
    ];
    expect(await json(args)).toMatchObject({ error: { reason_code: 'model_unavailable' }, _code: 21 });
    const started = await json(args.concat('--fallback', 'auto'));
    SCHEMAS.start.parse(started);
    expect(started).toMatchObject({
      provider: 'cc-glm',
      selected_model: 'glm-5',
      fallback_reason: 'opencode:model_unavailable',
    });
    const report = await waitFor('bd-fb to finish', async () => {
      const r = await json<Report>(['report', '--beads', 'bd-fb']);
      return r.outcome_state ? r : undefined;
    });
    expect(report).toMatchObject({
      provider: 'cc-glm',
      outcome_state: 'success',
      fallback_reason: 'opencode:model_unavailable',
    });
    expect(fs.readFileSync(path.join(wt, 'FALLBACK.md'), 'utf8')).toBe('landed on the fallback');
    expect(
      report.events.filter((e) => e.kind === 'preflight').map((e) => [e.provider, e.passed, e.reason_code]),
    ).toEqual([
      ['opencode', false, 'model_unavailable'],
      ['cc-glm', true, 'preflight_ok'],
    ]);
  });

  it('no provider can take the job: one error that lists each reason', async () => {
    const env = { ...sb.env };
    delete env.CC_GLM_AUTH_TOKEN;
    delete env.GEMINI_API_KEY;
    const wt = makeRepo(1).worktrees[0];
    const r = await cli(
      [
        'start',
        '--beads',
        'bd-nobody',
        '--prompt-file',
        writePrompt(ctx.prompts(), 'x'),
        '--worktree',
        wt,
        '--model',
        'zhipuai-coding-plan/glm-9',
        '--fallback',
        'auto',
        '--json',
      ],
      { env },
    );
    expect(r.stderr).toMatch(
      new RegExp(
        'no provider could take the job: opencode: model_unavailable; ' +
          'cc-glm: cc_glm_auth_missing; gemini: gemini_auth_missing',
      ),
    );
    expect(r.code).toBe(JSON.parse(r.stdout).error.exit_code);
    expect((await cliJson(['check', '--beads', 'bd-nobody'], { env })).state).toBe('missing');
  });
});
