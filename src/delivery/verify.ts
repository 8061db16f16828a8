import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { VerifyResult } from '../store/index.js';

/** How long a verify command may run unless the job says otherwise. */
export const VERIFY_TIMEOUT_SEC = 600;

/** The verify command's output, kept in the run folder. */
export const verifyLogOf = (runDir: string) => path.join(runDir, 'verify.log');

export const VERIFY_SKIPPED: VerifyResult = { status: 'skipped', log: null, exit_code: null, timed_out: false };

/** How long a verify command's processes get between SIGTERM and SIGKILL once it ran past its timeout. */
const KILL_AFTER_SEC = 5;
/** `timeout`'s exit status when it ended the command with SIGTERM. */
const TIMED_OUT_STATUS = 124;

/**
 * Runs the verify command in the worktree (`sh -c`), its stdout and stderr into verify.log. Past the timeout every
 * process it started is ended, not only its shell: coreutils' `timeout` runs it in a process group of its own and
 * signals that whole group (SIGTERM, then SIGKILL after a grace). The run then fails; the log ends with a line
 * that says so.
 */
export function runVerify(cmd: string, worktree: string, runDir: string, timeoutSec: number): VerifyResult {
  const log = verifyLogOf(runDir);
  const fd = fs.openSync(log, 'w', 0o600);
  try {
    const started = Date.now();
    const r = spawnSync('timeout', [`--kill-after=${KILL_AFTER_SEC}`, String(timeoutSec), 'sh', '-c', cmd], {
      cwd: worktree,
      stdio: ['ignore', fd, fd],
      // a backstop should `timeout` itself hang
      timeout: (timeoutSec + KILL_AFTER_SEC + 5) * 1000,
      killSignal: 'SIGKILL',
    });
    // 124: ended by SIGTERM; 137: by the SIGKILL after the grace (a command that exits so by itself is early)
    const pastTimeout = Date.now() - started >= timeoutSec * 1000;
    const timedOut =
      (pastTimeout && (r.status === TIMED_OUT_STATUS || r.status === 128 + 9)) ||
      (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
    if (timedOut) fs.writeSync(fd, `\ndx-runner: the verify command ran past ${timeoutSec} s and was killed\n`);
    else if (r.error) fs.writeSync(fd, `\ndx-runner: the verify command could not run: ${r.error.message}\n`);
    const passed = !r.error && r.status === 0;
    return { status: passed ? 'passed' : 'failed', log, exit_code: r.status, timed_out: timedOut };
  } finally {
    fs.closeSync(fd);
  }
}
