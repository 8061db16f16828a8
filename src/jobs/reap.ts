import fs from 'node:fs';
import { sleep } from '../core/time.js';
import { isAlive, KILL_WAIT_MS, terminateGroup } from './process.js';
import { RUN_MARKER } from '../core/detached.js';

/** One live process as /proc shows it: its parent, its group and the run marker it carries (if any). */
export interface ProcRow {
  pid: number;
  ppid: number;
  pgid: number;
  run: string | null;
}

/**
 * Pure: the processes of a run in a process table — every one carrying its marker, the roots (the run's wrapper,
 * alive when the ending began) and the members of their process groups, and all their descendants — never `self`
 * (the process ending the run may carry the marker). A root's group stays ours after the root died: the kernel
 * gives no new process that number while a group of it has members.
 */
export function runMembers(table: readonly ProcRow[], instance: string, roots: number[], self: number): ProcRow[] {
  const children = new Map<number, ProcRow[]>();
  for (const row of table) children.set(row.ppid, [...(children.get(row.ppid) ?? []), row]);
  const byPid = new Map(table.map((r) => [r.pid, r]));
  const found = new Map<number, ProcRow>();
  const stack = [
    ...table.filter((r) => r.run === instance),
    ...roots.flatMap((pid) => (byPid.has(pid) ? [byPid.get(pid) as ProcRow] : [])),
    ...table.filter((r) => roots.includes(r.pgid)),
  ];
  while (stack.length) {
    const row = stack.pop() as ProcRow;
    if (found.has(row.pid)) continue;
    found.set(row.pid, row);
    stack.push(...(children.get(row.pid) ?? []));
  }
  found.delete(self);
  found.delete(1);
  return [...found.values()];
}

function procRow(pid: number): ProcRow | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone meanwhile
  }
  // the command name (field 2) may hold spaces and parentheses: the fields start after its closing paren
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (f[0] === 'Z' || f[0] === 'X') return null; // exited, only not yet reaped
  let run: string | null = null;
  try {
    const env = fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
    run = env.find((e) => e.startsWith(`${RUN_MARKER}=`))?.slice(RUN_MARKER.length + 1) ?? null;
  } catch {
    // another user's process, or a kernel thread: no marker of ours
  }
  return { pid, ppid: Number(f[1]), pgid: Number(f[2]), run };
}

/** Every live process on the host, or null where /proc cannot be read (not Linux). */
export function readProcTable(): ProcRow[] | null {
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return null;
  }
  if (!names.includes('self')) return null;
  return names.flatMap((n) => (/^\d+$/.test(n) ? [procRow(Number(n))].filter((r) => r !== null) : []));
}

/** What is left of a run: the pids carrying its marker and their descendants (empty once it is wholly ended). */
export function runLeftovers(instance: string): number[] {
  return runMembers(readProcTable() ?? [], instance, [], process.pid).map((r) => r.pid);
}

export interface RunRef {
  runInstance: string;
  pid: number | null;
  pidStart: string | null;
}

export interface RunEnded {
  /** processes of the run found and signalled */
  processes: number;
  /** of those, the ones outside the wrapper's process group (a group kill alone would have missed them) */
  outsideGroup: number;
  /** processes still carrying the marker when it gave up (0 unless one could not be killed) */
  left: number;
}

const signal = (pids: Iterable<number>, sig: NodeJS.Signals) => {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // gone meanwhile
    }
  }
};

/**
 * Ends every process of a run, whatever group or session it moved to. Each is stopped (SIGSTOP) as it is found,
 * and the walk repeats until it finds none new, so nothing forks past it; then `whileFrozen` runs (abort what
 * the run has elsewhere, like a session on a server), then TERM (and CONT, so it is delivered), a grace, and KILL
 * for whatever is left or new, until none is left. Where /proc cannot be read, the wrapper's group is ended.
 */
export async function endRun(run: RunRef, graceMs = 3000, whileFrozen?: () => Promise<void>): Promise<RunEnded> {
  const root = run.pid && isAlive(run.pid, run.pidStart) ? run.pid : null;
  const scan = () => {
    const table = readProcTable();
    return table && runMembers(table, run.runInstance, root ? [root] : [], process.pid);
  };
  if (!scan()) {
    await whileFrozen?.();
    if (root) await terminateGroup(root, graceMs);
    return { processes: root ? 1 : 0, outsideGroup: 0, left: 0 };
  }
  const found = new Map<number, ProcRow>();
  const freezeNew = () => {
    const members = scan() ?? [];
    const fresh = members.filter((r) => !found.has(r.pid));
    for (const r of fresh) found.set(r.pid, r);
    signal(
      fresh.map((r) => r.pid),
      'SIGSTOP',
    );
    return { members, fresh: fresh.length };
  };
  for (let i = 0; i < 20 && freezeNew().fresh > 0; i++);
  await whileFrozen?.();
  const pids = [...found.keys()];
  signal(pids, 'SIGTERM');
  signal(pids, 'SIGCONT');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (scan() ?? []).length > 0) await sleep(50);
  let left = freezeNew().members;
  // a killed process is gone only once the kernel has torn it down: for a large agent on a loaded host that takes
  // seconds, and the promise is that nothing of the run lives when this returns
  const killDeadline = Date.now() + KILL_WAIT_MS;
  while (left.length > 0 && Date.now() < killDeadline) {
    signal(
      left.map((r) => r.pid),
      'SIGKILL',
    );
    await sleep(25);
    left = freezeNew().members;
  }
  const outsideGroup = [...found.values()].filter((r) => r.pgid !== run.pid).length;
  return { processes: found.size, outsideGroup, left: left.length };
}
