import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** dx-runner's own command line entry, for the processes it starts of itself. */
export const CLI_ENTRY = fileURLToPath(new URL('../cli/index.js', import.meta.url));

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
      env: { ...(o.env ?? process.env), DX_RUNNER_HOME: o.home },
    });
    child.unref();
    return child;
  } finally {
    fs.closeSync(log); // the child holds its own copy
  }
}
