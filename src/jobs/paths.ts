import os from 'node:os';
import path from 'node:path';

/** `$DX_RUNNER_HOME`, else the XDG state directory. One SQLite file, job logs beside it. */
export function runnerHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DX_RUNNER_HOME) return path.resolve(env.DX_RUNNER_HOME);
  const xdgState = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(xdgState, 'dx-runner');
}

export interface JobFiles {
  dir: string;
  /** the agent's stdout (OpenCode: one JSON event per line) */
  out: string;
  /** the agent's stderr */
  err: string;
  /** `<exit code> <epoch seconds>`, written by the launch wrapper when the agent exits */
  rc: string;
}

export const filesIn = (dir: string): JobFiles => ({
  dir,
  out: path.join(dir, 'agent.out'),
  err: path.join(dir, 'agent.err'),
  rc: path.join(dir, 'rc'),
});

export const jobDir = (home: string, beads: string, runInstance: string) => path.join(home, 'jobs', beads, runInstance);
