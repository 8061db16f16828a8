import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../src/cli/schemas.js';
import { cli, cliJson, expectGroupGone, makeRepo, type Sandbox, useSandbox, waitFor, writePrompt } from '../helpers.js';

/** The health state machine and the lifecycle commands, seen through real opencode runs. */
describe('truthful health through real opencode', () => {
  const ctx = useSandbox();
  let sb: Sandbox;
  let prompts: string;
  beforeAll(() => {
    sb = ctx.sb();
    prompts = ctx.prompts();
  });

  const json = <T = Record<string, unknown>>(args: string[], env = sb.env) => cliJson<T>(args, { env });
  const stateOf = async (beads: string) => (await json<{ state: string }>(['check', '--beads', beads])).state;
  const untilState = (beads: string, state: string, timeoutMs = 45_000) =>
    waitFor(`${beads} to be ${state}`, async () => ((await stateOf(beads)) === state ? true : undefined), timeoutMs);
  const untilWaitingOnModel = () =>
    waitFor('the agent to wait on the model', async () => (sb.mock.stallsPending() > 0 ? true : undefined), 60_000);

  it('a slow first token is slow_start, then healthy, then exited_ok, as monitor records it', async () => {
    const { worktrees } = makeRepo(1);
    const prompt = writePrompt(
      prompts,
      'Think first.\n@mock stall 6\n@mock write a.txt first\n@mock bash sleep 6\n@mock say done',
    );
    expect(
      (await cli(['start', '--beads', 'bd-slow', '--prompt-file', prompt, '--worktree', worktrees[0]], { env: sb.env }))
        .code,
    ).toBe(0);
    const outFile = path.join(prompts, 'monitor.jsonl');
    const mon = await cli(['monitor', '--beads', 'bd-slow', '--interval', '1', '--json', '--out-file', outFile], {
      env: sb.env,
    });
    expect(mon.code).toBe(0);
    const records = mon.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { state: string; cycle: number; mutation_count: number });
    const states = records.map((r) => r.state);
    expect(states).toContain('slow_start');
    expect(states.indexOf('healthy')).toBeGreaterThan(states.indexOf('slow_start'));
    expect(states.at(-1)).toBe('exited_ok');
    expect(records.map((r) => r.cycle)).toEqual(records.map((_, i) => i + 1));
    expect(fs.readFileSync(outFile, 'utf8').trim().split('\n')).toHaveLength(records.length);
  });

  it('files changed with no output yet are silent_mutation', async () => {
    const { worktrees } = makeRepo(1);
    const prompt = writePrompt(
      prompts,
      'Generate data.\n@mock bash echo data > data.txt && sleep 10\n@mock say generated',
    );
    expect(
      (
        await cli(['start', '--beads', 'bd-silent', '--prompt-file', prompt, '--worktree', worktrees[0]], {
          env: sb.env,
        })
      ).code,
    ).toBe(0);
    await untilState('bd-silent', 'silent_mutation');
    const check = await json(['check', '--beads', 'bd-silent']);
    expect(check).toMatchObject({ reason_code: 'worktree_changed_no_output', log_age_sec: null, _code: 0 });
    expect(check.mutation_count).toBeGreaterThan(0);
    await untilState('bd-silent', 'exited_ok');
  });

  it('a stall is stalled; two watchdogs restart it once, bumping the retry; then the watchdog blocks it', async () => {
    const { worktrees } = makeRepo(1);
    const env = { ...sb.env, DX_RUNNER_STARTUP_GRACE_SEC: '1' };
    const prompt = writePrompt(prompts, 'Hang.\n@mock stall 300');
    const first = await json<{ pid: number }>(
      ['start', '--beads', 'bd-stall', '--prompt-file', prompt, '--worktree', worktrees[0], '--stall-minutes', '0.05'],
      env,
    );
    // a stall is judged once the agent waits on the model; a booting agent starved of CPU is not stalled
    await untilWaitingOnModel();
    await untilState('bd-stall', 'stalled');
    expect(await json(['check', '--beads', 'bd-stall'])).toMatchObject({
      reason_code: 'no_output_no_progress_after_threshold',
      next_action: 'run_dx_runner_restart_or_let_watchdog_retry',
      _code: 2,
    });

    type Pass = { jobs: Array<{ beads: string; action: string }> };
    const passes = await Promise.all(
      [1, 2].map(() => cli(['watchdog', '--once', '--json', '--max-retries', '2'], { env })),
    );
    const actions = passes.flatMap((p) =>
      (JSON.parse(p.stdout) as Pass).jobs.filter((j) => j.beads === 'bd-stall').map((j) => j.action),
    );
    expect(actions.filter((a) => a === 'restarted')).toHaveLength(1);
    expectGroupGone(first.pid);
    const afterWatchdog = await json<{ retry_count: number; pid: number; state: string }>([
      'status',
      '--beads',
      'bd-stall',
    ]).then((s) => (s as unknown as { jobs: Array<{ retry_count: number; pid: number }> }).jobs[0]);
    expect(afterWatchdog.retry_count).toBe(1);
    expect(afterWatchdog.pid).not.toBe(first.pid);

    const restarted = await json<{ retry_count: number; pid: number }>(['restart', '--beads', 'bd-stall'], env);
    expect(restarted).toMatchObject({ retry_count: 2, _code: 0 });
    expectGroupGone(afterWatchdog.pid);
    // the earlier runs' logs are kept beside the new one
    const runs = fs.readdirSync(path.join(sb.home, 'jobs', 'bd-stall'));
    expect(runs).toHaveLength(3);

    await untilWaitingOnModel();
    await untilState('bd-stall', 'stalled');
    const block = await cli(['watchdog', '--once', '--json', '--max-retries', '2'], { env });
    expect((JSON.parse(block.stdout) as Pass).jobs.find((j) => j.beads === 'bd-stall')?.action).toBe('blocked');
    const check = await json(['check', '--beads', 'bd-stall']);
    expect(check).toMatchObject({
      state: 'blocked',
      reason_code: 'blocked_no_output_no_progress_after_threshold',
      _code: 3,
    });
    SCHEMAS.check.parse(check);
    expectGroupGone(restarted.pid);
  }, 240_000); // three real runs; 31 s on a quiet 2-core host, over 90 s on a loaded one
});
