import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReportOutput as Report, StatusOutput } from '../../src/report/schemas.js';
import type { StateCheckOutput } from '../../src/report/stateSchemas.js';
import { notPrivateUnder } from '../../src/store/check.js';
import { SCHEMAS } from '../../src/cli/schemas.js';
import { runLeftovers } from '../../src/jobs/reap.js';
import {
  CLI,
  cli,
  cliJson,
  expectGroupGone,
  finishedReport,
  groupMembers,
  makeRepo,
  type Sandbox,
  tmpDir,
  useSandbox,
  waitFor,
  writePrompt,
} from '../helpers.js';

/** Real opencode against the scripted model: each test here costs one or two opencode runs. */
describe('jobs through real opencode', () => {
  const ctx = useSandbox();
  let sb: Sandbox;
  let prompts: string;
  beforeAll(() => {
    sb = ctx.sb();
    prompts = ctx.prompts();
  });

  const run = (args: string[], cwd?: string) => cli(args, { env: sb.env, cwd });
  const json = <T = Record<string, unknown>>(args: string[]) => cliJson<T>(args, { env: sb.env });
  const finished = (beads: string) => finishedReport(beads, sb.env);

  it('a job that edits a file ends exited_ok with its mutations, exit code 0 and a report', async () => {
    const { worktrees } = makeRepo(1);
    const wt = worktrees[0];
    fs.writeFileSync(path.join(wt, 'already-dirty.txt'), 'was here before the job\n');
    const prompt = writePrompt(
      prompts,
      'Add a greeting.\n@mock write greeting.txt Hello from the agent\\n\n@mock say Wrote greeting.txt',
    );

    const first = await run(['start', '--beads', 'bd-edit.1', '--prompt-file', prompt, '--worktree', wt, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const started = JSON.parse(first.stdout) as { pid: number; state: string };
    expect(started.pid).toBeGreaterThan(0);

    SCHEMAS.start.parse(started);
    const report = await finished('bd-edit.1');
    SCHEMAS.report.parse(report);
    expect(fs.readFileSync(path.join(wt, 'greeting.txt'), 'utf8')).toBe('Hello from the agent\n');
    expect(report).toMatchObject({
      state: 'exited_ok',
      exit_code: 0,
      mutations: 1,
      selected_model: 'zhipuai-coding-plan/glm-5',
      execution_mode: 'headless',
      fallback_reason: 'none',
    });
    expect(report.session_id).toMatch(/^ses_/);
    expect(report.events.map((e) => e.kind)).toEqual(['created', 'preflight', 'launched', 'delivery', 'finalized']);
    expect(report.log_bytes).toBeGreaterThan(0);
    expect(typeof report.duration_sec).toBe('number');

    const check = await json(['check', '--beads', 'bd-edit.1']);
    expect(check).toMatchObject({ state: 'exited_ok', _code: 0 });
    SCHEMAS.check.parse(check);
    const status = await json<{ jobs: Array<Record<string, unknown>> }>(['status']);
    SCHEMAS.status.parse(status);
    expect(status.jobs.find((j) => j.beads === 'bd-edit.1')).toMatchObject({
      state: 'exited_ok',
      mutation_count: 1,
      retry_count: 0,
      outcome: 'success:0',
    });

    const md = await run(['report', '--beads', 'bd-edit.1', '--format', 'markdown']);
    expect(md.stdout).toContain('# Report: bd-edit.1');
    // one vocabulary: the human views name the job by its state, never by the older tool's outcome names
    expect(md.stdout).toContain('finalized | state=exited_ok');
    expect(md.stdout).not.toContain('state=success');
    // no format named and stdout not a terminal: report prints JSON, as scripts of the older tool read it
    expect(JSON.parse((await run(['report', '--beads', 'bd-edit.1'])).stdout)).toMatchObject({ state: 'exited_ok' });
    const table = (await run(['status'])).stdout.split('\n');
    expect(table[0]).toMatch(/^BEAD\s+PROVIDER\s+STATE\s+ELAPSED\s+BYTES\s+MUT\s+LAST EVENT$/);
    expect(table.find((l) => l.startsWith('bd-edit.1 '))).toMatch(
      /^bd-edit\.1\s+opencode\s+exited_ok\s+(?:\d+ min )?\d+ s\s+\d+\s+1\s/,
    );
    const logs = await run(['logs', '--beads', 'bd-edit.1']);
    expect(logs.stdout).toContain('[tool:write]');
    expect(logs.stdout).toContain('Wrote greeting.txt');

    // after a real job the state home is sound and private: every file 0600, every folder 0700
    const stateCheck = await json<StateCheckOutput>(['state', 'check']);
    SCHEMAS['state-check'].parse(stateCheck);
    expect(stateCheck).toMatchObject({ ok: true, _code: 0 });
    expect(notPrivateUnder(sb.home)).toEqual([]);
  }, 240_000); // a real job has taken over a minute to end on a busy 2-core host

  it('a 401 from the model ends exited_err with the auth reason and check exits 3', async () => {
    const { worktrees } = makeRepo(1);
    const prompt = writePrompt(prompts, 'Do the task.\n@mock fail 401');
    expect((await run(['start', '--beads', 'bd-auth', '--prompt-file', prompt, '--worktree', worktrees[0]])).code).toBe(
      0,
    );
    const report = await finished('bd-auth');
    expect(report).toMatchObject({ state: 'exited_err', reason_code: 'opencode_auth_failed', outcome_state: 'failed' });
    const check = await json(['check', '--beads', 'bd-auth']);
    expect(check).toMatchObject({
      state: 'exited_err',
      reason_code: 'opencode_auth_failed',
      next_action: 'repair_provider_credentials_then_restart',
      _code: 3,
    });
  });

  it('a model that keeps answering 429 is failed fast as rate limited, not retried for ever', async () => {
    const { worktrees } = makeRepo(1);
    const prompt = writePrompt(prompts, 'Do the task.\n@mock fail 429');
    // no relaunch after the provider's pause: the first rate-limited run ends the job
    const env = { ...sb.env, DX_RUNNER_PROVIDER_RETRY_LIMIT: '2', DX_RUNNER_RATE_LIMIT_RETRIES: '0' };
    expect(
      (await cli(['start', '--beads', 'bd-429', '--prompt-file', prompt, '--worktree', worktrees[0]], { env })).code,
    ).toBe(0);
    const report = await finished('bd-429');
    expect(report).toMatchObject({ state: 'exited_err', reason_code: 'opencode_rate_limited' });
    // the outcome is written first, then the run is ended (SIGTERM, a grace, SIGKILL): nothing of it stays
    await waitFor('the rate-limited run to end', () => (groupMembers(report.pid as number).length ? undefined : true));
  });

  it('a 429 pauses the provider, status shows it, the job relaunches in its worktree and ends exited_ok', async () => {
    const wt = makeRepo(1).worktrees[0];
    // opencode retries a 429 itself (after 2 s, 4 s …) and only logs it: the model refuses as many calls as the
    // supervisor's fail-fast counts, so the run ends rate limited; the relaunch after the pause gets its answer
    const prompt = writePrompt(prompts, 'Add a note.\n@mock fail 429 2\n@mock write note.txt after the pause\\n');
    const env = { ...sb.env, DX_RUNNER_PROVIDER_RETRY_LIMIT: '2' };
    const started = await cli(['start', '--beads', 'bd-pause', '--prompt-file', prompt, '--worktree', wt], { env });
    expect(started.code, started.stderr).toBe(0);
    const status = await waitFor(
      'the job to be paused',
      async () => {
        const s = await json<StatusOutput>(['status', '--json']);
        return s.jobs.find((j) => j.beads === 'bd-pause')?.state === 'paused' ? s : undefined;
      },
      180_000,
    );
    SCHEMAS.status.parse(status);
    // check says how long the job still waits
    const check = await json(['check', '--beads', 'bd-pause']);
    expect(check).toMatchObject({ state: 'paused', reason_code: 'rate_limit_backoff', _code: 0 });
    expect(check.next_action).toMatch(/^paused: rate limited, retry in \d+ s$/);
    expect(status.paused_providers).toEqual([
      expect.objectContaining({ provider: 'opencode', reason_code: 'opencode_rate_limited' }),
    ]);
    const report = await waitFor(
      'the relaunched run to finish',
      async () => {
        const r = await json<Report>(['report', '--beads', 'bd-pause']);
        return r.retries === 1 && r.outcome_state ? r : undefined;
      },
      180_000,
    );
    expect(report).toMatchObject({ state: 'exited_ok', retries: 1, worktree: wt, mutations: 1 });
    expect(fs.readFileSync(path.join(wt, 'note.txt'), 'utf8')).toContain('after the pause');
    expect(report.events).toContainEqual(expect.objectContaining({ kind: 'restarted', reason_code: 'rate_limited' }));
    expect(report.events).toContainEqual(
      expect.objectContaining({ kind: 'rate_limited', reason_code: 'opencode_rate_limited', relaunch: true }),
    );
  }, 300_000); // two real runs and the pause between them

  it('stop mid-job ends the whole process group and records stopped; a second stop keeps the outcome', async () => {
    const { worktrees } = makeRepo(1);
    const prompt = writePrompt(prompts, 'Think for a long time.\n@mock stall 120');
    const started = await json<{ pid: number }>([
      'start',
      '--beads',
      'bd-stop',
      '--prompt-file',
      prompt,
      '--worktree',
      worktrees[0],
    ]);
    await waitFor('opencode to be running', () => (groupMembers(started.pid).length >= 2 ? true : undefined));
    expect((await json(['check', '--beads', 'bd-stop']))._code).toBe(0);

    const stop = await json(['stop', '--beads', 'bd-stop']);
    SCHEMAS.stop.parse(stop);
    expect(stop).toMatchObject({ state: 'stopped', reason_code: 'manual_stop', exit_code: 137, _code: 0 });
    expectGroupGone(started.pid);

    const again = await json(['stop', '--beads', 'bd-stop']);
    expect(again).toMatchObject({ error: { reason_code: 'job_not_running' }, _code: 1 });
    expect(await json(['check', '--beads', 'bd-stop'])).toMatchObject({ state: 'stopped', reason_code: 'manual_stop' });
  });

  it("stop ends the agent's shell commands in sessions of their own: none left, none writes later", async () => {
    const { worktrees } = makeRepo(1);
    const wt = worktrees[0];
    // OpenCode runs the tool call in a session of its own; the command moves one part to yet another by setsid
    const command = "setsid sh -c 'sleep 20; echo late > notes-setsid.txt' & sleep 20; echo late > notes-late.txt";
    const prompt = writePrompt(prompts, `Run a slow command.\n@mock bash ${command}\n@mock say done`);
    expect((await run(['start', '--beads', 'bd-stop-shell', '--prompt-file', prompt, '--worktree', wt])).code).toBe(0);
    const { run_instance: instance } = await json<Report>(['report', '--beads', 'bd-stop-shell']);
    const sleeps = () =>
      runLeftovers(instance).filter((pid) => {
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep\0');
        } catch {
          return false;
        }
      });
    await waitFor('both sleeps to run', () => (sleeps().length === 2 ? true : undefined), 180_000);

    const stop = await json(['stop', '--beads', 'bd-stop-shell']);
    SCHEMAS.stop.parse(stop);
    expect(stop).toMatchObject({ state: 'stopped', reason_code: 'manual_stop', ended: { left: 0 } });
    // the two shells and their sleeps had left the agent's process group
    expect((stop.ended as { outside_group: number }).outside_group).toBeGreaterThanOrEqual(4);
    expect(runLeftovers(instance)).toEqual([]);
    const report = await json<Report>(['report', '--beads', 'bd-stop-shell']);
    expect(report.events.map((e) => e.kind)).toContain('run_ended');

    await new Promise((resolve) => setTimeout(resolve, 22_000)); // past the commands' 20 s
    expect(fs.readdirSync(wt).filter((f) => f.startsWith('notes-'))).toEqual([]);
    expect(runLeftovers(instance)).toEqual([]);
  }, 300_000);

  it('kill -9 of the agent gives exited_err with a reason, never healthy, even with its supervisor gone', async () => {
    const { worktrees } = makeRepo(1);
    const prompt = writePrompt(prompts, 'Wait.\n@mock stall 120');
    const started = await json<{ pid: number }>([
      'start',
      '--beads',
      'bd-kill',
      '--prompt-file',
      prompt,
      '--worktree',
      worktrees[0],
    ]);
    const report = await json<{ supervisor_pid: number }>(['report', '--beads', 'bd-kill']);
    await waitFor('opencode to be running', () => (groupMembers(started.pid).length >= 2 ? true : undefined));
    process.kill(report.supervisor_pid, 'SIGKILL');
    process.kill(-started.pid, 'SIGKILL');
    await waitFor('the group to be gone', () => (groupMembers(started.pid).length === 0 ? true : undefined));

    const check = await json(['check', '--beads', 'bd-kill']);
    expect(check).toMatchObject({ state: 'exited_err', reason_code: 'process_exited_without_rc', _code: 3 });
    expect(await json(['prune', '--beads', 'bd-not-this-one'])).toMatchObject({ checked: 0, pruned: 0 });
    const prune = await json(['prune', '--beads', 'bd-kill']);
    SCHEMAS.prune.parse(prune);
    expect(prune).toMatchObject({ checked: 1, pruned: 1 });
    expect(await json(['report', '--beads', 'bd-kill'])).toMatchObject({
      outcome_state: 'failed',
      outcome_reason_code: 'process_exited_without_rc',
    });
  });

  it('the agent cannot write outside its worktree, and nothing blocks on a permission prompt', async () => {
    const { worktrees } = makeRepo(1);
    const outside = path.join(tmpDir('outside'), 'escape.txt');
    const prompt = writePrompt(prompts, `Write outside.\n@mock write ${outside} pwned\n@mock say tried`);
    expect(
      (await run(['start', '--beads', 'bd-escape', '--prompt-file', prompt, '--worktree', worktrees[0]])).code,
    ).toBe(0);
    const report = await finished('bd-escape');
    expect(fs.existsSync(outside)).toBe(false);
    expect(report).toMatchObject({ state: 'no_op_success', mutations: 0 });
    expect((await run(['logs', '--beads', 'bd-escape'])).stdout).toMatch(/\[tool:write\] error .*escape\.txt/);
  });

  it('under the sandbox a shell escape fails read-only and is recorded; the worktree stays writable', async () => {
    const { worktrees } = makeRepo(1);
    // outside /tmp, which the sandbox replaces by a private one: a write there fails read-only
    const outside = path.join('/var/tmp', `dx-escape-${process.pid}-${Date.now()}.txt`);
    const prompt = writePrompt(
      prompts,
      `Escape.\n@mock bash echo x > ${outside}\n@mock write notes.txt ok\n@mock say done`,
    );
    const started = await run(['start', '--beads', 'bd-sandbox', '--prompt-file', prompt, '--worktree', worktrees[0]]);
    expect(started.code, started.stderr).toBe(0);
    const report = await finished('bd-sandbox');
    SCHEMAS.report.parse(report);
    expect(fs.existsSync(outside)).toBe(false);
    expect(fs.readFileSync(path.join(worktrees[0], 'notes.txt'), 'utf8')).toBe('ok');
    expect(report).toMatchObject({ state: 'exited_ok', mutations: 1, sandbox: { mode: 'bwrap', asked: 'auto' } });
    const denied = report.events.find((e) => e.kind === 'sandbox_denied');
    expect(denied).toMatchObject({ detail: expect.stringContaining(`${outside}: Read-only file system`) });
    const md = (await run(['report', '--beads', 'bd-sandbox', '--format', 'markdown'])).stdout;
    expect(md).toMatch(/\| Sandbox \| bwrap \(/);
    expect(md).toMatch(/sandbox_denied \| detail=.*Read-only file system/);
  }, 240_000); // a real run under the sandbox

  it('an outcome is recorded even when no dx-runner process is alive as the agent exits', async () => {
    const { worktrees } = makeRepo(1);
    const prompt = writePrompt(prompts, 'Edit.\n@mock write done.txt ok');
    // start's output captured by $(…): it must return while the agent still runs
    const sh = await new Promise<string>((resolve, reject) =>
      execFile(
        'sh',
        [
          '-c',
          `out=$("${process.execPath}" "${CLI}" start --beads bd-orphan --prompt-file "${prompt}" ` +
            `--worktree "${worktrees[0]}" --json); echo "$out"`,
        ],
        { env: sb.env },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
    const started = JSON.parse(sh) as { pid: number };
    const { supervisor_pid } = await json<{ supervisor_pid: number }>(['report', '--beads', 'bd-orphan']);
    process.kill(supervisor_pid, 'SIGKILL');
    expect(groupMembers(started.pid).length).toBeGreaterThan(0); // still running after start returned
    await waitFor('the agent to exit', () => (groupMembers(started.pid).length === 0 ? true : undefined));

    expect(await json(['check', '--beads', 'bd-orphan'])).toMatchObject({ state: 'exited_ok', _code: 0 });
    expect(await json(['prune'])).toMatchObject({ pruned: 1 });
    expect(await json(['report', '--beads', 'bd-orphan'])).toMatchObject({
      outcome_state: 'success',
      exit_code: 0,
      mutations: 1,
    });
  });

  it('two concurrent starts for one bead give exactly one job', async () => {
    const { worktrees } = makeRepo(1);
    const prompt = writePrompt(prompts, 'Wait.\n@mock stall 120');
    const args = ['start', '--beads', 'bd-twice', '--prompt-file', prompt, '--worktree', worktrees[0], '--json'];
    const results = await Promise.all([run(args), run(args), run(args)]);
    const codes = results.map((r) => r.code).sort();
    expect(codes).toEqual([0, 1, 1]);
    for (const r of results.filter((x) => x.code === 1))
      expect(JSON.parse(r.stdout).error.reason_code).toBe('job_already_running');
    const status = await json<{ jobs: Array<{ beads: string }> }>(['status', '--all']);
    expect(status.jobs.filter((j) => j.beads === 'bd-twice')).toHaveLength(1);
    expect((await json(['stop', '--beads', 'bd-twice']))._code).toBe(0);
  });

  it('start --dry-run prints the plan and records nothing: no job, no run folder, the worktree untouched', async () => {
    const { worktrees } = makeRepo(1);
    const wt = worktrees[0];
    const prompt = writePrompt(prompts, 'Plan only.\n@mock say never sent');
    const args = ['start', '--dry-run', '--beads', 'bd-dry', '--prompt-file', prompt, '--worktree', wt];
    const plan = await json<Record<string, unknown>>([...args, '--require-gate', 'feature-key']);
    expect(plan._code).toBe(0);
    const { _code, ...printed } = plan;
    SCHEMAS['start-plan'].parse(printed);
    expect(plan).toMatchObject({
      dry_run: true,
      beads: 'bd-dry',
      provider: 'opencode',
      selected_model: 'zhipuai-coding-plan/glm-5',
      execution_mode: 'headless',
      fallback_reason: 'none',
      tried: [{ provider: 'opencode', passed: true, reason_code: 'preflight_ok' }],
      max_parallel: 16,
      gates: { required: ['feature-key'], feature_key: 'bd-dry' },
      command: { cwd: fs.realpathSync(wt), env_set: expect.arrayContaining(['OPENCODE_PERMISSION']) },
    });
    // cc-glm's token goes into the command's environment: named, never printed
    const text = await run([...args, '--provider', 'cc-glm']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^plan beads=bd-dry provider=cc-glm model=glm-5 lane=headless/);
    expect(text.stdout).toContain('ANTHROPIC_AUTH_TOKEN');
    expect(text.stdout).not.toContain(sb.env.CC_GLM_AUTH_TOKEN);
    const status = await json<{ jobs: Array<{ beads: string }> }>(['status', '--all']);
    expect(status.jobs.filter((j) => j.beads === 'bd-dry')).toEqual([]);
    expect(fs.existsSync(path.join(sb.home, 'jobs', 'bd-dry'))).toBe(false);
    const dirty = await new Promise<string>((resolve) =>
      execFile('git', ['-C', wt, 'status', '--porcelain'], (_e, out) => resolve(out)),
    );
    expect(dirty).toBe('');
  });

  it('only a first start lists the models (saying so); an aging list is refreshed in the background', async () => {
    const env = { ...sb.env, DX_RUNNER_HOME: tmpDir('home') };
    const wt = makeRepo(1).worktrees[0];
    const prompt = writePrompt(prompts, 'Plan only.\n@mock say never sent');
    const plan = () =>
      cli(['start', '--dry-run', '--beads', 'bd-list', '--prompt-file', prompt, '--worktree', wt], { env });
    const cacheFile = path.join(env.DX_RUNNER_HOME, 'cache', 'opencode-models.json');
    const cached = () => JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { at: number; models: string[] };

    const first = await plan();
    expect(first.code).toBe(0);
    // said on stderr, with the time it took, while stdout stays for the result
    expect(first.stderr).toMatch(/^dx-runner: listing opencode models \(first start on this host\)…$/m);
    expect(first.stderr).toMatch(/^dx-runner: listing opencode models .*… done in (\d+ min )?\d+(\.\d)? s$/m);
    expect(cached().models).toContain('zhipuai-coding-plan/glm-5');
    const second = await plan();
    expect(second.code).toBe(0);
    expect(second.stderr).not.toContain('listing');

    // a list six minutes old is used as it is, and a detached refresh writes a new one for the next start
    const aged = Date.now() - 6 * 60_000;
    fs.writeFileSync(cacheFile, JSON.stringify({ ...cached(), at: aged }));
    const third = await plan();
    expect(third.code).toBe(0);
    expect(third.stderr).not.toContain('listing');
    await waitFor('the background refresh', async () => (cached().at > aged ? true : undefined), 120_000);
    expect(cached().models).toContain('zhipuai-coding-plan/glm-5');
    expect(fs.existsSync(`${cacheFile}.refreshing`)).toBe(false);
  }, 240_000); // two real model listings: close to 30 s each on a busy host
});
