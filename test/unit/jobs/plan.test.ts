import { describe, expect, it } from 'vitest';
import { DxError } from '../../../src/core/errors.js';
import type { StartOptions } from '../../../src/jobs/options.js';
import {
  chooseProvider,
  planJob,
  planLaunch,
  type JobFacts,
  type LaunchPlan,
  type PlanInput,
  type SandboxFacts,
} from '../../../src/jobs/plan.js';
import type { LoadedProfile } from '../../../src/profiles/index.js';
import type { LaunchSpec } from '../../../src/providers/types.js';
import type { ProviderFacts } from '../../../src/providers/verdict.js';

const WT = '/tmp/agents/wt';
const valid = { passed: true, reason_code: 'worktree_valid', details: '' };
const facts: JobFacts = { prompt: 'Do the task.', worktree: { path: WT, policy: valid, baseline: null } };
const flags: StartOptions = { beads: 'bd-1', promptFile: 'task.md', env: {}, cwd: '/work' };
const spec = (command: string): LaunchSpec => ({ command, args: ['run'], env: {}, promptVia: 'stdin' });

/** A provider whose every fact passes, running `model`. */
const ok = (model: string, more: Partial<ProviderFacts> = {}): ProviderFacts => ({
  model,
  policyRefusal: null,
  auth: null,
  launch: spec(`/bin/${model}`),
  binary: { command: `/bin/${model}`, found: true },
  models: [model],
  ...more,
});
const OPENCODE = ok('zhipuai-coding-plan/glm-5');
const CC_GLM = ok('glm-5', { auth: { ok: true, source: 'env:CC_GLM_AUTH_TOKEN' }, models: undefined });
const GEMINI = ok('gemini-3-flash-preview');

interface Row {
  flags?: Partial<StartOptions>;
  facts?: Partial<JobFacts>;
  profile?: LoadedProfile;
  /** the facts of the job's provider, then of its fallbacks */
  providers?: ProviderFacts[];
  /** the sandbox's host facts (default: bwrap works) */
  host?: SandboxFacts;
}

/** Start's three pure steps, as the edge runs them, with every provider's facts given. */
function plan(row: Row): LaunchPlan {
  const input: PlanInput = {
    flags: { ...flags, ...row.flags },
    profile: row.profile,
    facts: { ...facts, ...row.facts },
  };
  const job = planJob(input);
  const choice = chooseProvider(job, row.providers ?? [OPENCODE]);
  if ('next' in choice) throw new Error(`no facts given for ${choice.next.adapter.name}`);
  const host = row.host ?? { bwrapWorks: true, gitCommonDir: '/tmp/repo/.git' };
  return planLaunch(job, choice, { head: 'c0ffee', dirty: { 'notes.txt': 'blob1' } }, host);
}

/** The reason start refuses with, or 'planned'. */
function outcome(row: Row): string {
  try {
    plan(row);
    return 'planned';
  } catch (e) {
    if (e instanceof DxError) return e.reasonCode;
    throw e;
  }
}

const refused = (reasonCode: string, message = reasonCode) => new DxError(reasonCode as never, message);
const profile = (p: LoadedProfile['profile']): LoadedProfile => ({
  name: 'quick',
  file: '/cfg/quick.yaml',
  profile: p,
});

