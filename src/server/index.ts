import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSelfDetached } from '../core/detached.js';
import { DxError } from '../core/errors.js';
import { step } from '../core/progress.js';
import { sleep } from '../core/time.js';
import { isAlive, processStartTime, terminateGroup } from '../jobs/process.js';
import type { ServerRecord, Store } from '../store/index.js';
import { resolveOpencodeBinary } from '../providers/opencode.js';

/** OpenCode's basic-auth user name when only OPENCODE_SERVER_PASSWORD is set. */
const SERVER_USER = 'opencode';

export const serverDir = (home: string) => path.join(home, 'server');
export const passwordFile = (home: string) => path.join(serverDir(home), 'password');

/** 127.0.0.0/8, ::1 and localhost: the only addresses a server binds to unless asked otherwise. */
export const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);

export const serverUrl = (s: Pick<ServerRecord, 'hostname' | 'port'>) =>
  `http://${s.hostname.includes(':') ? `[${s.hostname}]` : s.hostname}:${s.port}`;

export const readPassword = (home: string) => fs.readFileSync(passwordFile(home), 'utf8').trim();

export const authHeader = (password: string) => `Basic ${Buffer.from(`${SERVER_USER}:${password}`).toString('base64')}`;

/** GET /global/health with the server's credentials: `{healthy, version}` or null when it does not answer. */
export async function probeHealth(
  url: string,
  password: string,
  timeoutMs = 2000,
): Promise<{ healthy: boolean; version?: string } | null> {
  try {
    const r = await fetch(`${url}/global/health`, {
      headers: { authorization: authHeader(password) },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!r.ok) return null;
    return (await r.json()) as { healthy: boolean; version?: string };
  } catch {
    return null;
  }
}

export interface ServeOptions {
  hostname: string;
  port: number;
  allowRemote: boolean;
  binary?: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Starts the host's managed `opencode serve` under a keeper process that restarts it if it dies.
 * Idempotent: a healthy managed server is returned as it is.
 */
export async function startServer(store: Store, home: string, o: ServeOptions): Promise<ServerRecord> {
  if (!isLoopback(o.hostname) && !o.allowRemote) {
    throw new DxError(
      'non_loopback_refused',
      `refusing to bind ${o.hostname}: the server would be reachable from other hosts; use 127.0.0.1, or ` +
        'pass --allow-remote on purpose',
    );
  }
  const current = store.servers.active();
  if (current && isAlive(current.keeperPid, current.keeperStart)) return current;
  if (current) store.servers.end(current.id); // its keeper is gone: a leftover

  fs.mkdirSync(serverDir(home), { recursive: true, mode: 0o700 });
  // a fresh secret per server, readable by its owner only
  fs.writeFileSync(passwordFile(home), crypto.randomBytes(24).toString('base64url'), { mode: 0o600 });
  const id = store.servers.insert({
    hostname: o.hostname,
    port: o.port,
    binary: resolveOpencodeBinary(o.binary, o.env),
    startedAt: Date.now(),
  });
  const keeper = spawnSelfDetached('__serve-keeper', id, {
    home,
    log: path.join(serverDir(home), 'keeper.log'),
    env: o.env,
  });
  store.servers.setKeeper(id, keeper.pid as number, processStartTime(keeper.pid as number));

  const url = serverUrl(o);
  const password = readPassword(home);
  return step(`starting opencode serve on ${url}`, async () => {
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      if ((await probeHealth(url, password))?.healthy) return store.servers.get(id) as ServerRecord;
      if (!isAlive(keeper.pid as number, null)) break;
      await sleep(250);
    }
    await stopServer(store);
    const log = path.join(serverDir(home), 'serve.log');
    throw new DxError(
      'server_start_failed',
      `opencode serve did not become healthy on ${url}; see ${log} (is port ${o.port} free?)`,
    );
  });
}

export async function stopServer(store: Store): Promise<ServerRecord | null> {
  const s = store.servers.active();
  if (!s) return null;
  store.servers.end(s.id); // first, so the keeper does not restart what we stop
  if (s.keeperPid) await terminateGroup(s.keeperPid);
  return store.servers.get(s.id);
}

/**
 * The keeper: owns `opencode serve` as a child in its own process group, restarts it when it dies
 * (at most 5 times a minute), records each pid, and ends it on TERM.
 */
export async function keepServer(store: Store, home: string, id: number): Promise<void> {
  const s = store.servers.get(id);
  if (!s) return;
  const log = fs.openSync(path.join(serverDir(home), 'serve.log'), 'a', 0o600);
  let child: ChildProcess | null = null;
  let stopping = false;
  process.on('SIGTERM', () => {
    stopping = true;
    child?.kill('SIGTERM');
  });
  const recent: number[] = [];
  let spawned = 0;
  while (!stopping && store.servers.get(id)?.active) {
    child = spawn(s.binary, ['serve', '--hostname', s.hostname, '--port', String(s.port)], {
      stdio: ['ignore', log, log],
      env: { ...process.env, OPENCODE_SERVER_PASSWORD: readPassword(home) },
    });
    if (child.pid) store.servers.setPid(id, child.pid, spawned++ > 0);
    await new Promise<void>((resolve) => child!.once('exit', () => resolve()));
    if (stopping || !store.servers.get(id)?.active) break;
    const now = Date.now();
    recent.push(now);
    while (recent.length && now - recent[0] > 60_000) recent.shift();
    if (recent.length > 5) {
      store.servers.end(id);
      break;
    }
    fs.writeSync(log, `[dx-runner] opencode serve exited; restarting\n`);
    await sleep(500);
  }
}
