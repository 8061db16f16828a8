import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../src/cli/schemas.js';
import type { FleetJobOutput, FleetStatusOutput } from '../../src/report/fleetSchemas.js';
import {
  CLI,
  cli,
  cliJson,
  groupMembers,
  makeRepo,
  sandbox,
  tmpDir,
  waitFor,
  writePrompt,
  type Sandbox,
} from '../helpers.js';
import { fleetEvents, startRedis, startWorker, type FleetWorker, type RedisServer } from '../fleetHelpers.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { stdio: 'pipe' }).toString();

/**
 * The fleet on one machine: a real redis-server, two `dx-runner worker` processes with their own homes as two
 * hosts, a bare repository as the shared remote, real opencode against the scripted model. Jobs are few: each
 * is a real agent run on a loaded two-core host.
 */
describe('the fleet', () => {
  let redis: RedisServer;
  let sb: Sandbox;
  let remote: string;
  let prompts: string;
  let a: FleetWorker;
  let b: FleetWorker;
  /** a third home: the commands run "from another host" */
  let elsewhere: NodeJS.ProcessEnv;

  beforeAll(async () => {
    redis = await startRedis();
    sb = await sandbox();
    prompts = tmpDir('prompts');
    const { repo } = makeRepo();
    remote = path.join(tmpDir('remote'), 'shared.git');
    git(repo, 'clone', '-q', '--bare', repo, remote);
    elsewhere = { ...sb.env, DX_RUNNER_HOME: tmpDir('elsewhere') };
    // the global cap: 2 opencode jobs at once, while the two hosts have 4 slots between them
    const caps = await cli(['fleet', 'caps', 'set', 'opencode', '--concurrency', '2', '--fleet', redis.url], {
      env: elsewhere,
    });
    expect(caps.code, caps.stderr).toBe(0);
    // opencode retries a 429 itself and only logs it: the supervisor fails the run rate limited after 2 of them
    const hostEnv = { ...sb.env, DX_RUNNER_PROVIDER_RETRY_LIMIT: '2' };
    a = startWorker(redis.url, 'host-a', hostEnv, sb.home, '--slots', '2');
    b = startWorker(redis.url, 'host-b', hostEnv, sb.home, '--slots', '2');
    await waitFor('both hosts alive', async () => {
      const s = await cliJson<FleetStatusOutput>(['fleet', 'status', '--fleet', redis.url], { env: elsewhere });
      return s.hosts.filter((h) => h.alive).length === 2 || undefined;
    });
  }, 240_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await sb?.close();
  }, 120_000);

  /** enqueues from the third home, the task in a file, on stdin (`--prompt-file -`) or inline (`--prompt`) */
  const enqueue = async (
    beads: string,
    task: string,
    via: 'file' | 'stdin' | 'inline' = 'file',
    ...flags: string[]
  ) => {
    const prompt =
      via === 'file'
        ? ['--prompt-file', writePrompt(prompts, task)]
        : via === 'stdin'
          ? ['--prompt-file', '-']
          : ['--prompt', task];
    const r = await cliJson<FleetJobOutput>(
      ['start', '--fleet', redis.url, '--beads', beads, ...prompt, '--repo', remote, ...flags],
      { env: elsewhere, input: via === 'stdin' ? task : undefined },
    );
    expect(r._code).toBe(0);
    return r;
  };
  const fleetJob = (beads: string) =>
    cliJson<FleetJobOutput>(['check', '--fleet', redis.url, '--beads', beads], { env: elsewhere });
  /** the job once a host runs it and has said which host it is */
  const runningOn = (beads: string) =>
    waitFor(
      `${beads} to run`,
      async () => {
        const j = await fleetJob(beads);
        return j.state === 'running' && j.host ? j : undefined;
      },
      180_000,
    );
  const ended = (beads: string, timeoutMs = 420_000) =>
    waitFor(
      `${beads} to end on the fleet`,
      async () => {
        const j = await fleetJob(beads);
        return ['queued', 'running'].includes(j.state) ? undefined : j;
      },
      timeoutMs,
    );
  const events = () => fleetEvents(redis.url);

  it('runs three jobs on two hosts, never more than the global cap of 2 at once; each branch is pushed', async () => {
    // the live view in a pipe: one line per change, until Ctrl-C
    const watch = spawn(process.execPath, [CLI, 'fleet', 'status', '--watch', '--fleet', redis.url], {
      env: elsewhere,
    });
    let watched = '';
    watch.stdout.on('data', (d: Buffer) => (watched += d.toString()));
    const beads = ['bd-fl.1', 'bd-fl.2', 'bd-fl.3'];
    // the task in a file, on stdin, inline: each reaches the agent (its file is on the pushed branch)
    const vias = ['file', 'stdin', 'inline'] as const;
    for (const [i, id] of beads.entries())
      await enqueue(id, `@mock stall 2\n@mock write ${id}.txt done\n@mock say ok`, vias[i]);
    // the same bead again is the same job
    const again = await enqueue('bd-fl.1', 'another task');
    expect(again).toMatchObject({ beads: 'bd-fl.1', added: false });
    const done = await Promise.all(beads.map((id) => ended(id)));
    for (const j of done) {
      SCHEMAS['fleet-job'].parse(j);
      expect(j).toMatchObject({ state: 'success', attempt: 1 });
      expect(j.delivery).toMatch(/^pushed to origin\//);
    }
    for (const id of beads) expect(git(remote, 'show', `fleet/${id}/a1:${id}.txt`).trim()).toBe('done');
    // the cap, from the fleet's event log: at no moment more than 2 jobs between a start and its end
    let running = 0;
    let most = 0;
    const log = (await events()).filter((e) => beads.includes(e.beads) && ['started', 'ended'].includes(e.kind));
    expect(log.filter((e) => e.kind === 'started')).toHaveLength(3);
    for (const e of log.sort((x, y) => x.at - y.at)) {
      running += e.kind === 'started' ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBeLessThanOrEqual(2);
    expect(new Set(log.map((e) => e.host)).size).toBeGreaterThanOrEqual(1);
    const status = await cliJson<FleetStatusOutput>(['fleet', 'status', '--fleet', redis.url], { env: elsewhere });
    SCHEMAS['fleet-status'].parse(status);
    expect(status.caps.find((c) => c.provider === 'opencode')).toMatchObject({ concurrency: 2 });
    // the watch printed the fleet once, then the changes: a host running a job, and idle again
    const exited = new Promise<number | null>((resolve) => watch.once('exit', (code) => resolve(code)));
    process.kill(watch.pid as number, 'SIGINT');
    expect(await exited).toBe(0);
    expect(watched.split('\n').filter((l) => l.startsWith('fleet '))).toHaveLength(1);
    expect(watched).toMatch(/^ {2}host-[ab] alive slots=2 running=[12] \(bd-fl\.\d/m);

    // logs from another home: the lines the owning host's `logs` shows, under a heading naming host and attempt
    const owner = [a, b].find((w) => w.host === done[0].host) as FleetWorker;
    const local = (await cli(['logs', '--beads', 'bd-fl.1', '--lines', '500'], { env: owner.env })).stdout;
    const fleetLogs = (lines: string) =>
      cli(['logs', '--fleet', redis.url, '--beads', 'bd-fl.1', '--lines', lines], { env: elsewhere });
    const all = await fleetLogs('500');
    expect(all.code, all.stderr).toBe(0);
    const [heading, ...shown] = all.stdout.trimEnd().split('\n');
    expect(heading).toBe(`== bd-fl.1 attempt 1 on ${owner.host} ==`);
    expect(shown.length).toBeGreaterThan(0);
    expect([...shown].sort()).toEqual(local.trimEnd().split('\n').sort());
    expect((await fleetLogs('1')).stdout.trimEnd().split('\n')).toEqual([heading, shown[shown.length - 1]]);
  }, 480_000);

  it('a job pinned to a host runs there; stop from another home ends it on that host', async () => {
    await enqueue('bd-fl.stop', '@mock stall 120\n@mock say never', 'file', '--host', 'host-b');
    const running = await runningOn('bd-fl.stop');
    expect(running).toMatchObject({ host: 'host-b', queue: 'host-host-b' });
    const started = (await events()).filter((e) => e.beads === 'bd-fl.stop' && e.kind === 'started');
    expect(started.map((e) => e.host)).toEqual(['host-b']);
    // following its logs from another home: it ends by itself once the job has ended
    const follow = spawn(process.execPath, [CLI, 'logs', '--fleet', redis.url, '--beads', 'bd-fl.stop', '--follow'], {
      env: elsewhere,
    });
    let followed = '';
    follow.stdout.on('data', (d: Buffer) => (followed += d.toString()));
    const followEnded = new Promise<number | null>((resolve) => follow.once('exit', (code) => resolve(code)));
    const stop = await cliJson<FleetJobOutput>(['stop', '--fleet', redis.url, '--beads', 'bd-fl.stop'], {
      env: elsewhere,
    });
    expect(stop).toMatchObject({ state: 'stopped', reason_code: 'manual_stop', host: running.host, _code: 0 });
    // the owning host's own record: its local job was ended by the stop
    const owner = [a, b].find((w) => w.host === running.host) as FleetWorker;
    const local = await cliJson(['check', '--beads', 'bd-fl.stop'], { env: owner.env });
    expect(local).toMatchObject({ reason_code: 'manual_stop' });
    expect(await followEnded).toBe(0);
    expect(followed).toMatch(/^(== bd-fl\.stop attempt 1 on host-b ==|\(no output from bd-fl\.stop yet: stopped\))\n/);
  }, 360_000);

  it("a 429 pauses the provider's queue for every host; the job is retried on it and succeeds", async () => {
    await enqueue('bd-fl.429', '@mock fail 429 2\n@mock write note.txt after the pause\n@mock say ok');
    const done = await ended('bd-fl.429');
    expect(done).toMatchObject({ state: 'success', attempt: 2, branch: 'fleet/bd-fl.429/a2' });
    const log = (await events()).filter((e) => e.beads === 'bd-fl.429');
    expect(log.map((e) => [e.kind, e.attempt])).toEqual([
      ['started', 1],
      ['rate_limited', 1],
      ['started', 2],
      ['ended', 2],
    ]);
    // the queue stayed paused for the first backoff (5 s) on both hosts: no host took the job again before
    expect(log[2].at - log[1].at).toBeGreaterThanOrEqual(5000);
  }, 480_000);

  it('a worker killed -9 mid-job: its run ends; it ends on the other host, Redis restarted meanwhile', async () => {
    await enqueue('bd-fl.kill', '@mock stall 25\n@mock write kill.txt done\n@mock say ok');
    const first = await runningOn('bd-fl.kill');
    const victim = [a, b].find((w) => w.host === first.host) as FleetWorker;
    const survivor = [a, b].find((w) => w !== victim) as FleetWorker;
    process.kill(victim.child.pid as number, 'SIGKILL');
    // the dead worker's run ends on its host by itself: its supervisor sees the worker gone and ends the agent's
    // group, so the job never runs on two hosts at once
    const lost = await waitFor('the first attempt to end on the dead host', async () => {
      const local = await cliJson<{ state: string; reason_code: string; pid: number }>(
        ['check', '--beads', 'bd-fl.kill'],
        { env: victim.env },
      );
      return local.reason_code === 'fleet_worker_lost' ? local : undefined;
    });
    await waitFor(
      'the agent group of the first attempt to be gone',
      async () => groupMembers(lost.pid).length === 0 || undefined,
    );
    // Redis restarted while the second attempt runs: the worker reconnects and nothing is lost
    await waitFor('the second attempt to run', async () => {
      const j = await fleetJob('bd-fl.kill');
      return j.state === 'running' && j.attempt === 2 ? j : undefined;
    });
    await redis.restart(2000);
    const done = await ended('bd-fl.kill', 300_000);
    expect(done).toMatchObject({ state: 'success', host: survivor.host, attempt: 2, branch: 'fleet/bd-fl.kill/a2' });
    expect(git(remote, 'branch', '--list', 'fleet/bd-fl.kill/*')).toContain('fleet/bd-fl.kill/a2');
    const listed = await cliJson<{ jobs: FleetJobOutput[] }>(['status', '--fleet', redis.url], { env: elsewhere });
    expect(listed.jobs.find((j) => j.beads === 'bd-fl.kill')).toMatchObject({ state: 'success', attempt: 2 });
    const survivorLog = fs.readFileSync(path.join(survivor.home, 'worker.log'), 'utf8');
    expect(survivorLog).toMatch(/engine: connection lost; reconnecting/);
    expect(survivorLog).toMatch(/engine: reconnected/);
    // the first attempt's worktree and branch stay on the host that died
    const kept = fs.readdirSync(path.join(victim.home, 'fleet', 'worktrees'));
    expect(kept).toContain('bd-fl.kill-a1');
    const log = (await events()).filter((e) => e.beads === 'bd-fl.kill' && e.kind === 'started');
    expect(log.map((e) => [e.host, e.attempt])).toEqual([
      [victim.host, 1],
      [survivor.host, 2],
    ]);
  }, 420_000);

  it('bad input: unreachable fleet, wrong password, unknown provider in caps, missing CLI; one line each', async () => {
    const locked = await startRedis('s3cret-pw');
    try {
      const wrong = await cli(['fleet', 'status', '--fleet', locked.url.replace('s3cret-pw', 'nope')], {
        env: elsewhere,
      });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/^dx-runner: .*refused the password.*\(reason_code=fleet_auth_failed\)\n$/);
      expect(wrong.stderr).not.toContain('nope');
    } finally {
      await locked.stop();
    }
    const gone = await cli(['fleet', 'status', '--fleet', 'redis://:pw@127.0.0.1:1'], { env: elsewhere });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^dx-runner: cannot reach .*\(reason_code=fleet_unreachable\)\n$/);
    expect(gone.stderr).not.toContain(':pw@');
    const caps = await cli(['fleet', 'caps', 'set', 'nope', '--concurrency', '2', '--fleet', redis.url], {
      env: elsewhere,
    });
    expect(caps.code).toBe(20);
    expect(caps.stderr).toMatch(/^dx-runner: unknown provider 'nope'.*\(reason_code=provider_not_found\)\n$/);
    const logs = await cli(['logs', '--fleet', redis.url, '--beads', 'bd-fl.none'], { env: elsewhere });
    expect(logs.code).toBe(1);
    expect(logs.stderr).toMatch(
      /^dx-runner: the fleet holds no job for bead bd-fl\.none.*reason_code=fleet_job_not_found/,
    );
    expect(logs.stderr.trim().split('\n')).toHaveLength(1);
    // a host without the provider's CLI is refused before it registers in the engine
    const bare = await cli(['worker', '--fleet', redis.url, '--host-id', 'host-bare', '--providers', 'gemini'], {
      env: { ...elsewhere, DX_RUNNER_GEMINI_BIN: path.join(prompts, 'no-such-gemini') },
    });
    expect(bare.code).toBe(21);
    expect(bare.stderr).toMatch(/^dx-runner: gemini binary '.*no-such-gemini' not found.*npm install -g /);
    expect(bare.stderr).toMatch(/\(reason_code=provider_binary_missing\)\n$/);
    expect(bare.stderr.split('\n')).toHaveLength(2);
    const hosts = await cliJson<FleetStatusOutput>(['fleet', 'status', '--fleet', redis.url], { env: elsewhere });
    expect(hosts.hosts.map((h) => h.host)).not.toContain('host-bare');
  }, 60_000);
});
