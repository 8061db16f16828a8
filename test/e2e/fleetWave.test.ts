import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../src/cli/schemas.js';
import type { FleetJobOutput } from '../../src/report/fleetSchemas.js';
import type { WaveReportOutput, WaveStatusOutput } from '../../src/report/waveSchemas.js';
import { cli, cliJson, makeRepo, sandbox, tmpDir, waitFor, writePrompt, type Sandbox } from '../helpers.js';
import { fleetEvents, startRedis, startWorker, type FleetWorker, type RedisServer } from '../fleetHelpers.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { stdio: 'pipe' }).toString();

/**
 * A wave on the fleet: a real redis-server, two `dx-runner worker` processes with homes of their own as two
 * hosts, a bare repository as the shared remote, real opencode against the scripted model. The host running the
 * wave's driver is killed -9 while the items run: the other host takes the driver over and the wave finishes.
 */
describe('a wave on the fleet', () => {
  let redis: RedisServer;
  let sb: Sandbox;
  let remote: string;
  let workers: FleetWorker[] = [];
  let elsewhere: NodeJS.ProcessEnv;

  beforeAll(async () => {
    redis = await startRedis();
    sb = await sandbox();
    const { repo } = makeRepo();
    remote = path.join(tmpDir('remote'), 'shared.git');
    git(repo, 'clone', '-q', '--bare', repo, remote);
    elsewhere = { ...sb.env, DX_RUNNER_HOME: tmpDir('elsewhere') };
    workers = ['host-a', 'host-b'].map((h) => startWorker(redis.url, h, sb.env, sb.home, '--slots', '2'));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await redis?.stop();
    await sb?.close();
  }, 120_000);

  const status = (wave: number) =>
    cliJson<WaveStatusOutput>(['wave', 'status', '--fleet', redis.url, '--wave', String(wave)], { env: elsewhere });

  it('bad input: nothing reaches the engine', async () => {
    const dir = tmpDir('bad-wave');
    const manifest = path.join(dir, 'wave.yaml');
    fs.writeFileSync(manifest, `repo: ${remote}\nworktree_root: ../wts\nitems:\n  - beads: bd-x\n    prompt: hi\n`);
    const r = await cli(['wave', 'start', '--fleet', redis.url, '--manifest', manifest], { env: elsewhere });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dx-runner: worktree_root: not for a fleet wave.*\(reason_code=manifest_invalid\)\n$/);
    const none = await cli(['wave', 'status', '--fleet', redis.url], { env: elsewhere });
    expect(none.stderr).toMatch(/the fleet holds no wave yet.*\(reason_code=wave_not_found\)/);
  }, 60_000);

  const waitState = (wave: number, what: string, ok: (s: WaveStatusOutput) => boolean, ms = 300_000) =>
    waitFor(
      what,
      async () => {
        const s = await status(wave);
        return s._code === 0 && ok(s) ? s : undefined;
      },
      ms,
    );

  it('deliver: merge, Redis restarted mid-wave: items land on the remote base one by one, nothing lost', async () => {
    const beads = ['bd-fm.1', 'bd-fm.2', 'bd-fm.3'];
    const dir = tmpDir('merge-wave');
    const manifest = path.join(dir, 'wave.yaml');
    // bd-fm.3's check passes in its own worktree (only its file) and fails over a base where another item landed:
    // it ends last (its longer stall), so it is verified again over the others and stays off the base
    const item = (b: string, i: number, stall: number) =>
      `  - beads: ${b}\n    prompt: "@mock stall ${stall}\\n@mock write merge-${i}.txt from ${b}\\n@mock say ok"\n`;
    fs.writeFileSync(
      manifest,
      `repo: ${remote}\ndeliver: merge\nitems:\n${item(beads[0], 1, 2)}${item(beads[1], 2, 2)}` +
        `${item(beads[2], 3, 25)}    verify_cmd: test "$(ls merge-*.txt | wc -l)" -eq 1\n`,
    );
    const started = await cliJson<WaveStatusOutput>(['wave', 'start', '--fleet', redis.url, '--manifest', manifest], {
      env: elsewhere,
    });
    expect(started).toMatchObject({ _code: 0, state: 'running' });
    const wave = started.wave;
    await waitState(wave, 'an item to run', (s) => s.items.some((i) => i.fleet_job?.state === 'running'), 120_000);
    // Redis stopped and started again on its port from its append-only file while the items run
    await redis.restart(2000);

    const done = await waitState(wave, 'the wave to finish', (s) => s.state === 'done');
    SCHEMAS['wave-status'].parse(done);
    expect(done.merge_queue).toEqual([]);
    const ended = done.items.map((i) => [i.beads, i.item_state, i.reason_code]);
    expect(ended).toEqual([
      [beads[0], 'landed', 'landed'],
      [beads[1], 'landed', 'landed'],
      [beads[2], 'failed', 'verify_failed'],
    ]);
    const report = await cliJson<WaveReportOutput>(['wave', 'report', '--fleet', redis.url, '--wave', String(wave)], {
      env: elsewhere,
    });
    SCHEMAS['wave-report'].parse(report);
    expect(report._code).toBe(3);
    const [one, two, three] = report.items.map((i) => i.delivery);
    expect(one).toMatchObject({ mode: 'merge', result: 'landed', ref: 'main' });
    expect(two).toMatchObject({ mode: 'merge', result: 'landed', ref: 'main' });
    expect(three).toMatchObject({ mode: 'merge', result: 'failed', reason_code: 'verify_failed' });
    // the remote's base: both landed items' files, not the failed one's, in a line ending at the last landing
    const files = git(remote, 'ls-tree', '--name-only', 'main');
    expect(files).toContain('merge-1.txt');
    expect(files).toContain('merge-2.txt');
    expect(files).not.toContain('merge-3.txt');
    expect(git(remote, 'rev-list', '--merges', '--count', 'main').trim()).toBe('0');
    const head = git(remote, 'rev-parse', 'main').trim();
    expect([one?.sha, two?.sha]).toContain(head);
    expect(git(remote, 'ls-tree', '--name-only', report.items[2].branch as string)).toContain('merge-3.txt');
    // nothing lost, nothing twice: each bead started and ended once
    const log = await fleetEvents(redis.url);
    for (const id of beads) {
      expect(log.filter((e) => e.beads === id && e.kind === 'started')).toHaveLength(1);
      expect(log.filter((e) => e.beads === id && e.kind === 'ended')).toHaveLength(1);
    }
  }, 420_000);

  it('wave stop --fleet ends its running items, nothing runs; resume runs them again, not the done one', async () => {
    const beads = ['bd-fs.1', 'bd-fs.2', 'bd-fs.3'];
    const dir = tmpDir('stop-wave');
    const manifest = path.join(dir, 'wave.yaml');
    const item = (b: string, stall: number) =>
      `  - beads: ${b}\n    prompt: "@mock stall ${stall}\\n@mock write stop-${b}.txt x\\n@mock say ok"\n`;
    fs.writeFileSync(
      manifest,
      `repo: ${remote}\nitems:\n${item(beads[0], 0)}${item(beads[1], 30)}${item(beads[2], 30)}`,
    );
    const started = await cliJson<WaveStatusOutput>(['wave', 'start', '--fleet', redis.url, '--manifest', manifest], {
      env: elsewhere,
    });
    const wave = started.wave;
    const args = ['--fleet', redis.url, '--wave', String(wave)];
    await waitState(
      wave,
      'the first item done, the others running',
      (s) => s.items[0].item_state === 'landed' && s.items.slice(1).every((i) => i.fleet_job?.state === 'running'),
      180_000,
    );
    const stopped = await cliJson<WaveStatusOutput>(['wave', 'stop', ...args], { env: elsewhere });
    expect(stopped).toMatchObject({ _code: 0, state: 'stopped' });
    expect(stopped.items.map((i) => [i.beads, i.item_state])).toEqual([
      [beads[0], 'landed'],
      [beads[1], 'stopped'],
      [beads[2], 'stopped'],
    ]);
    // nothing runs: the stopped items' runs ended on their hosts, and no job of theirs waits or runs
    const afterStop = await fleetEvents(redis.url);
    for (const id of beads.slice(1))
      expect(afterStop.filter((e) => e.beads === id).map((e) => [e.kind, e.detail])).toEqual([
        ['started', expect.any(String)],
        ['ended', 'manual_stop'],
      ]);
    const jobs = await cliJson<{ jobs: FleetJobOutput[] }>(['status', '--fleet', redis.url], { env: elsewhere });
    expect(jobs.jobs.filter((j) => beads.includes(j.beads) && ['queued', 'running'].includes(j.state))).toEqual([]);
    const again = await cli(['wave', 'stop', ...args], { env: elsewhere });
    expect(again.stderr).toMatch(/fleet wave \d+ is stopped; nothing to stop.*\(reason_code=wave_not_running\)/);

    const resumed = await cliJson<{ resumed: boolean }>(['wave', 'resume', ...args], { env: elsewhere });
    expect(resumed).toMatchObject({ _code: 0, resumed: true });
    const done = await waitState(wave, 'the resumed wave to finish', (s) => s.state === 'done');
    expect(done.items.map((i) => [i.beads, i.item_state, i.attempts])).toEqual([
      [beads[0], 'landed', 1],
      [beads[1], 'landed', 2],
      [beads[2], 'landed', 2],
    ]);
    // the done item was not launched again; each stopped one ran once more
    const log = await fleetEvents(redis.url);
    const starts = (b: string) => log.filter((e) => e.beads === b && e.kind === 'started').length;
    expect(beads.map(starts)).toEqual([1, 2, 2]);
  }, 420_000);

  it('3 items on two hosts, the driver host killed -9 mid-wave: every branch pushed, none launched twice', async () => {
    const beads = ['bd-fw.1', 'bd-fw.2', 'bd-fw.3'];
    const prompt = writePrompt(tmpDir('prompts'), '@mock stall 4\n@mock write out.txt done\n@mock say ok');
    const started = await cliJson<WaveStatusOutput>(
      ['wave', 'start', '--fleet', redis.url, '--items', beads.join(','), '--prompt-file', prompt, '--repo', remote],
      { env: elsewhere },
    );
    expect(started).toMatchObject({ _code: 0, state: 'running' });
    const wave = started.wave;
    // the driver runs on one host, and the items run
    const running = await waitFor(
      'the driver and an item to run',
      async () => {
        const s = await status(wave);
        return s.driver_host && s.items.some((i) => i.fleet_job?.state === 'running') ? s : undefined;
      },
      60_000,
    );
    const victim = workers.find((w) => w.host === running.driver_host) as FleetWorker;
    const survivor = workers.find((w) => w !== victim) as FleetWorker;
    process.kill(victim.child.pid as number, 'SIGKILL');

    const done = await waitFor(
      'the wave to finish',
      async () => {
        const s = await status(wave);
        return s.state === 'done' ? s : undefined;
      },
      300_000,
    );
    SCHEMAS['wave-status'].parse(done);
    expect(done.driver_host).toBe(survivor.host);
    // each item as a whole, so a failure says which item ended how
    const ended = done.items.map((i) => [i.beads, i.item_state, i.reason_code]);
    expect(ended).toEqual(beads.map((b) => [b, 'landed', expect.anything()]));
    const report = await cliJson<WaveReportOutput>(['wave', 'report', '--fleet', redis.url, '--wave', String(wave)], {
      env: elsewhere,
    });
    SCHEMAS['wave-report'].parse(report);
    expect(report._code).toBe(0);
    const branches = git(remote, 'branch', '--list', 'fleet/*');
    for (const it of report.items) {
      expect(it).toMatchObject({ state: 'landed', attempts: 1, fleet_job: { state: 'success' } });
      expect(branches).toContain(it.branch);
    }
    // launched once: one engine job per item; each bead ended once, and ran again only when its host was killed
    const jobs = await cliJson<{ jobs: FleetJobOutput[] }>(['status', '--fleet', redis.url], { env: elsewhere });
    for (const id of beads) expect(jobs.jobs.filter((j) => j.beads === id)).toHaveLength(1);
    const log = await fleetEvents(redis.url);
    for (const id of beads) {
      expect(log.filter((e) => e.beads === id && e.kind === 'ended')).toHaveLength(1);
      const starts = log.filter((e) => e.beads === id && e.kind === 'started');
      expect(starts.filter((e) => e.host === survivor.host).length).toBeLessThanOrEqual(1);
      if (starts.length > 1) expect(starts.map((e) => e.host)).toEqual([victim.host, survivor.host]);
    }
  }, 420_000);
});
