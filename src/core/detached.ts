import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** dx-runner's own command line entry, for the processes it starts of itself. */
export const CLI_ENTRY = fileURLToPath(new URL('../cli/index.js', import.meta.url));

/**
 * The variable the launch sets (`jobs/launch.ts`) to the run instance in the agent's environment, so every
 * process of a run can be found and ended (`jobs/reap.ts`). The process group is not enough: OpenCode runs each
 * shell tool call in a session and group of its own, and an agent's command can `setsid` too. The parent tree is
 * not enough either: a process whose parent died is reparented away from the run. The environment survives both
 * (a program sees its own at /proc/<pid>/environ); one that clears it is still caught through its parent while
 * that lives. A cgroup would be exact, but an ordinary user session cannot count on a delegated cgroup tree;
 * this needs only /proc.
 */
export const RUN_MARKER = 'DX_RUNNER_RUN';

/**
 * Starts `dx-runner <command> <id>` (a hidden command: the job supervisor, the wave driver, the server
 * keeper) detached: in its own session and process group, so it outlives the command that started it and
 * a terminal's signals do not reach it. It works on the state under `home`; its stderr is appended to `log`
 * (readable by the owner only), nothing reads or shows its stdin and stdout. The child is unref'd: the
 * caller does not wait for it.
 */
export function spawnSelfDetached(
  command: string,
  id: number,
  o: { home: string; log: string; env?: NodeJS.ProcessEnv },
): ChildProcess {
  const log = fs.openSync(o.log, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [CLI_ENTRY, command, String(id)], {
      detached: true,
      stdio: ['ignore', 'ignore', log],
      // a dx-runner an agent started (a job of its own, a server) is not part of the agent's run: unmarked
      env: { ...(o.env ?? process.env), DX_RUNNER_HOME: o.home, [RUN_MARKER]: undefined },
    });
    child.unref();
    return child;
  } finally {
    fs.closeSync(log); // the child holds its own copy
  }
}
