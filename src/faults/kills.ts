import fs from 'node:fs';
import path from 'node:path';
import { sleep } from '../core/time.js';
import { Store } from '../store/index.js';
import { pool } from './cheap.js';
import { atMost, type Figure } from './figures.js';
import { STACK } from './judge.js';
import { runProcessesWhere, type Rig } from './rig.js';
import { KILL_KINDS, trialVerdict, type KillKind } from './trial.js';

/** kill -9 trials and concurrent starts: real opencode jobs against the scripted model. */

const signal = (pid: number) => {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false; // gone already
  }
};

/** The run's processes that are the agent (OpenCode), not its wrapper. */
const agentPids = (instance: string) => runProcessesWhere(instance, (cmdline) => cmdline.includes('opencode'));

/**
 * One trial: start a job that writes `out.txt` after a short stall, kill -9 one part at a spread-out moment,
 * let things settle, then compare `check` with what happened (trial.ts).
 */
async function trial(rig: Rig, env: NodeJS.ProcessEnv, prompt: string, i: number, kind: KillKind) {
  const bead = `bd-kill.${i}`;
  const wt = rig.worktree(`kill-${i}`);
  const start = ['start', '--beads', bead, '--prompt-file', prompt, '--worktree', wt, '--sandbox', 'off', '--json'];
  let agentKilled = false;
  if (kind === 'start') {
    const p = rig.cli(start, env);
    await sleep((i * 397) % 2500); // from before the job is recorded to after its launch
    p.child.kill('SIGKILL');
    await p;
  } else {
    const r = await rig.cli(start, env);
    if (r.code !== 0)
      return { name: `${bead} (${kind})`, verdict: 'lost', why: `start exit ${r.code}: ${r.stderr.trim()}` };
    const report = JSON.parse((await rig.cli(['report', '--beads', bead, '--json'], env)).stdout) as {
      run_instance: string;
      pid: number | null;
      supervisor_pid: number | null;
    };
    // before, during and after the agent's write (opencode takes 3–10 s to reach it, longer under load)
    await sleep((i * 1231) % 16000);
    const agents = agentPids(report.run_instance);
    if (kind !== 'agent' && report.supervisor_pid) signal(report.supervisor_pid);
    if (kind === 'both' && report.pid) signal(-report.pid);
    if (kind !== 'supervisor') agentKilled = agents.map(signal).some(Boolean);
  }
  const check = await rig.settled(bead, env);
  await sleep(2000); // a write the kill missed would land now
  const v = trialVerdict({
    kind,
    agentKilled,
    state: check ? String(check.state) : null,
    mutations: Number(check?.mutation_count ?? 0),
    fileWritten: fs.existsSync(path.join(wt, 'out.txt')),
  });
  const seen = `${check?.state ?? 'unsettled'}, file ${fs.existsSync(path.join(wt, 'out.txt')) ? 'written' : 'absent'}`;
  return {
    name: `${bead} (${kind}, ${seen}${agentKilled ? ', agent killed' : ''})`,
    ...v,
    why: 'why' in v ? v.why : '',
  };
}

export async function killFigures(rig: Rig, trials: number, log: (s: string) => void): Promise<Figure[]> {
  const env = await rig.home('jobs', { DX_RUNNER_MAX_PARALLEL_OPENCODE: '16' });
  const prompt = rig.prompt('kill', 'Write the file.\n@mock stall 2\n@mock write out.txt done\n@mock say done');
  const results = await pool(
    Array.from({ length: trials }, (_, i) => i),
    4,
    async (i) => {
      const r = await trial(rig, env, prompt, i, KILL_KINDS[i % KILL_KINDS.length]);
      log(`    ${r.name}: ${r.verdict}${r.why ? ` (${r.why})` : ''}`);
      return r;
    },
  );
  const missed = (v: string) => results.filter((r) => r.verdict === v).map((r) => `${r.name}: ${r.why}`);
  return (['lost', 'falsified'] as const).map((v) => ({
    key: `kill9_${v}`,
    label: `kill -9 trials: outcomes ${v}`,
    value: missed(v).length,
    of: trials,
    target: atMost(0),
    misses: missed(v),
  }));
}

/**
 * `distinct` starts of distinct beads and `same` of one bead, `width` at once, at cap 2: what the state then
 * holds (no bead twice, no more than 2 live) and what every start printed (no SQLITE_BUSY, no stack trace).
 */
export async function concurrencyFigures(rig: Rig, distinct: number, same: number): Promise<Figure[]> {
  const env = await rig.home('concurrent', { DX_RUNNER_MAX_PARALLEL_OPENCODE: '2' });
  const prompt = rig.prompt('hold', 'Hold the slot.\n@mock stall 300\n@mock say done');
  const sameWt = rig.worktree('same');
  const starts = [
    ...Array.from({ length: distinct }, (_, i) => ({ bead: `bd-c.${i}`, wt: rig.worktree(`c-${i}`) })),
    ...Array.from({ length: same }, () => ({ bead: 'bd-same', wt: sameWt })),
  ].sort((a, b) => a.bead.length - b.bead.length || a.bead.localeCompare(b.bead)); // interleaved by name
  const args = (s: { bead: string; wt: string }) => [
    'start',
    '--beads',
    s.bead,
    '--prompt-file',
    prompt,
    '--worktree',
    s.wt,
    '--json',
  ];
  const results = await pool(starts, 12, (s) => rig.cli(args(s), env));
  const store = new Store(env.DX_RUNNER_HOME as string);
  const live = store.jobs.current(0);
  store.close();
  const perBead = new Map<string, number>();
  for (const j of live) perBead.set(j.beads, (perBead.get(j.beads) ?? 0) + 1);
  const dups = [...perBead].filter(([, n]) => n > 1).map(([b, n]) => `${b}: ${n} live runs`);
  const errors = results.flatMap((r, i) =>
    /SQLITE_BUSY|database is locked/.test(r.stderr + r.stdout) || STACK.test(r.stderr + r.stdout)
      ? [`${starts[i].bead}: ${r.stderr.trim().split('\n')[0]}`]
      : [],
  );
  await Promise.all([...perBead.keys()].map((b) => rig.cli(['stop', '--beads', b, '--json'], env)));
  const of = starts.length;
  return [
    {
      key: 'concurrent_duplicates',
      label: 'concurrent starts: duplicates',
      value: dups.length,
      of,
      target: atMost(0),
      misses: dups,
    },
    {
      key: 'concurrent_over_cap',
      label: 'concurrent starts: live over cap 2',
      value: Math.max(0, live.length - 2),
      of,
      target: atMost(0),
      misses: live.length > 2 ? live.map((j) => j.beads) : [],
    },
    {
      key: 'concurrent_busy_or_stack',
      label: 'concurrent starts: SQLITE_BUSY/stack',
      value: errors.length,
      of,
      target: atMost(0),
      misses: errors,
    },
  ];
}
