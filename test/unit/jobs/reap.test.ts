import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processStartTime } from '../../../src/jobs/process.js';
import { RUN_MARKER } from '../../../src/core/detached.js';
import { endRun, runLeftovers, runMembers, type ProcRow } from '../../../src/jobs/reap.js';
import { waitFor } from '../../helpers.js';

const RUN = 'r1';
/** a host: init, a login shell, a run's wrapper (100) with opencode (101) and its shell tool call in a session
 * of its own (102, 103); a reparented `setsid` leftover (200, under init); another run (300); the stopper (400) */
const table: ProcRow[] = [
  { pid: 1, ppid: 0, pgid: 1, run: null },
  { pid: 50, ppid: 1, pgid: 50, run: null },
  { pid: 100, ppid: 1, pgid: 100, run: RUN },
  { pid: 101, ppid: 100, pgid: 100, run: RUN },
  { pid: 102, ppid: 101, pgid: 102, run: RUN },
  { pid: 103, ppid: 102, pgid: 102, run: RUN },
  { pid: 104, ppid: 101, pgid: 104, run: null }, // started with a cleared environment
  { pid: 105, ppid: 104, pgid: 104, run: null },
  { pid: 106, ppid: 1, pgid: 100, run: null }, // in the wrapper's group, cleared environment, its parent gone
  { pid: 200, ppid: 1, pgid: 200, run: RUN },
  { pid: 201, ppid: 200, pgid: 200, run: null },
  { pid: 300, ppid: 1, pgid: 300, run: 'r2' },
  { pid: 301, ppid: 300, pgid: 300, run: 'r2' },
  { pid: 400, ppid: 50, pgid: 400, run: RUN },
];

describe('runMembers: the processes of a run, whatever group or session they moved to', () => {
  it.each<[string, ProcRow[], number[], number[]]>([
    [
      'the wrapper alive: its tree, the marked, and their children, never the stopper itself nor init',
      table,
      [100],
      [100, 101, 102, 103, 104, 105, 106, 200, 201],
    ],
    [
      'the wrapper just killed (gone from the table): its group is still the run',
      table.filter((r) => r.pid !== 100),
      [100],
      [101, 102, 103, 104, 105, 106, 200, 201],
    ],
    [
      'the wrapper gone: the marked and their descendants',
      table.filter((r) => r.pid !== 100 && r.pid !== 106),
      [],
      [101, 102, 103, 104, 105, 200, 201],
    ],
    [
      'a root no longer in the table adds only what is left in its group',
      table.filter((r) => r.run !== RUN),
      [100],
      [106],
    ],
    ['no process of the run left', table.filter((r) => r.run !== RUN && r.ppid !== 101 && r.ppid !== 104), [], []],
    ['a marked init is never a member', [{ pid: 1, ppid: 0, pgid: 1, run: RUN }], [1], []],
  ])('%s', (_what, rows, roots, members) => {
    expect(
      runMembers(rows, RUN, roots, 400)
        .map((r) => r.pid)
        .sort((a, b) => a - b),
    ).toEqual(members);
  });

  it('a parent loop in a racy snapshot ends the walk', () => {
    const loop: ProcRow[] = [
      { pid: 10, ppid: 11, pgid: 10, run: RUN },
      { pid: 11, ppid: 10, pgid: 10, run: null },
    ];
    expect(runMembers(loop, RUN, [], 0).map((r) => r.pid)).toEqual([10, 11]);
  });
});

describe('endRun on real processes', () => {
  it('ends the wrapper tree and a marked process that left by setsid; nothing of the run is left', async () => {
    const instance = `test-${process.pid}-${Date.now()}`;
    // the wrapper (its own group) starts a shell that moves to a session of its own and ignores TERM
    const wrapper = spawn('/bin/sh', ['-c', 'setsid sh -c "trap \\"\\" TERM; sleep 60" & sleep 60'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, [RUN_MARKER]: instance },
    });
    const pid = wrapper.pid as number;
    await waitFor('the four processes of the run', () => (runLeftovers(instance).length >= 4 ? true : undefined));
    const ended = await endRun({ runInstance: instance, pid, pidStart: processStartTime(pid) }, 500);
    expect(ended).toMatchObject({ processes: 4, outsideGroup: 2, left: 0 });
    expect(runLeftovers(instance)).toEqual([]);
  });
});
