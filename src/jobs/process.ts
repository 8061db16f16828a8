import fs from 'node:fs';
import { sleep } from '../core/time.js';
import type { FleetWorkerRef } from '../store/index.js';

/**
 * The kernel's start time of a process (field 22 of /proc/<pid>/stat), so a recycled PID is never
 * mistaken for our job. null where /proc is absent (then liveness falls back to kill(pid, 0)).
 */
export function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may contain spaces and parentheses: split after its closing paren
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return null; // a zombie has exited
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** Is `pid` the live supervisor of job `jobId` (its command line says so), not a process that reused its PID? */
export function isSupervisorOf(pid: number | null, jobId: number): boolean {
  if (!pid) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`__supervise\0${jobId}\0`);
  } catch {
    return false;
  }
}

/**
 * Pure: has a run lost the fleet worker it runs for (src/fleet)? `startNow` is the kernel's start time of the worker's
 * PID now (null: no such process). Gone, or its PID reused by another process (another start time): the engine
 * will give the job to another host, so the run must end here. A local job (no worker) never has.
 */
export const workerLost = (worker: FleetWorkerRef | undefined, startNow: string | null): boolean =>
  worker !== undefined && startNow !== worker.start;

export function isAlive(pid: number | null, startTime: string | null): boolean {
  if (!pid) return false;
  if (fs.existsSync('/proc/self/stat')) {
    const now = processStartTime(pid);
    return now !== null && (startTime === null || now === startTime);
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** KILL a process group at once, where no grace is owed (a launch undone before its agent did anything). */
export const endGroupNow = (pgid: number): void => void signalGroup(pgid, 'SIGKILL');

/** How long a killed process may take to be torn down before the caller gives up on it. */
export const KILL_WAIT_MS = 10_000;

/** TERM the whole process group (the agent and everything it spawned), KILL what is left after the grace. */
export async function terminateGroup(pgid: number, graceMs = 3000): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return;
    await sleep(50);
  }
  signalGroup(pgid, 'SIGKILL');
  // a killed process is gone only once the kernel has torn it down: for a large agent on a loaded host that has
  // taken over a second, and the caller's promise is that nothing of the job runs when this returns
  for (let i = 0; i < KILL_WAIT_MS / 25 && groupAlive(pgid); i++) await sleep(25);
}

/** Clock ticks per second for /proc CPU fields (USER_HZ: 100 on every mainstream Linux build). */
const CLK_TCK = 100;

function statFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU seconds (user + system) used by a process and all its live descendants, and by the children
 * they already reaped. Walks /proc/<pid>/task/<pid>/children: no full /proc scan per sample.
 * null where /proc is unavailable.
 */
export function treeCpuSeconds(rootPid: number): number | null {
  if (!statFields(rootPid)) return null;
  let ticks = 0;
  const seen = new Set<number>();
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const f = statFields(pid);
    if (!f) continue;
    // fields after the command: utime 11, stime 12, cutime 13, cstime 14 (0-based)
    ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    stack.push(...childrenOf(pid));
  }
  return ticks / CLK_TCK;
}
