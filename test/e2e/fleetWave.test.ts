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
