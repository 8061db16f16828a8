import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../src/cli/schemas.js';
import type { FleetJobOutput, FleetStatusOutput } from '../../src/report/fleetSchemas.js';
import { cli, cliJson, makeRepo, sandbox, tmpDir, waitFor, writePrompt, type Sandbox } from '../helpers.js';
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

  const enqueue = async (beads: string, task: string, ...flags: string[]) => {
    const prompt = writePrompt(prompts, task);
    const r = await cliJson<FleetJobOutput>(
      ['start', '--fleet', redis.url, '--beads', beads, '--prompt-file', prompt, '--repo', remote, ...flags],
      { env: elsewhere },
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
    const beads = ['bd-fl.1', 'bd-fl.2', 'bd-fl.3'];
    for (const id of beads) await enqueue(id, `@mock stall 2\n@mock write ${id}.txt done\n@mock say ok`);
    // the same bead again is the same job
    const again = await enqueue('bd-fl.1', 'another task');
    expect(again).toMatchObject({ beads: 'bd-fl.1', added: false });
    const done = await Promise.all(beads.map((id) => ended(id)));
    for (const j of done) {
      SCHEMAS['fleet-job'].parse(j);
      expect(j).toMatchObject({ state: 'success', attempt: 1 });
      expect(j.delivery).toMatch(/^pushed to origin\//);
    }
    const remoteBranches = git(remote, 'branch', '--list', 'fleet/*');
    for (const id of beads) expect(remoteBranches).toContain(`fleet/${id}/a1`);
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
  }, 480_000);

  it('stop from another home ends the job on the host that runs it', async () => {
    await enqueue('bd-fl.stop', '@mock stall 120\n@mock say never');
    const running = await runningOn('bd-fl.stop');
    const stop = await cliJson<FleetJobOutput>(['stop', '--fleet', redis.url, '--beads', 'bd-fl.stop'], {
      env: elsewhere,
    });
    expect(stop).toMatchObject({ state: 'stopped', reason_code: 'manual_stop', host: running.host, _code: 0 });
    // the owning host's own record: its local job was ended by the stop
    const owner = [a, b].find((w) => w.host === running.host) as FleetWorker;
    const local = await cliJson(['check', '--beads', 'bd-fl.stop'], { env: owner.env });
    expect(local).toMatchObject({ reason_code: 'manual_stop' });
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

  it('a worker killed -9 mid-job: the job finishes on the other host, the first attempt kept', async () => {
    await enqueue('bd-fl.kill', '@mock stall 25\n@mock write kill.txt done\n@mock say ok');
    const first = await runningOn('bd-fl.kill');
    const victim = [a, b].find((w) => w.host === first.host) as FleetWorker;
    const survivor = [a, b].find((w) => w !== victim) as FleetWorker;
    process.kill(victim.child.pid as number, 'SIGKILL');
    const done = await ended('bd-fl.kill', 300_000);
    expect(done).toMatchObject({ state: 'success', host: survivor.host, attempt: 2, branch: 'fleet/bd-fl.kill/a2' });
    expect(git(remote, 'branch', '--list', 'fleet/bd-fl.kill/*')).toContain('fleet/bd-fl.kill/a2');
    // the first attempt's worktree and branch stay on the host that died
    const kept = fs.readdirSync(path.join(victim.home, 'fleet', 'worktrees'));
    expect(kept).toContain('bd-fl.kill-a1');
    const log = (await events()).filter((e) => e.beads === 'bd-fl.kill' && e.kind === 'started');
    expect(log.map((e) => [e.host, e.attempt])).toEqual([
      [victim.host, 1],
      [survivor.host, 2],
    ]);
  }, 420_000);

  it('bad input: an unreachable fleet, a wrong password, an unknown provider in caps; one line each', async () => {
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
  }, 60_000);
});