describe('each refusal of start, in the order it checks', () => {
  it.each<[string, Row, string]>([
    ['no bead id', { flags: { beads: undefined } }, 'beads_missing'],
    ['a bead id that is no file name', { flags: { beads: '../x' } }, 'invalid_beads_id'],
    ['the prompt cannot be read', { facts: { prompt: refused('prompt_file_missing') } }, 'prompt_file_missing'],
    ['a secret in the prompt', { facts: { prompt: 'use sk-ant-0123456789abcdefghij0123' } }, 'secret_in_prompt'],
    ['an unknown provider', { flags: { provider: 'nope' } }, 'provider_not_found'],
    ['a fallback to the job’s own provider', { flags: { fallback: 'opencode' } }, 'fallback_invalid'],
    ['the worktree is missing', { facts: { worktree: refused('worktree_missing') } }, 'worktree_missing'],
    [
      'the worktree policy refuses',
      {
        facts: {
          worktree: {
            path: WT,
            policy: { ...valid, passed: false, reason_code: 'worktree_outside_policy' },
            baseline: null,
          },
        },
      },
      'worktree_outside_policy',
    ],
    ['an unknown gate', { flags: { requireGates: ['scope,vibes'] } }, 'unknown_gate'],
    ['the scope gate without inputs', { flags: { requireGates: ['scope'] } }, 'scope_missing'],
    [
      'an allow-list that cannot be read',
      { flags: { requireGates: ['scope'], allowedPathsFile: 'paths.txt' }, facts: { allowedPaths: null } },
      'allowed_paths_file_missing',
    ],
    [
      'a feature key not like a bead id',
      { flags: { requireGates: ['feature-key'], featureKey: 'JIRA 1' } },
      'feature_key_invalid_format',
    ],
    ['the evidence gate without a signoff file', { flags: { requireGates: ['evidence'] } }, 'signoff_file_missing'],
    [
      'HEAD does not contain the required baseline',
      {
        facts: {
          worktree: {
            path: WT,
            policy: valid,
            baseline: { passed: false, reason_code: 'baseline_not_met', details: '' },
          },
        },
      },
      'baseline_not_met',
    ],
    ['an unknown lane', { flags: { lane: 'warp' } }, 'unknown_lane'],
    [
      'the model variable overrides without permission',
      { providers: [{ ...OPENCODE, policyRefusal: { reasonCode: 'model_override_blocked', detail: 'no' } }] },
      'model_override_blocked',
    ],
    [
      'a model outside the profile’s list',
      { providers: [{ ...OPENCODE, policyRefusal: { reasonCode: 'model_not_allowed', detail: 'no' } }] },
      'model_not_allowed',
    ],
    [
      'no credentials',
      {
        flags: { provider: 'cc-glm' },
        providers: [{ ...CC_GLM, auth: { ok: false, reasonCode: 'cc_glm_auth_missing', detail: '' } }],
      },
      'cc_glm_auth_missing',
    ],
    [
      'a lane the provider lacks',
      { flags: { provider: 'gemini', lane: 'attach' }, providers: [GEMINI] },
      'gemini_attach_mode_unavailable',
    ],
    [
      'no shared server',
      { flags: { lane: 'attach' }, providers: [{ ...OPENCODE, server: null }] },
      'opencode_attach_missing_url',
    ],
    [
      'an unhealthy shared server',
      {
        flags: { lane: 'server' },
        providers: [{ ...OPENCODE, server: { url: 'http://127.0.0.1:1', healthy: false } }],
      },
      'server_unhealthy',
    ],
    [
      'the launch cannot be built (a 1Password reference that cannot be read)',
      { flags: { provider: 'cc-glm' }, providers: [{ ...CC_GLM, launch: refused('secret_auth_resolution_failed') }] },
      'secret_auth_resolution_failed',
    ],
    [
      'the binary is missing',
      { providers: [{ ...OPENCODE, binary: { command: 'opencode', found: false } }] },
      'provider_binary_missing',
    ],
    [
      'the model is not offered',
      { providers: [{ ...OPENCODE, models: ['zhipuai-coding-plan/glm-4.6'] }] },
      'model_unavailable',
    ],
    ['a model list that cannot be had does not block', { providers: [{ ...OPENCODE, models: null }] }, 'planned'],
    ['a threshold that is not positive', { flags: { stallMinutes: -1 } }, 'invalid_argument'],
    // several problems at once: the first in start's order is the one reported
    [
      'a bad bead id before an unreadable prompt',
      { flags: { beads: '.x' }, facts: { prompt: refused('prompt_file_missing') } },
      'invalid_beads_id',
    ],
    [
      'an unreadable prompt before an unknown provider',
      { flags: { provider: 'nope' }, facts: { prompt: refused('prompt_file_empty') } },
      'prompt_file_empty',
    ],
    [
      'an unknown provider before a missing worktree',
      { flags: { provider: 'nope' }, facts: { worktree: refused('worktree_missing') } },
      'provider_not_found',
    ],
    [
      'a gate before the baseline',
      {
        flags: { requireGates: ['vibes'] },
        facts: {
          worktree: {
            path: WT,
            policy: valid,
            baseline: { passed: false, reason_code: 'baseline_not_met', details: '' },
          },
        },
      },
      'unknown_gate',
    ],
    [
      'a bad threshold before any provider is asked',
      { flags: { stallMinutes: 0 }, providers: [{ ...OPENCODE, models: [] }] },
      'invalid_argument',
    ],
  ])('%s', (_n, row, expected) => {
    expect(outcome(row)).toBe(expected);
  });
});

