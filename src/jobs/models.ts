import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI_ENTRY } from '../core/detached.js';
import { readJsonFile, writeFileAtomic } from '../core/files.js';
import { step } from '../core/progress.js';
import { sleep } from '../core/time.js';
import type { ProviderAdapter } from '../providers/types.js';
import { readPassword, serverUrl } from '../server/index.js';
import type { Store } from '../store/index.js';

/**
 * The model-list cache: one file per provider in `<home>/cache`. A start reads it; a list older than
 * REFRESH_AFTER_MS is still used, and refreshed by a detached `dx-runner __list-models` for the next start, so
 * only the first start on a host (or after a change of binary or config, or a day unused) waits for a listing.
 */

/** A list older than this is refreshed in the background; the start that sees it still uses it. */
export const REFRESH_AFTER_MS = 5 * 60_000;
/** A list older than this is not trusted: start lists again before it decides. */
export const MAX_AGE_MS = 24 * 60 * 60_000;
/** A refresh that has not finished in this long is taken to have died: the next start may begin another. */
const REFRESH_GIVE_UP_MS = 2 * 60_000;
/**
 * The bounds of a start's listing and of its one retry: a listing has taken close to 30 s on a busy host, and one
 * cut short leaves the start without its model check.
 */
export const LIST_BOUNDS_MS = [60_000, 150_000] as const;

/** Pure: a listing start can decide on. An empty list is a listing that went wrong, not a provider with no models. */
export const usableListing = (models: string[] | null): string[] | null => (models?.length ? models : null);

export interface CachedModels {
  key: string;
  at: number;
  models: string[];
}

/** What a start does with the cache: use it, use it and refresh it in the background, or list first (and why). */
export type CacheAction = { use: true; refresh: boolean } | { use: false; why: string };

/** Pure: the cache's verdict for a start at `now` that needs the list for `key`. */
export function cacheAction(cached: CachedModels | null, key: string, now: number): CacheAction {
  if (!cached) return { use: false, why: 'first start on this host' };
  if (cached.key !== key) return { use: false, why: 'the binary or its config changed' };
  const age = now - cached.at;
  if (age > MAX_AGE_MS) return { use: false, why: 'the last list is over a day old' };
  return { use: true, refresh: age > REFRESH_AFTER_MS };
}

/** What the list depends on: the binary, and the config file by name and modification time. */
export function modelsKey(binary: string, env: NodeJS.ProcessEnv): string {
  const config = env.OPENCODE_CONFIG ?? '';
  return JSON.stringify([binary, config, config && fs.existsSync(config) ? fs.statSync(config).mtimeMs : 0]);
}

const cacheFile = (home: string, provider: string) => path.join(home, 'cache', `${provider}-models.json`);

const readCache = (file: string) => readJsonFile<CachedModels>(file);

/** Concurrent writers each rename a whole file of their own. */
const writeCache = (file: string, cached: CachedModels) => writeFileAtomic(file, JSON.stringify(cached));

/** The list from the managed server when it runs this binary, else from the provider's CLI. */
async function listNow(
  store: Store,
  home: string,
  adapter: ProviderAdapter,
  binary: string,
  env: NodeJS.ProcessEnv,
  announce: string | null,
  boundMs: number = LIST_BOUNDS_MS[0],
): Promise<string[] | null> {
  const server = adapter.cli === 'opencode' ? store.servers.active() : null;
  const viaServer = server !== null && server.binary === binary;
  const list = async () => {
    if (viaServer) {
      const { serverModels } = await import('../server/models.js'); // the SDK, only for this
      let password: string | undefined;
      try {
        password = readPassword(home);
      } catch {
        password = undefined;
      }
      const models = await serverModels(serverUrl(server), password, boundMs);
      if (models?.length) return models;
    }
    return usableListing(
      await (adapter.listModels as NonNullable<ProviderAdapter['listModels']>)(binary, env, boundMs),
    );
  };
  if (!announce) return list();
  // a listing takes seconds (~25 s on a busy host): say so at once, and how long it took
  const from = viaServer ? ' from the managed server' : '';
  return step(`listing ${adapter.name} models${from} (${announce})`, list, { afterMs: 0 });
}

