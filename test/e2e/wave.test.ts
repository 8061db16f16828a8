import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { opencodeConfig } from '../../src/model-mock/index.js';
import { SCHEMAS } from '../../src/cli/schemas.js';
import type { WaveReportOutput as WaveReport, WaveStatusOutput as WaveStatus } from '../../src/report/waveSchemas.js';
import {
  cli,
  cliJson,
  expectGroupGone,
  finishedWave,
  inChromium,
  makeRepo,
  type Sandbox,
  tmpDir,
  useSandbox,
  waitFor,
  waveManifest,
  writePrompt,
} from '../helpers.js';

/** The wave is 12 beads; 6 keeps the suite lean on a busy 2-core machine (12 took 95 s there). */
const WAVE_SIZE = Number(process.env.DX_RUNNER_TEST_WAVE_SIZE) || 6;

/** Waves through real opencode and the scripted model: one wave of many beads, one stopped wave, bad input. */
describe('waves', () => {
  const ctx = useSandbox();
  let sb: Sandbox;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    sb = ctx.sb();
    env = { ...sb.env, DX_RUNNER_MAX_PARALLEL_OPENCODE: '3' };
  });
  const json = <T>(args: string[]) => cliJson<T>(args, { env });
  const status = async (id: number) => {
    const s = await json<WaveStatus>(['wave', 'status', '--wave', String(id)]);
    SCHEMAS['wave-status'].parse(s);
    return s;
  };

  it(`a ${WAVE_SIZE}-bead wave at cap 3 lands every edit; driver killed, resume loses and redoes nothing`, async () => {
    const { repo } = makeRepo(0);
    const root = path.join(tmpDir('wave'), 'wts');
    const prompt = writePrompt(ctx.prompts(), 'Leave a mark.\n@mock write landed.txt landed\\n\n@mock say Landed');
    const beads = Array.from({ length: WAVE_SIZE }, (_, i) => `bd-w.${i + 1}`);
    const started = await json<WaveStatus>([
      'wave',
      'start',
      '--items',
      beads.join(','),
      '--prompt-file',
      prompt,
      '--worktree-root',
      root,
      '--repo',
      repo,
    ]);
    expect(started._code).toBe(0);
    SCHEMAS['wave-status'].parse(started);
    expect(started.items.map((i) => i.beads)).toEqual(beads);
    const driver = started.driver_pid as number;
    expect(driver).toBeGreaterThan(0);
    // the worktrees were created as linked worktrees of the repo, on a branch per bead
    for (const b of beads) expect(fs.readFileSync(path.join(root, b, '.git'), 'utf8')).toContain(repo);

    // the first three run, the rest queue: the driver is killed right there
    const mid = await waitFor(
      'the first three to run',
      async () => {
        const s = await status(started.wave);
        expect(s.counts.running + s.counts.launching).toBeLessThanOrEqual(3);
        return s.counts.running === 3 && s.counts.queued > 0 ? s : undefined;
      },
      80_000,
    );
    process.kill(driver, 'SIGKILL');
    await waitFor('the driver to be gone', async () =>
      (await status(started.wave)).driver_pid === null ? true : undefined,
    );
    // its jobs finish on their own (their supervisors record them); nothing new starts without a driver
    const orphaned = await waitFor(
      'the running jobs to end',
      async () => {
        const s = await status(started.wave);
        return s.items.every((i) => !i.job || ['exited_ok', 'exited_err'].includes(i.job.state)) ? s : undefined;
      },
      80_000,
    );
    expect(orphaned.state).toBe('running');
    // at most one launch was in flight at the kill
    expect(orphaned.counts.queued).toBeGreaterThanOrEqual(mid.counts.queued - 1);
    expect(orphaned.counts.ready).toBe(0); // not settled yet: that is the next driver's job

    const resumed = await json<{ resumed: boolean; driver_pid: number }>([
      'wave',
      'resume',
      '--wave',
      String(started.wave),
    ]);
    expect(resumed).toMatchObject({ resumed: true, _code: 0 });
    SCHEMAS['wave-resume'].parse(resumed);
    expect(resumed.driver_pid).not.toBe(driver);
    const again = await json<{ resumed: boolean }>(['wave', 'resume', '--wave', String(started.wave)]);
    expect(again).toMatchObject({ resumed: false }); // one driver at a time

    const done = await waitFor(
      'the wave to finish',
      async () => {
        const s = await status(started.wave);
        expect(s.counts.running + s.counts.launching).toBeLessThanOrEqual(3);
        return s.state === 'done' ? s : undefined;
      },
      180_000,
    );
    // deliver: none: each item's work is ready on its branch, not landed
    expect(done.counts).toMatchObject({ ready: WAVE_SIZE, landed: 0, failed: 0, queued: 0 });
    for (const b of beads) expect(fs.readFileSync(path.join(root, b, 'landed.txt'), 'utf8')).toBe('landed\n');

    const report = await json<WaveReport>(['wave', 'report', '--wave', String(started.wave)]);
    SCHEMAS['wave-report'].parse(report);
    expect(report._code).toBe(0);
    for (const item of report.items) {
      expect(item).toMatchObject({ state: 'ready', attempts: 1, fallback_reason: null, mutations: 1 });
      expect(item.branch).toBe(`dx/${item.beads}`);
      expect(item.runs).toHaveLength(1); // run once, never twice
      expect(item.runs[0]).toMatchObject({ state: 'exited_ok', provider: 'opencode' });
    }
    // the HTML report, opened in a real browser: a row per item with the diff its job left, a bar per job
    // and the cap the jobs ran under
    const htmlFile = path.join(tmpDir('wave-html'), 'wave.html');
    const written = await cli(['wave', 'report', '--wave', String(started.wave), '--output', htmlFile], { env });
    expect(written).toMatchObject({ code: 0, stdout: `${htmlFile}\n` });
    await inChromium(htmlFile, async (page) => {
      const rows = page.locator('#items tbody tr');
      expect(await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-beads')))).toEqual(beads);
      for (const item of report.items) {
        const cols = await page.locator(`#items tr[data-beads="${item.beads}"] td`).allInnerTexts();
        // bead, state, attempts, provider, fallback, reason, commit (the job's own, commit auto), diff (landed.txt:
        // one new line)
        expect(item.commit).toMatch(/^[0-9a-f]{40}$/);
        expect(cols.slice(0, 8)).toEqual([
          item.beads,
          'ready',
          '1',
          'opencode',
          '-',
          item.reason_code,
          item.commit?.slice(0, 12),
          '1 file, +1 −0',
        ]);
      }
      expect(await page.locator('#timeline rect.job').count()).toBe(WAVE_SIZE);
      expect(await page.locator('#timeline rect.job.ok').count()).toBe(WAVE_SIZE);
      expect(await page.locator('#timeline line.cap').evaluateAll((ls) => ls.map((l) => l.dataset.cap))).toEqual(['3']);
      expect((await page.locator('#timeline').boundingBox())?.width).toBeGreaterThan(100);
    });

    // every wave job is an ordinary job
    expect(await json(['check', '--beads', beads[0]])).toMatchObject({ state: 'exited_ok', _code: 0 });
  }, 240_000);

  it('wave stop ends the running jobs (whole groups) and cancels the queued ones', async () => {
    const { repo } = makeRepo(0);
    const root = path.join(tmpDir('wave'), 'wts');
    const manifest = path.join(root, '..', 'wave.yaml');
    fs.writeFileSync(
      manifest,
      [
        `repo: ${repo}`,
        `worktree_root: ${root}`,
        'items:',
        ...['a', 'b', 'c', 'd', 'e'].flatMap((x) => [`  - beads: bd-s.${x}`, '    prompt: "Hold.\\n@mock stall 120"']),
      ].join('\n'),
    );
    const started = await json<WaveStatus>(['wave', 'start', '--manifest', manifest]);
    expect(started._code).toBe(0);
    const running = await waitFor('three jobs to run', async () => {
      const s = await status(started.wave);
      return s.items.filter((i) => i.job?.pid).length === 3 ? s : undefined;
    });
    const pids = running.items.flatMap((i) => (i.job?.pid ? [i.job.pid] : []));
    // a driver that died is given a new one by the watchdog
    process.kill(running.driver_pid as number, 'SIGKILL');
    await waitFor('the driver to be gone', async () =>
      (await status(started.wave)).driver_pid === null ? true : undefined,
    );
    const pass = await json<{ waves: Array<{ wave: number; action: string; driver_pid: number }> }>([
      'watchdog',
      '--once',
    ]);
    expect(pass.waves).toEqual([{ wave: started.wave, action: 'resumed', driver_pid: expect.any(Number) }]);
    expect((await status(started.wave)).driver_pid).toBe(pass.waves[0].driver_pid);
    const stopped = await json<WaveStatus>(['wave', 'stop', '--wave', String(started.wave)]);
    expect(stopped).toMatchObject({ state: 'stopped', _code: 0, driver_pid: null });
    expect(stopped.counts).toMatchObject({ cancelled: 2, running: 0, queued: 0, launching: 0 });
    // the three launched items are stopped, except one whose agent had already ended by itself (opencode has been
    // seen to exit `database is locked` when three start together): that one keeps its real outcome
    const launched = stopped.items.filter((i) => running.items.some((r) => r.beads === i.beads && r.job?.pid));
    expect(launched).toHaveLength(3);
    for (const i of launched)
      if (i.item_state === 'stopped') expect(i.reason_code).toBe('wave_stopped');
      else
        expect(i, JSON.stringify(i)).toMatchObject({
          item_state: 'failed',
          reason_code: expect.not.stringMatching(/^wave_stopped$/),
        });
    for (const pid of pids) expectGroupGone(pid);
    const item = stopped.items.find((i) => i.item_state === 'stopped');
    expect(await json(['check', '--beads', item?.beads as string])).toMatchObject({
      state: 'stopped',
      reason_code: 'wave_stopped',
    });
    expect(await json(['wave', 'stop', '--wave', String(started.wave)])).toMatchObject({
      error: { reason_code: 'wave_not_running' },
      _code: 1,
    });
  });

  it('a bad manifest is one line naming the line and field, exit 2, and records nothing', async () => {
    const dir = tmpDir('bad');
    const manifest = path.join(dir, 'wave.yaml');
    fs.writeFileSync(
      manifest,
      'items:\n  - beads: bd-x.1\n    prompt: hi\n    worktree: /tmp\n  - beads: bd-x.2\n    promt: typo\n',
    );
    const home = { ...env, DX_RUNNER_HOME: path.join(dir, 'home') };
    const r = await cli(['wave', 'start', '--manifest', manifest], { env: home });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${manifest}:5:`);
    expect(r.stderr).toContain('items.1');
    expect(r.stderr).toContain('reason_code=manifest_invalid');
    expect(await cliJson(['wave', 'status'], { env: home })).toMatchObject({
      error: { reason_code: 'wave_not_found' },
      _code: 1,
    });
    const noInput = await cliJson(['wave', 'start'], { env: home });
    expect(noInput).toMatchObject({ error: { reason_code: 'wave_input_missing' }, _code: 2 });
    const beads = await cliJson(['wave', 'start', '--from-beads'], {
      env: { ...home, PATH: path.dirname(process.execPath) },
    });
    expect(beads).toMatchObject({ error: { reason_code: 'beads_cli_missing' }, _code: 21 });
    const both = await cliJson(['wave', 'start', '--from-beads', '--items', 'bd-x.1', '--prompt-file', manifest], {
      env: home,
    });
    expect(both).toMatchObject({ error: { reason_code: 'wave_input_conflict' }, _code: 2 });
    const limit = await cliJson(['wave', 'start', '--items', 'bd-x.1', '--prompt-file', manifest, '--limit', '3'], {
      env: home,
    });
    expect(limit).toMatchObject({ error: { reason_code: 'invalid_argument' }, _code: 2 });
    expect(await cliJson(['wave', 'status'], { env: home })).toMatchObject({
      error: { reason_code: 'wave_not_found' },
      _code: 1,
    });
  });

  /**
   * The fallback path: to another provider (opencode → cc-glm, the real claude CLI), and — for the cases
   * that need a model the scripted model serves on opencode too — to opencode on a second model.
   */
  describe('fallback', () => {
    let fenv: NodeJS.ProcessEnv;
    beforeAll(() => {
      const cfg = opencodeConfig(sb.mock.url) as { provider: Record<string, { models: Record<string, unknown> }> };
      cfg.provider['zhipuai-coding-plan'].models['glm-5-backup'] = { name: 'backup (scripted)', tool_call: true };
      const file = path.join(tmpDir('cfg'), 'opencode.json');
      fs.writeFileSync(file, JSON.stringify(cfg));
      fenv = { ...env, OPENCODE_CONFIG: file };
    });
    const fjson = <T>(args: string[]) => cliJson<T>(args, { env: fenv });
    const waveOf = async (yaml: string[], extra: string[] = []) => {
      const { dir, manifest } = waveManifest(['fallback_provider: opencode', ...yaml]);
      const report = await finishedWave(manifest, fenv, extra);
      return {
        report,
        item: (b: string) => report.items.find((i) => i.beads === b) as WaveReport['items'][number],
        dir,
      };
    };
    const backup = 'zhipuai-coding-plan/glm-5-backup';

    it('model refused or auth lost mid-job: lands on the fallback; a failed gate fails after a fallback', async () => {
      const { report, item, dir } = await waveOf([
        'items:',
        '  - beads: bd-f.ok',
        '    prompt: "@mock write ok.txt ok"',
        '  - beads: bd-f.model',
        '    model: zhipuai-coding-plan/glm-missing',
        '    fallback_provider: cc-glm',
        '    prompt: "@mock write model.txt landed on the fallback"',
        '  - beads: bd-f.auth',
        `    fallback_model: ${backup}`,
        '    prompt: "Edit.\\n@mock fail 401 1\\n@mock write auth.txt landed on the fallback"',
        '  - beads: bd-f.gate',
        '    gates: [evidence]',
        '    signoff_file: SIGNOFF.md',
        '    prompt: "@mock write work.txt but no signoff"',
      ]);
      expect(report._code).toBe(3); // one item failed
      expect(report.counts).toMatchObject({ ready: 3, failed: 1 });
      expect(item('bd-f.ok')).toMatchObject({ state: 'ready', attempts: 1, fallback_reason: null });

      expect(item('bd-f.model')).toMatchObject({
        state: 'ready',
        attempts: 2,
        fallback_reason: 'model_unavailable',
        provider: 'cc-glm',
      });
      expect(item('bd-f.model').runs).toHaveLength(1); // refused before any job: the fallback run is the only one
      expect(item('bd-f.model').runs[0]).toMatchObject({
        state: 'exited_ok',
        provider: 'cc-glm',
        selected_model: 'glm-5',
        fallback_reason: 'model_unavailable',
      });
      expect(fs.readFileSync(path.join(dir, 'wts', 'bd-f.model', 'model.txt'), 'utf8')).toBe('landed on the fallback');

      expect(item('bd-f.auth')).toMatchObject({
        state: 'ready',
        attempts: 2,
        fallback_reason: 'opencode_auth_failed',
      });
      expect(item('bd-f.auth').runs.map((r) => [r.state, r.reason_code, r.selected_model])).toEqual([
        ['exited_err', 'opencode_auth_failed', 'zhipuai-coding-plan/glm-5'],
        ['exited_ok', 'process_exit_with_rc', backup],
      ]);
      expect(fs.existsSync(path.join(dir, 'wts', 'bd-f.auth', 'auth.txt'))).toBe(true);
      expect(await fjson(['check', '--beads', 'bd-f.auth'])).toMatchObject({
        state: 'exited_ok',
        fallback_reason: 'opencode_auth_failed',
        selected_model: backup,
      });

      expect(item('bd-f.gate')).toMatchObject({
        state: 'failed',
        attempts: 2,
        fallback_reason: expect.stringMatching(/^governance_failed:/),
      });
      expect(item('bd-f.gate').runs.map((r) => r.state)).toEqual(['governance_failed', 'governance_failed']);
    }, 240_000);

    it('--critical dispatches on the fallback lane from the start', async () => {
      const { report, item } = await waveOf(
        ['items:', '  - beads: bd-c.1', `    fallback_model: ${backup}`, '    prompt: "@mock write c.txt ok"'],
        ['--critical'],
      );
      expect(report).toMatchObject({ critical: true, state: 'done' });
      expect(item('bd-c.1')).toMatchObject({ state: 'ready', attempts: 1, fallback_reason: 'critical_wave' });
      expect(item('bd-c.1').runs[0]).toMatchObject({ selected_model: backup, fallback_reason: 'critical_wave' });
    }, 240_000);
  });
});
