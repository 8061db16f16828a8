import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { VerifyResult } from '../store/index.js';

/** How long a verify command may run unless the job says otherwise. */
export const VERIFY_TIMEOUT_SEC = 600;

/** The verify command's output, kept in the run folder. */
export const verifyLogOf = (runDir: string) => path.join(runDir, 'verify.log');

export const VERIFY_SKIPPED: VerifyResult = { status: 'skipped', log: null, exit_code: null, timed_out: false };

/**
 * Runs the verify command in the worktree (`sh -c`), its stdout and stderr into verify.log. Past the timeout its
 * shell is killed (SIGKILL) and the run fails; the log ends with a line that says so.
 */
export function runVerify(cmd: string, worktree: string, runDir: string, timeoutSec: number): VerifyResult {
  const log = verifyLogOf(runDir);
  const fd = fs.openSync(log, 'w', 0o600);
  try {
    const r = spawnSync('sh', ['-c', cmd], {
      cwd: worktree,
      stdio: ['ignore', fd, fd],
      timeout: timeoutSec * 1000,
      killSignal: 'SIGKILL',
    });
    const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
    if (timedOut) fs.writeSync(fd, `\ndx-runner: the verify command ran past ${timeoutSec} s and was killed\n`);
    else if (r.error) fs.writeSync(fd, `\ndx-runner: the verify command could not run: ${r.error.message}\n`);
    const passed = !r.error && r.status === 0;
    return { status: passed ? 'passed' : 'failed', log, exit_code: r.status, timed_out: timedOut };
  } finally {
    fs.closeSync(fd);
  }
}