describe('fallback: the order, and who takes the job', () => {
  const notOffered = { ...OPENCODE, models: ['zhipuai-coding-plan/glm-4.6'] };
  const noToken = {
    ...CC_GLM,
    auth: { ok: false as const, reasonCode: 'cc_glm_auth_missing' as const, detail: 'no GLM token' },
  };
  const tried = (p: LaunchPlan) => p.tried.map((t) => `${t.provider}:${t.passed ? t.model : t.reason_code}`);
  it.each<[string, Row, string[], string]>([
    ['no fallback asked: the job’s own provider only', {}, ['opencode:zhipuai-coding-plan/glm-5'], 'none'],
    [
      'auto: opencode cannot offer the model, cc-glm takes the job on its own model',
      { flags: { fallback: 'auto' }, providers: [notOffered, CC_GLM] },
      ['opencode:model_unavailable', 'cc-glm:glm-5'],
      'opencode:model_unavailable',
    ],
    [
      'auto: along the chain opencode → cc-glm → gemini',
      { flags: { fallback: 'auto' }, providers: [notOffered, noToken, GEMINI] },
      ['opencode:model_unavailable', 'cc-glm:cc_glm_auth_missing', 'gemini:gemini-3-flash-preview'],
      'opencode:model_unavailable',
    ],
    [
      'a named fallback',
      { flags: { fallback: 'gemini' }, providers: [notOffered, GEMINI] },
      ['opencode:model_unavailable', 'gemini:gemini-3-flash-preview'],
      'opencode:model_unavailable',
    ],
    [
      'the profile’s fallback_provider',
      { profile: profile({ provider: 'opencode', fallback_provider: 'gemini' }), providers: [notOffered, GEMINI] },
      ['opencode:model_unavailable', 'gemini:gemini-3-flash-preview'],
      'opencode:model_unavailable',
    ],
    [
      'a lane the provider lacks falls back too',
      {
        flags: { provider: 'cc-glm', lane: 'attach', fallback: 'opencode' },
        providers: [CC_GLM, { ...OPENCODE, server: { url: 'http://127.0.0.1:4096', healthy: true } }],
      },
      ['cc-glm:cc-glm_attach_mode_unavailable', 'opencode:zhipuai-coding-plan/glm-5'],
      'cc-glm:cc-glm_attach_mode_unavailable',
    ],
  ])('%s', (_n, row, expected, fallbackReason) => {
    const p = plan(row);
    expect(tried(p)).toEqual(expected);
    expect(p.run.provider).toBe(p.tried.at(-1)?.provider);
    expect(p.run.fallbackReason).toBe(fallbackReason);
  });

  it('a refusal no other provider can cure (the model policy) is the job’s, whatever the fallback', () => {
    const blocked = { ...OPENCODE, policyRefusal: { reasonCode: 'model_override_blocked' as const, detail: 'no' } };
    expect(outcome({ flags: { fallback: 'auto' }, providers: [blocked, CC_GLM, GEMINI] })).toBe(
      'model_override_blocked',
    );
  });

  it('no provider can take it: the last reason, and each provider’s in the message', () => {
    const row: Row = {
      flags: { fallback: 'auto' },
      providers: [notOffered, noToken, { ...GEMINI, binary: { command: 'gemini', found: false } }],
    };
    expect(() => plan(row)).toThrow(
      expect.objectContaining({
        reasonCode: 'provider_binary_missing',
        kind: 'provider',
        message: expect.stringMatching(
          new RegExp(
            '^no provider could take the job: opencode: model_unavailable; cc-glm: cc_glm_auth_missing; ' +
              "gemini: provider_binary_missing\\. Last: gemini binary 'gemini' not found",
          ),
        ),
      }),
    );
  });

  it('asks for a provider’s facts only when the choice needs them', () => {
    const job = planJob({ flags: { ...flags, fallback: 'auto' }, facts });
    const next = (f: ProviderFacts[]) => {
      const c = chooseProvider(job, f);
      return 'next' in c ? c.next.adapter.name : `chosen ${c.chosen.adapter.name}`;
    };
    expect(next([])).toBe('opencode');
    expect(next([notOffered])).toBe('cc-glm');
    expect(next([notOffered, noToken])).toBe('gemini');
    expect(next([OPENCODE])).toBe('chosen opencode');
  });

  it('a fallback runs its own canonical model and cap, in the asked lane only if it has it', () => {
    const job = planJob({
      flags: { ...flags, fallback: 'auto', model: 'm/asked', lane: 'attach' },
      profile: profile({ provider: 'opencode', allowed_models: ['m/asked'], max_parallel: 7 }),
      facts,
    });
    expect(
      job.candidates.map((c) => [c.adapter.name, c.lane, c.opts.model, c.opts.allowedModels, c.opts.maxParallel]),
    ).toEqual([
      ['opencode', 'attach', 'm/asked', ['m/asked'], 7],
      ['cc-glm', 'headless', undefined, undefined, undefined],
      ['gemini', 'headless', undefined, undefined, undefined],
    ]);
  });
});

