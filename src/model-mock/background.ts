import fs from 'node:fs';
import path from 'node:path';
import { spawnSelfDetached } from '../core/detached.js';
import { DxError } from '../core/errors.js';
import { sleep } from '../core/time.js';
import { opencodeConfig, startMockModel } from './index.js';

/**
 * The scripted model served in the background for one dx-runner home (`mock-model start` / `stop`), so a
 * first job needs no second terminal: `<home>/mock-model/` holds where it listens and the `opencode.json`
 * that points OpenCode at it.
 */

export interface ServedMock {
  pid: number;
  url: string;
}

const dirOf = (home: string) => path.join(home, 'mock-model');
const stateFile = (home: string) => path.join(dirOf(home), 'server.json');

/** The variables that point OpenCode at the background model (for `eval "$(dx-runner mock-model start …)"`). */
export const mockEnv = (home: string): Record<string, string> => ({
  OPENCODE_CONFIG: path.join(dirOf(home), 'opencode.json'),
  OPENCODE_DISABLE_MODELS_FETCH: '1',
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The background model of this home, when its process is alive and answers. */
export async function servedMock(home: string): Promise<ServedMock | null> {
  let served: ServedMock;
  try {
    served = JSON.parse(fs.readFileSync(stateFile(home), 'utf8')) as ServedMock;
  } catch {
    return null;
  }
  if (!alive(served.pid)) return null;
  const answers = await fetch(`${served.url}/v1/models`, { signal: AbortSignal.timeout(2000) }).then(
    () => true,
    () => false,
  );
  return answers ? served : null;
}

/** Serves the model in the background (or finds the one already served) and writes its `opencode.json`. */
export async function startBackgroundMock(home: string, port: number): Promise<ServedMock> {
  const running = await servedMock(home);
  if (running) return running;
  fs.mkdirSync(dirOf(home), { recursive: true, mode: 0o700 });
  fs.rmSync(stateFile(home), { force: true });
  const log = path.join(dirOf(home), 'mock-model.log');
  const child = spawnSelfDetached('__mock-model', port, { home, log });
  for (let i = 0; i < 100; i++) {
    const served = await servedMock(home);
    if (served && served.pid === child.pid) {
      fs.writeFileSync(mockEnv(home).OPENCODE_CONFIG, JSON.stringify(opencodeConfig(served.url), null, 2));
      return served;
    }
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  if (child.pid && alive(child.pid)) process.kill(child.pid, 'SIGTERM');
  const why = fs.readFileSync(log, 'utf8').trim().split('\n').pop() || 'no message';
  throw new DxError('server_start_failed', `the scripted model did not start (${why}); see ${log}`);
}

/** The background process itself: serves until SIGTERM, with where it listens in the home. */
export async function serveInBackground(home: string, port: number): Promise<void> {
  const server = await startMockModel({ port });
  const served: ServedMock = { pid: process.pid, url: server.url };
  fs.writeFileSync(`${stateFile(home)}.tmp`, JSON.stringify(served));
  fs.renameSync(`${stateFile(home)}.tmp`, stateFile(home));
  await new Promise<void>((resolve) => {
    const stop = () => void server.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** Ends the background model of this home; null when none was running. */
export async function stopBackgroundMock(home: string): Promise<ServedMock | null> {
  const served = await servedMock(home);
  if (served) {
    process.kill(served.pid, 'SIGTERM');
    for (let i = 0; i < 50 && alive(served.pid); i++) await sleep(100);
    if (alive(served.pid)) process.kill(served.pid, 'SIGKILL');
  }
  fs.rmSync(stateFile(home), { force: true });
  return served;
}
