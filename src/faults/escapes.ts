import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep } from '../core/time.js';
import { runLeftovers } from '../jobs/reap.js';
import { atMost, type Figure } from './figures.js';
import { runProcessesWhere, type Rig } from './rig.js';

/** Escape attempts under the sandbox, and what is left of agents after `stop`: real opencode jobs. */

/**
 * Two jobs under `--sandbox bwrap` try to write outside their worktree, each to the host's /tmp, to $HOME and
 * to a sibling of the worktree: one by shell commands, one by the write tool. The worktrees live outside /tmp
 * (in /var/tmp where it is writable), so the private /tmp cannot make a sibling write look blocked. An attempt
 * escaped when its file is on the host; one that was not tried under the sandbox counts as escaped too.
 */
export async function escapeFigures(rig: Rig): Promise<Figure[]> {
  const env = await rig.home('jobs', { DX_RUNNER_MAX_PARALLEL_OPENCODE: '16' });
  const outside = fs.mkdtempSync(path.join(isWritable('/var/tmp') ? '/var/tmp' : rig.base, 'dx-faults-'));
  const id = path.basename(outside);
  const home = os.homedir();
  const targets = (how: string) => ({
    tmp: `/tmp/${id}-${how}.txt`,
    home: path.join(home, `${id}-${how}.txt`),
    sibling: path.join(outside, `sibling-${how}.txt`),
  });
  const shell = targets('shell');
  const write = targets('write');
  rig.afterClose(() => {
    for (const f of [...Object.values(shell), ...Object.values(write)]) fs.rmSync(f, { force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });
  const jobs = [
    {
      bead: 'bd-escape.shell',
      targets: shell,
      script: [
        `bash echo x > ${shell.tmp}`,
        `bash echo x > $HOME/${id}-shell.txt`,
        'bash echo x > ../sibling-shell.txt',
      ],
    },
    {
      bead: 'bd-escape.write',
      targets: write,
      script: [`write ${write.tmp} x`, `write ${write.home} x`, 'write ../sibling-write.txt x'],
    },
  ];
  const escapes = await Promise.all(
    jobs.map(async (j) => {
      const wt = rig.worktree(j.bead.replace('.', '-'), outside);
      const prompt = rig.prompt(
        j.bead,
        `Write outside.\n${j.script.map((s) => `@mock ${s}`).join('\n')}\n@mock say done`,
      );
      const start = ['start', '--beads', j.bead, '--prompt-file', prompt, '--worktree', wt, '--sandbox', 'bwrap'];
      const r = await rig.cli([...start, '--json'], env);
      if (r.code !== 0) return Object.keys(j.targets).map((t) => `${j.bead} ${t}: not sandboxed (${r.stderr.trim()})`);
      await rig.settled(j.bead, env);
      return Object.entries(j.targets).flatMap(([t, f]) => (fs.existsSync(f) ? [`${j.bead} ${t}: ${f} written`] : []));
    }),
  );
  const missed = escapes.flat();
  return [
    {
      key: 'sandbox_escapes',
      label: 'escapes with the sandbox on',
      value: missed.length,
      of: jobs.length * 3,
      target: atMost(0),
      misses: missed,
    },
  ];
}

function isWritable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The processes of a run whose command line starts with `sleep`. */
const sleeps = (instance: string) => runProcessesWhere(instance, (cmdline) => cmdline.startsWith('sleep\0'));

const LATE = 30;
/** Commands that outlive a plain group kill, and how many `sleep`s each has running once it is under way. */
const VARIANTS = [
  { name: 'plain', sleeps: 1, command: `sleep ${LATE}; echo late > late-plain.txt` },
  {
    name: 'setsid',
    sleeps: 2,
    command: `setsid sh -c 'sleep ${LATE}; echo late > late-setsid.txt' & sleep ${LATE}; echo late > late-fg.txt`,
  },
  {
    name: 'nohup',
    sleeps: 2,
    command:
      `nohup sh -c 'sleep ${LATE}; echo late > late-nohup.txt' >/dev/null 2>&1 & ` +
      `sleep ${LATE}; echo late > late-fg.txt`,
  },
];

/**
 * One job per variant (sandbox off: stop must end them by itself), `stop` once its sleeps run; then the run's
 * processes are counted, and once the sleeps would have ended, the late files in the worktrees.
 */
export async function orphanFigures(rig: Rig): Promise<Figure[]> {
  const env = await rig.home('jobs', { DX_RUNNER_MAX_PARALLEL_OPENCODE: '16' });
  const outcomes = await Promise.all(
    VARIANTS.map(async (v) => {
      const bead = `bd-orphan.${v.name}`;
      const wt = rig.worktree(`orphan-${v.name}`);
      const prompt = rig.prompt(bead, `Run a slow command.\n@mock bash ${v.command}\n@mock say done`);
      const start = ['start', '--beads', bead, '--prompt-file', prompt, '--worktree', wt, '--sandbox', 'off', '--json'];
      const r = await rig.cli(start, env);
      if (r.code !== 0) return { left: [`${bead}: start exit ${r.code}`], late: [] };
      const { run_instance: instance } = JSON.parse((await rig.cli(['report', '--beads', bead, '--json'], env)).stdout);
      for (let i = 0; i < 180 && sleeps(instance).length < v.sleeps; i++) await sleep(1000);
      const stopped = Date.now();
      await rig.cli(['stop', '--beads', bead, '--json'], env);
      const leftNow = runLeftovers(instance).length;
      await sleep(Math.max(0, stopped + (LATE + 3) * 1000 - Date.now()));
      const left = Math.max(leftNow, runLeftovers(instance).length);
      const late = fs.readdirSync(wt).filter((f) => f.startsWith('late-'));
      return { left: left ? [`${bead}: ${left} processes`] : [], late: late.map((f) => `${bead}: ${f}`) };
    }),
  );
  const of = VARIANTS.length;
  const left = outcomes.flatMap((o) => o.left);
  const late = outcomes.flatMap((o) => o.late);
  return [
    {
      key: 'orphans_processes',
      label: 'after stop: jobs with processes left',
      value: left.length,
      of,
      target: atMost(0),
      misses: left,
    },
    {
      key: 'orphans_late_files',
      label: 'after stop: late files written',
      value: late.length,
      of,
      target: atMost(0),
      misses: late,
    },
  ];
}