describe('settings: flags > profile > environment > defaults', () => {
  const quick = profile({
    provider: 'opencode',
    max_parallel: 5,
    timeouts: { stall_minutes: 7, startup_grace_sec: 42 },
  });
  it.each<[string, Row, Partial<LaunchPlan['run']['settings']>]>([
    ['defaults', {}, { stallSec: 1200, startupGraceSec: 300, maxParallel: 2, providerRetryLimit: 3 }],
    [
      'the environment',
      {
        flags: {
          env: {
            DX_RUNNER_STALL_MINUTES: '3',
            DX_RUNNER_MAX_PARALLEL_OPENCODE: '4',
            DX_RUNNER_PROVIDER_RETRY_LIMIT: '5',
          },
        },
      },
      { stallSec: 180, maxParallel: 4, providerRetryLimit: 5 },
    ],
    [
      'the profile over the environment',
      { profile: quick, flags: { env: { DX_RUNNER_STALL_MINUTES: '3', DX_RUNNER_MAX_PARALLEL_OPENCODE: '4' } } },
      { stallSec: 420, startupGraceSec: 42, maxParallel: 5, profile: 'quick' },
    ],
    ['a flag over the profile', { profile: quick, flags: { stallMinutes: 1 } }, { stallSec: 60, startupGraceSec: 42 }],
    [
      'a fallback gets its own provider’s cap, not the profile’s',
      { profile: quick, flags: { fallback: 'auto' }, providers: [{ ...OPENCODE, models: [] }, CC_GLM] },
      { stallSec: 420, maxParallel: 2 },
    ],
  ])('%s', (_n, row, expected) => {
    expect(plan(row).run.settings).toMatchObject(expected);
  });
});

describe('the gates, checked and fixed into the job', () => {
  it.each<[string, Row, object | undefined]>([
    ['none required', {}, undefined],
    [
      'the feature key defaults to the bead id; base and branch as given',
      { flags: { requireGates: ['feature-key'], base: 'main', branch: 'feat' } },
      { required: ['feature-key'], featureKey: 'bd-1', base: 'main', branch: 'feat' },
    ],
    [
      'scope: the allow-list as read at start, and the budget',
      {
        flags: { requireGates: ['scope'], allowedPathsFile: 'paths.txt', mutationBudget: 3 },
        facts: { allowedPaths: ['src/'] },
      },
      { required: ['scope'], allowedPaths: ['src/'], mutationBudget: 3 },
    ],
    [
      'evidence: the signoff file resolved against the worktree; comma lists and repeats merged',
      { flags: { requireGates: ['evidence,scope', 'evidence'], signoffFile: 'SIGNOFF.md', mutationBudget: 0 } },
      { required: ['evidence', 'scope'], signoffFile: `${WT}/SIGNOFF.md`, mutationBudget: 0 },
    ],
    [
      'a profile’s gates when no flag names any',
      { profile: profile({ provider: 'opencode', gates: { required: ['scope'], mutation_budget: 2 } }) },
      { required: ['scope'], mutationBudget: 2 },
    ],
    [
      'scope inputs without --require-gate scope imply the gate',
      { flags: { allowedPathsFile: 'paths.txt' }, facts: { allowedPaths: ['src/'] } },
      { required: ['scope'], allowedPaths: ['src/'] },
    ],
    [
      'a mutation budget alone implies it too, beside the gates asked for',
      { flags: { requireGates: ['evidence'], signoffFile: 'SIGNOFF.md', mutationBudget: 4 } },
      { required: ['evidence', 'scope'], mutationBudget: 4 },
    ],
  ])('%s', (_n, row, expected) => {
    const gates = plan(row).run.settings.gates;
    if (expected === undefined) expect(gates).toBeUndefined();
    else expect(gates).toMatchObject(expected);
  });
});

