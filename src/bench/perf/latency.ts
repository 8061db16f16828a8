import fs from 'node:fs';
import path from 'node:path';
import { CLI_ENTRY as CLI } from '../../core/detached.js';
import { sleep } from '../../core/time.js';
import { emptySummary } from '../../health/index.js';
import { effectiveSettings } from '../../jobs/options.js';
import { Store } from '../../store/index.js';
import { OPENCODE_CANONICAL_MODEL } from '../../providers/opencode.js';
import { CHECK_ANSWERS, median, run, timeCli, timeNode, waitDone, type PerfSetup } from './kit.js';

/** What a command costs the operator: `start`, `check` and `status`, over finished jobs and over live ones. */

/**
 * `node -e 0` (the floor any node CLI stands on, measured beside the commands: a busy host slows both),
 * `start` wall time, `check --json`, and `status --json` over 1,000 finished jobs.
 */
export async function commandLatency(p: PerfSetup, reps: number): Promise<void> {
  const { env, prompt, wts, emit } = p;
  const floor = () => median(p.bare);
  // the first start on a host lists the models; the figure that matters is every start after it
  await timeNode(p);
  emit(
    'first_start_ms',
    await timeCli(['start', '--beads', 'bd-first', '--prompt-file', prompt, '--worktree', wts[0]], env),
    floor(),
  );
  await waitDone(env.DX_RUNNER_HOME as string, ['bd-first']);
  const starts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const bead = `bd-start.${i}`;
    await timeNode(p);
    starts.push(
      await timeCli(['start', '--beads', bead, '--prompt-file', prompt, '--worktree', wts[i % wts.length]], env),
    );
    await waitDone(env.DX_RUNNER_HOME as string, [bead]); // the agent's CPU must not leak into the next sample
  }
  emit('node_e0_ms', floor());
  emit('start_ms', median(starts), floor());

  const checks: number[] = [];
  for (let i = 0; i < Math.max(reps, 7); i++) {
    await timeNode(p);
    checks.push(await timeCli(['check', '--beads', 'bd-start.0', '--json'], env, CHECK_ANSWERS));
  }
  emit('check_ms', median(checks), floor());

  const bigHome = path.join(p.base, 'home-1000');
  seedFinished(bigHome, 1000);
  const statuses: number[] = [];
  for (let i = 0; i < reps; i++) {
    await timeNode(p);
    statuses.push(await timeCli(['status', '--json', '--all'], { ...env, DX_RUNNER_HOME: bigHome }));
  }
  emit('status_1000_ms', median(statuses), floor());
}

/** `check --json` and `status --json` while `live` jobs run. */
export async function liveLatency(p: PerfSetup, reps: number, live: number): Promise<void> {
  // live jobs whose agent just waits: what check/status cost does not depend on what the agent does
  const idleAgent = path.join(p.base, 'idle-agent.sh');
  // it lists the canonical model (start checks the model is offered), then just waits
  fs.writeFileSync(
    idleAgent,
    `#!/bin/sh\n[ "$1" = models ] && echo ${OPENCODE_CANONICAL_MODEL} && exit 0\nexec sleep 600\n`,
    {
      mode: 0o755,
    },
  );
  const liveEnv = { ...p.env, DX_RUNNER_HOME: path.join(p.base, 'home-live') };
  const beads = Array.from({ length: live }, (_, i) => `bd-live.${i}`);
  for (const b of beads)
    await run(
      process.execPath,
      [CLI, 'start', '--beads', b, '--prompt-file', p.prompt, '--worktree', p.wts[0], '--opencode-bin', idleAgent],
      { env: liveEnv },
    );
  await sleep(3000); // let every supervisor take its first samples
  const liveChecks: number[] = [];
  const liveStatus: number[] = [];
  for (let i = 0; i < reps; i++) {
    // a live job past the no-op window answers 23: a state, timed like any other
    await timeNode(p);
    liveChecks.push(await timeCli(['check', '--beads', beads[i % live], '--json'], liveEnv, CHECK_ANSWERS));
    liveStatus.push(await timeCli(['status', '--json'], liveEnv));
  }
  p.emit(`check_live${live}_ms`, median(liveChecks), median(p.bare));
  p.emit(`status_live${live}_ms`, median(liveStatus), median(p.bare));
  // a stop that fails leaves its job to the bench's final sweep
  await Promise.allSettled(beads.map((b) => run(process.execPath, [CLI, 'stop', '--beads', b], { env: liveEnv })));
}

/** 1,000 finished jobs written through the store's own API, as real runs would leave them. */
function seedFinished(home: string, n: number): void {
  const store = new Store(home);
  try {
    for (let i = 0; i < n; i++) {
      const id = store.jobs.insert({
        beads: `bd-seed.${i}`,
        provider: 'opencode',
        runInstance: `seed-${i}`,
        retries: 0,
        worktree: '/tmp/none',
        promptFile: '/tmp/none',
        model: OPENCODE_CANONICAL_MODEL,
        executionMode: 'headless',
        commitPolicy: 'off',
        verifyCmd: null,
        host: 'bench',
        cwd: '/tmp',
        dir: path.join(home, 'jobs', `seed-${i}`),
        startedAt: Date.now() - 60_000,
        startHead: 'x',
        baseline: '{}',
        fallbackReason: 'none',
        settings: effectiveSettings({ env: {} }),
      });
      store.jobs.finalize(
        id,
        { state: 'success', reasonCode: 'process_exit_with_rc', exitCode: 0 },
        { completedAt: Date.now(), mutations: 1, outputBytes: 100, summary: emptySummary() },
      );
    }
  } finally {
    store.close();
  }
}
