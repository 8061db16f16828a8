import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CLI_ENTRY as CLI } from '../../core/detached.js';
import { sleep } from '../../core/time.js';
import { withEngine } from '../../fleet/engine.js';
import { enqueue, fleetJobData } from '../../fleet/client.js';
import { fleetProgressSchema } from '../../fleet/data.js';
import { fleetJobId, providerQueue } from '../../fleet/names.js';
import { endedWithBench, git, median, type PerfSetup } from './kit.js';

/** A TCP port nobody listens on now (the kernel's pick on loopback). */
const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });

export const stopChild = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    process.kill(child.pid as number, 'SIGTERM');
  });

/** The p-th percentile (0–100) of the samples, nearest rank. */
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
};

/** A redis-server of its own for a bench case, its data in `<dir>/redis`, on a free loopback port. */
export async function benchRedis(dir: string): Promise<{ url: string; child: ChildProcess }> {
  fs.mkdirSync(path.join(dir, 'redis'), { recursive: true });
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', path.join(dir, 'redis')];
  const child = endedWithBench(
    spawn('redis-server', [...args, '--save', '', '--appendonly', 'yes'], { stdio: 'ignore' }),
  );
  await sleep(300); // redis-server listens within a few ms; the engine's connection retries nothing
  return { url: `redis://127.0.0.1:${port}`, child };
}

/**
 * A `dx-runner worker` for a bench case in a home of its own, with the model list the bench's home has cached
 * (when an earlier measurement made it); its output in `<logDir>/<host>.log`.
 */
export function benchWorker(
  url: string,
  host: string,
  home: string,
  env: NodeJS.ProcessEnv,
  slots: number,
  logDir: string,
): ChildProcess {
  const cache = path.join(env.DX_RUNNER_HOME as string, 'cache');
  if (fs.existsSync(cache)) fs.cpSync(cache, path.join(home, 'cache'), { recursive: true });
  const log = fs.openSync(path.join(logDir, `${host}.log`), 'a');
  const worker = spawn(process.execPath, [CLI, 'worker', '--fleet', url, '--host-id', host, '--slots', String(slots)], {
    env: { ...env, DX_RUNNER_HOME: home },
    stdio: ['ignore', log, log],
  });
  return endedWithBench(worker);
}

/**
 * Enqueue → agent spawned on an idle fleet: a redis-server of its own, one `dx-runner worker`, jobs enqueued one
 * at a time (each waits for the last to end). A sample is the time from the enqueue to the moment the host's
 * `startJob` returned with the agent spawned: taking the job, fetching the shared remote, the worktree, the
 * local start. The first job is a warm-up (the host's first clone), not counted.
 */
export async function fleetLatency({ base, env, prompt, emit }: PerfSetup, reps: number): Promise<void> {
  const dir = path.join(base, 'fleet');
  const redis = await benchRedis(dir);
  const { url } = redis;
  const remote = path.join(dir, 'shared.git');
  git(base, 'clone', '-q', '--bare', path.join(base, 'repo'), remote);
  let worker: ChildProcess | null = null;
  try {
    // its home directly under base: an interrupted bench ends its jobs too
    worker = benchWorker(url, 'bench', path.join(base, 'fleet-home'), env, 2, dir);
    const samples: number[] = [];
    await withEngine(url, async (engine) => {
      for (let r = 0; r <= reps; r++) {
        const beads = `bd-fleet.${r}`;
        const data = fleetJobData({ beads, promptFile: prompt, repo: remote }, Date.now());
        await enqueue(engine, data);
        const q = engine.queue(providerQueue('opencode'));
        for (;;) {
          const job = await q.getJob(fleetJobId(beads));
          if (job && (await job.isCompleted())) break;
          if (job && (await job.isFailed())) throw new Error(`bench: fleet job ${beads} failed: ${job.failedReason}`);
          const progress = fleetProgressSchema.safeParse(job?.progress);
          if (progress.success && samples.length < r) samples.push(progress.data.spawned_at - data.enqueuedAt);
          await sleep(20);
        }
      }
    });
    emit('fleet_spawn_p50_ms', median(samples));
    emit('fleet_spawn_p95_ms', percentile(samples, 95));
  } finally {
    if (worker) await stopChild(worker);
    await stopChild(redis.child);
  }
}