describe('the lane: flags > profile > OPENCODE_EXECUTION_MODE (OpenCode only) > headless', () => {
  const server = { url: 'http://127.0.0.1:4096', healthy: true };
  const env = (mode: string, url?: string) => ({ OPENCODE_EXECUTION_MODE: mode, OPENCODE_ATTACH_URL: url });
  it.each<[string, Row, string, string | undefined]>([
    ['no flag, no variable: headless', {}, 'headless', undefined],
    ['OPENCODE_EXECUTION_MODE=run is headless', { flags: { env: env('run') } }, 'headless', undefined],
    [
      'attach from the environment, on OPENCODE_ATTACH_URL',
      { flags: { env: env('attach', 'http://10.0.0.5:4096') } },
      'attach',
      'http://10.0.0.5:4096',
    ],
    ['server from the environment', { flags: { env: env('server') } }, 'server', undefined],
    [
      'a profile’s lane wins over the environment',
      { flags: { env: env('attach') }, profile: profile({ provider: 'opencode', lane: 'headless' }) },
      'headless',
      undefined,
    ],
    [
      'the flags win over both; --attach over OPENCODE_ATTACH_URL',
      {
        flags: { lane: 'server', attachUrl: 'http://127.0.0.1:1', env: env('attach', 'http://10.0.0.5:4096') },
        profile: profile({ provider: 'opencode', lane: 'headless' }),
      },
      'server',
      'http://127.0.0.1:1',
    ],
    [
      'OpenCode’s variable does not move another provider',
      { flags: { provider: 'gemini', env: env('attach') }, providers: [GEMINI] },
      'headless',
      undefined,
    ],
  ])('%s', (_n, row, lane, url) => {
    const job = planJob({ flags: { ...flags, ...row.flags }, profile: row.profile, facts });
    expect([job.candidates[0].lane, job.opts.attachUrl]).toEqual([lane, url]);
    const providers = row.providers ?? [{ ...OPENCODE, server: lane === 'headless' ? undefined : server }];
    expect(plan({ ...row, providers }).run.executionMode).toBe(lane);
  });

  it('a value that is no lane is refused, naming the variable', () => {
    expect(outcome({ flags: { env: env('pty') } })).toBe('unknown_lane');
  });
});

describe('the run to record', () => {
  it('the chosen provider’s model, lane and launch; the prompt as read; the baseline as taken', () => {
    const attach = { ...OPENCODE, server: { url: 'http://127.0.0.1:4096', healthy: true } };
    const p = plan({ flags: { lane: 'attach', promptFile: 'prompts/task.md' }, providers: [attach] });
    expect(p.run).toMatchObject({
      beads: 'bd-1',
      provider: 'opencode',
      retries: 0,
      worktree: WT,
      promptFile: '/work/prompts/task.md',
      model: 'zhipuai-coding-plan/glm-5',
      executionMode: 'attach',
      fallbackReason: 'none',
      cwd: '/work',
      startHead: 'c0ffee',
      baseline: JSON.stringify({ 'notes.txt': 'blob1' }),
    });
    expect(p.prompt).toBe('Do the task.');
    expect(p.spec).toBe(attach.launch);
    expect(p.create).toBeUndefined();
    expect(p.tried).toEqual([
      {
        provider: 'opencode',
        model: 'zhipuai-coding-plan/glm-5',
        passed: true,
        reason_code: 'preflight_ok',
        message: '',
      },
    ]);
  });
});

