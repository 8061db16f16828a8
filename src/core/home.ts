import os from 'node:os';
import path from 'node:path';

/** `$DX_RUNNER_HOME`, else the XDG state directory. One SQLite file, job logs beside it. */
export function runnerHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DX_RUNNER_HOME) return path.resolve(env.DX_RUNNER_HOME);
  const xdgState = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(xdgState, 'dx-runner');
}
