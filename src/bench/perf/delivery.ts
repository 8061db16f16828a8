import fs from 'node:fs';
import path from 'node:path';
import { CLI_ENTRY as CLI } from '../../core/detached.js';
import { deliverJob } from '../../delivery/land.js';
import { git, median, ms, run, waitDone, type PerfSetup } from './kit.js';

/**
 * What landing adds to a job: the commit of its small change and its merge onto the base (rebase onto the
 * current base, fast-forward of the base in its checkout), without a verify command, beside the job's own
 * duration (start until `check` says it ended).
 */
export async function deliveryCost({ base, env, prompt, emit }: PerfSetup, reps: number): Promise<void> {
  const repo = path.join(base, 'repo');
  const who = { GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
  Object.assign(process.env, who); // the rebase makes commits: it needs an identity
  const jobs: number[] = [];
  const lands: number[] = [];
  for (let r = 0; r < reps; r++) {
    const beads = `bd-land.${r}`;
    const wt = path.join(base, 'land-wt', beads);
    git(repo, 'worktree', 'add', '-q', '-b', `dx/${beads}`, wt, 'main');
    let t0 = process.hrtime.bigint();
    await run(process.execPath, [CLI, 'start', '--beads', beads, '--prompt-file', prompt, '--worktree', wt], { env });
    await waitDone(env.DX_RUNNER_HOME as string, [beads]);
    jobs.push(ms(t0));
    // every job writes the same file; a line of its own makes each change one the base does not have yet
    fs.appendFileSync(path.join(wt, 'out.txt'), `rep ${r}\n`);
    t0 = process.hrtime.bigint();
    git(wt, 'add', '-A');
    git(wt, '-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-qm', `job ${beads}`);
    const d = deliverJob({
      repo,
      worktree: wt,
      branch: `dx/${beads}`,
      base: 'main',
      mode: 'merge',
      remote: 'origin',
      strategy: 'rebase',
    });
    lands.push(ms(t0));
    if (d.result !== 'landed') throw new Error(`bench: ${beads} did not land: ${d.detail}`);
  }
  emit('land_job_ms', median(jobs));
  emit('land_cost_ms', median(lands));
}