describe("what becomes of the agent's work", () => {
  it.each<[string, Row['flags'], string, string | null]>([
    // [case, flags, commit policy, verify command]
    ['by default: committed', {}, 'auto', null],
    ['--commit require', { commit: 'require' }, 'require', null],
    ["the bash tool's variable", { env: { DX_RUNNER_REQUIRE_COMMIT_ARTIFACT: '1' } }, 'require', null],
    ['the flag over the variable', { commit: 'off', env: { DX_RUNNER_REQUIRE_COMMIT_ARTIFACT: '1' } }, 'off', null],
    ['a verify command', { verifyCmd: ' npm test ' }, 'auto', 'npm test'],
  ])('%s', (_case, flags, policy, verifyCmd) => {
    expect(plan({ flags }).run).toMatchObject({ commitPolicy: policy, verifyCmd });
  });

  it.each<[string, Row['flags'], string]>([
    ['an unknown policy', { commit: 'always' }, 'unknown_commit_policy'],
    ['a verify timeout of zero', { verifyCmd: 'true', verifyTimeoutSec: 0 }, 'invalid_argument'],
  ])('%s is refused', (_case, flags, reason) => {
    expect(outcome({ flags })).toBe(reason);
  });
});

describe('a worktree start makes (--worktree-root)', () => {
  const create = { repo: '/src/app', base: 'main', commit: 'abc123', branch: 'dx/bd-1' };
  it('is planned with its source, and the task given inline or on stdin is recorded by where it came from', () => {
    const inline = plan({
      flags: { promptFile: undefined, prompt: 'Do it inline.' },
      facts: { prompt: 'Do it inline.', worktree: { path: WT, policy: valid, baseline: null, create } },
    });
    expect([inline.create, inline.run.worktree, inline.run.promptFile]).toEqual([create, WT, '--prompt']);
    const stdin = plan({ flags: { promptFile: '-', prompt: 'From stdin.' } });
    expect([stdin.create, stdin.run.promptFile]).toEqual([undefined, '-']);
  });
});

describe('a model list start could not get', () => {
  it.each<[string, ProviderFacts, string[]]>([
    ['listed: nothing to warn of', OPENCODE, []],
    [
      'unknown (the listing failed twice): start goes on, warning',
      { ...OPENCODE, models: null },
      ['model_check_unavailable'],
    ],
    ['a provider with no list (cc-glm): nothing to warn of', CC_GLM, []],
  ])('%s', (_n, facts, warned) => {
    const provider = facts === CC_GLM ? 'cc-glm' : 'opencode';
    const p = plan({ flags: { provider }, providers: [facts] });
    expect(p.warnings?.map((w) => w.reason_code)).toEqual(warned);
    expect(p.warnings?.every((w) => w.message.includes(facts.model))).toBe(true);
  });
});

describe('sandbox: flags > profile > auto, decided with the lane and whether bwrap works', () => {
  const NO_BWRAP = { bwrapWorks: false, gitCommonDir: null };
  it.each<[string, Row, string]>([
    ['auto where bwrap works', {}, 'bwrap'],
    ['auto without bwrap', { host: NO_BWRAP }, 'off'],
    ['off', { flags: { sandbox: 'off' } }, 'off'],
    ['bwrap where it works', { flags: { sandbox: 'bwrap' } }, 'bwrap'],
    ['bwrap without it', { flags: { sandbox: 'bwrap' }, host: NO_BWRAP }, 'sandbox_unavailable'],
    ['auto on the attach lane', { flags: { lane: 'attach' } }, 'not_applicable'],
    ['auto on the server lane', { flags: { lane: 'server' } }, 'not_applicable'],
    ['bwrap on the attach lane', { flags: { lane: 'attach', sandbox: 'bwrap' } }, 'sandbox_lane_unsupported'],
    ["the profile's off", { profile: profile({ provider: 'opencode', sandbox: 'off' }) }, 'off'],
    [
      'the flag over the profile',
      { flags: { sandbox: 'bwrap' }, profile: profile({ provider: 'opencode', sandbox: 'off' }) },
      'bwrap',
    ],
    ['an unknown mode', { flags: { sandbox: 'docker' } }, 'unknown_sandbox'],
  ])('%s → %s', (_name, row, expected) => {
    const result = outcome(row);
    expect(result === 'planned' ? plan(row).sandbox.mode : result).toBe(expected);
  });

  it('a sandboxed run launches its command under bwrap, recorded in its settings', () => {
    const p = plan({});
    expect([p.spec.command, p.spec.args.slice(-2), p.run.settings.sandbox?.mode]).toEqual([
      'bwrap',
      [`/bin/${OPENCODE.model}`, 'run'],
      'bwrap',
    ]);
    const off = plan({ flags: { sandbox: 'off' } });
    expect([off.spec.command, off.run.settings.sandbox?.mode]).toEqual([`/bin/${OPENCODE.model}`, 'off']);
  });
});
