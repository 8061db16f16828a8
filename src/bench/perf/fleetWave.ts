import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { CLI_ENTRY as CLI } from '../../core/detached.js';
import { sleep } from '../../core/time.js';
import { withEngine } from '../../fleet/engine.js';
import { readWave } from '../../fleet/waveDriver.js';
import { resolveOpencodeBinary } from '../../providers/opencode.js';
import { Store } from '../../store/index.js';
import { git, ms, run, type PerfSetup } from './kit.js';
import { benchRedis, benchWorker, stopChild } from './fleet.js';

const JOBS = 12;
const POLL_MS = 200;

/** `wave start … --json`'s wave id. */
const waveId = async (args: string[], env: NodeJS.ProcessEnv) =>
  (
    JSON.parse((await run(process.execPath, [CLI, 'wave', 'start', ...args, '--json'], { env })).stdout) as {
      wave: number;
    }
  ).wave;

/** The same 12 jobs as a single-host wave at cap 6: `wave start` until the wave is done. */
async function localWave({ base, env, prompt }: PerfSetup, beads: string[]): Promise<number> {
  const capped = { ...env, DX_RUNNER_MAX_PARALLEL_OPENCODE: '6' };
  const root = path.join(base, 'wt', 'fleetwave-local');
  const args = ['--items', beads.join(','), '--prompt-file', prompt, '--worktree-root', root];
  const t0 = process.hrtime.bigint();
  const id = await waveId([...args, '--repo', path.join(base, 'repo'), '--base', 'main'], capped);
  const store = new Store(env.DX_RUNNER_HOME as string);
  try {
    while (store.waves.get(id)?.state === 'running') await sleep(POLL_MS);
  } finally {
    store.close();
  }
  return ms(t0);
}

/**
 * 12 jobs on two workers with 3 slots each (a fleet wave: its driver on one of them) against the same 12 jobs as
 * a single-host wave at cap 6, each from `wave start` to the wave done. The fleet's time includes what only it
 * does: each host's clone of the shared remote, and pushing each item's branch.
 */
export async function fleetWaveRatio(p: PerfSetup): Promise<void> {
  const { base, env, prompt, emit } = p;
  const dir = path.join(base, 'fleetwave');
  const redis = await benchRedis(dir);
  const remote = path.join(dir, 'shared.git');
  git(base, 'clone', '-q', '--bare', path.join(base, 'repo'), remote);
  // both sides start with opencode's model list cached, as a host has after its first start (the workers copy it)
  await run(process.execPath, [CLI, '__list-models', 'opencode', resolveOpencodeBinary(undefined, env)], { env });
  const workers: ChildProcess[] = [];
  try {
    // homes directly under base: an interrupted bench ends their jobs too
    for (const host of ['fw-a', 'fw-b']) workers.push(benchWorker(redis.url, host, path.join(base, host), env, 3, dir));
    const beads = (tag: string) => Array.from({ length: JOBS }, (_, i) => `bd-fw${tag}.${i}`);
    const t0 = process.hrtime.bigint();
    const id = await waveId(
      ['--fleet', redis.url, '--items', beads('f').join(','), '--prompt-file', prompt, '--repo', remote],
      env,
    );
    await withEngine(redis.url, async (engine) => {
      while ((await readWave(engine, id))?.state === 'running') await sleep(POLL_MS);
    });
    const fleet = ms(t0);
    const local = await localWave(p, beads('l'));
    emit('fleet_wave12_ms', fleet);
    emit('local_wave12_cap6_ms', local);
    emit('fleet_wave12_ratio', Number((fleet / local).toFixed(3)));
  } finally {
    await Promise.all(workers.map(stopChild));
    await stopChild(redis.child);
  }
}