/** Starts a detached refresh of the list unless one is under way. */
function refreshInBackground(home: string, provider: string, binary: string, env: NodeJS.ProcessEnv) {
  const marker = `${cacheFile(home, provider)}.refreshing`;
  try {
    fs.writeFileSync(marker, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch {
    try {
      if (Date.now() - fs.statSync(marker).mtimeMs < REFRESH_GIVE_UP_MS) return;
      fs.writeFileSync(marker, String(process.pid));
    } catch {
      return; // the refresh just ended: the list is fresh
    }
  }
  spawn(process.execPath, [CLI_ENTRY, '__list-models', provider, binary], {
    detached: true,
    stdio: 'ignore',
    env: { ...env, DX_RUNNER_HOME: home },
  }).unref();
}

/**
 * The models a provider offers, as start checks the job's model against them: from the cache (refreshed in the
 * background when it ages), else listed now, saying so on stderr, and listed once more with a longer bound when
 * that fails. null when it still cannot tell (a failed listing is never cached: the next start asks again; start
 * goes on and records a `model_check_unavailable` warning), undefined when the provider has none to list.
 */
export async function knownModels(
  { store, home }: { store: Store; home: string },
  adapter: ProviderAdapter,
  binary: string,
  env: NodeJS.ProcessEnv,
): Promise<string[] | null | undefined> {
  if (!adapter.listModels) return undefined;
  const file = cacheFile(home, adapter.name);
  const key = modelsKey(binary, env);
  const cached = readCache(file);
  const action = cacheAction(cached, key, Date.now());
  if (action.use) {
    if (action.refresh) refreshInBackground(home, adapter.name, binary, env);
    return (cached as CachedModels).models;
  }
  return oneListingAtATime(file, key, adapter.name, async () => {
    const models =
      (await listNow(store, home, adapter, binary, env, action.why, LIST_BOUNDS_MS[0])) ??
      (await listNow(store, home, adapter, binary, env, 'the first listing failed: once more', LIST_BOUNDS_MS[1]));
    if (models) writeCache(file, { key, at: Date.now(), models });
    return models;
  });
}

/** A listing lock older than both bounds together belongs to a start that is gone. */
const LISTING_LOCK_STALE_MS = LIST_BOUNDS_MS[0] + LIST_BOUNDS_MS[1];

/** Is the listing lock held by a live process that took it within the bounds? */
function listingLockHeld(lock: string): boolean {
  try {
    if (Date.now() - fs.statSync(lock).mtimeMs > LISTING_LOCK_STALE_MS) return false;
    process.kill(Number(fs.readFileSync(lock, 'utf8')), 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the listing lock; true also when no lock can be written at all (then this start lists unlocked). */
function takeListingLock(lock: string): boolean {
  for (let tries = 0; tries < 2; tries++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return true;
      if (listingLockHeld(lock)) return false;
      fs.rmSync(lock, { force: true }); // its holder is gone: take it over
    }
  }
  return false;
}

/**
 * One foreground listing per provider and state home at a time: starts launched together on a fresh host wait for
 * the listing under way and take its result, instead of each running its own (seconds of CPU each). When that
 * listing fails or its start dies, the next waiter lists.
 */
export async function oneListingAtATime(
  file: string,
  key: string,
  provider: string,
  listAndCache: () => Promise<string[] | null>,
): Promise<string[] | null> {
  const lock = `${file}.listing`;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  for (;;) {
    if (takeListingLock(lock)) {
      try {
        return await listAndCache();
      } finally {
        fs.rmSync(lock, { force: true });
      }
    }
    const listed = await step(
      `waiting for another start's listing of ${provider} models`,
      async () => {
        for (;;) {
          const cached = readCache(file);
          if (cached && cacheAction(cached, key, Date.now()).use) return cached.models;
          if (!listingLockHeld(lock)) return null;
          await sleep(200);
        }
      },
      { afterMs: 0 },
    );
    if (listed) return listed;
  }
}

/** `dx-runner __list-models <provider> <binary>`: the background refresh (lists, writes the cache, quietly). */
export async function refreshModels(
  store: Store,
  home: string,
  adapter: ProviderAdapter,
  binary: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const file = cacheFile(home, adapter.name);
  try {
    const models = await listNow(store, home, adapter, binary, env, null);
    if (models) writeCache(file, { key: modelsKey(binary, env), at: Date.now(), models });
  } finally {
    fs.rmSync(`${file}.refreshing`, { force: true });
  }
}
