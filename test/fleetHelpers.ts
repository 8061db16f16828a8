import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { sleep } from '../src/core/time.js';
import { CLI, freePort, tmpDir, waitFor } from './helpers.js';

/**
 * A real redis-server (Debian's) on a free loopback port with a directory of its own (its append-only file
 * there), stopped by its PID; `restart` stops it and starts it again on the same port from that file.
 */
export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
  restart(downMs: number): Promise<void>;
}

export async function startRedis(password?: string): Promise<RedisServer> {
  const port = await freePort();
  const dir = tmpDir('redis');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'];
  if (password) args.push('--requirepass', password);
  const url = `redis://${password ? `:${password}@` : ''}127.0.0.1:${port}`;
  const launch = async () => {
    const log = fs.openSync(path.join(dir, 'log'), 'a');
    const child = spawn('redis-server', args, { stdio: ['ignore', log, 'inherit'] });
    await waitFor('redis-server to answer', async () => {
      const r = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      r.on('error', () => undefined);
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } catch {
        return undefined;
      } finally {
        r.disconnect();
      }
    });
    return child;
  };
  let child = await launch();
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      process.kill(child.pid as number, 'SIGTERM');
    });
  return {
    url,
    port,
    dir,
    stop,
    restart: async (downMs) => {
      await stop();
      await sleep(downMs);
      child = await launch();
    },
  };
}

/** A `dx-runner worker` process: one host of the fleet, with its own home; its output in `<home>/worker.log`. */
export interface FleetWorker {
  host: string;
  home: string;
  env: NodeJS.ProcessEnv;
  child: ChildProcess;
  /** SIGTERM, and wait for it to exit */
  stop(): Promise<void>;
}

/** A worker in a home of its own, its model cache copied from the `seed` home. */
export function startWorker(
  url: string,
  host: string,
  baseEnv: NodeJS.ProcessEnv,
  seed: string,
  ...flags: string[]
): FleetWorker {
  const home = tmpDir(`host-${host}`);
  if (fs.existsSync(path.join(seed, 'cache')))
    fs.cpSync(path.join(seed, 'cache'), path.join(home, 'cache'), { recursive: true });
  const env = { ...baseEnv, DX_RUNNER_HOME: home };
  const log = fs.openSync(path.join(home, 'worker.log'), 'a');
  const child = spawn(process.execPath, [CLI, 'worker', '--fleet', url, '--host-id', host, ...flags], {
    env,
    stdio: ['ignore', log, log],
  });
  return {
    host,
    home,
    env,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        process.kill(child.pid as number, 'SIGTERM');
      }),
  };
}

/** One line of the fleet's event log, as the tests read it. */
export interface FleetEventLine {
  kind: string;
  host: string;
  beads: string;
  at: number;
  attempt: number;
  detail?: string;
}

/** The fleet's event log (a job started or ended on a host), read straight from Redis. */
export async function fleetEvents(url: string): Promise<FleetEventLine[]> {
  const r = new Redis(url);
  try {
    return (await r.lrange('dxfleet:events', 0, -1)).map((l) => JSON.parse(l) as FleetEventLine);
  } finally {
    r.disconnect();
  }
}
