import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeliveryPolicy } from '../../../src/contract/delivery.js';
import { deliverJobResult } from '../../../src/delivery/index.js';
import { deliverFinished } from '../../../src/delivery/job.js';
import { makeRepo, tmpDir } from '../../helpers.js';
import { newJob, openStore } from '../store/temp.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** A recorded job whose agent committed a file on its worktree's branch, started with `policy` (if any). */
function committedJob(policy?: DeliveryPolicy) {
  const { repo, worktrees } = makeRepo(1);
  const wt = worktrees[0];
  const startHead = git(wt, 'rev-parse', 'HEAD');
  fs.writeFileSync(path.join(wt, 'work.txt'), 'done\n');
  git(wt, 'add', '-A');
  git(wt, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'work');
  const store = openStore();
  const base = newJob('bd-deliver', { worktree: wt, startHead, dir: tmpDir('run') });
  const id = store.jobs.insert({ ...base, settings: { ...base.settings, ...(policy ? { delivery: policy } : {}) } });
  return { repo, wt, store, job: store.jobs.get(id)! };
}

const push: DeliveryPolicy = { mode: 'push', remote: 'origin', strategy: 'rebase' };

/** The same, started with `--deliver push`, its repository with a remote `origin` to push to. */
function pushableJob() {
  const j = committedJob(push);
  const origin = path.join(tmpDir('origin'), 'origin.git');
  git(j.repo, 'init', '-q', '--bare', origin);
  git(j.repo, 'remote', 'add', 'origin', origin);
  return j;
}

describe('deliverFinished: a job that succeeded, delivered as its --deliver asked', () => {
  it('pushes the branch and keeps the result with the job', () => {
    const { wt, store, job } = pushableJob();
    const result = deliverFinished(store, job);
    expect(result).toMatchObject({
      mode: 'push',
      result: 'pushed',
      ref: 'origin/job0',
      sha: git(wt, 'rev-parse', 'HEAD'),
    });
    expect(store.jobs.get(job.id)?.delivery).toEqual(result);
  });

  it('keeps a delivery refused now (no remote) as failed with its reason', () => {
    const { store, job } = committedJob(push);
    const result = deliverFinished(store, job);
    expect(result).toMatchObject({ mode: 'push', result: 'failed', reasonCode: 'remote_missing', branch: 'job0' });
    expect(store.jobs.get(job.id)?.delivery).toEqual(result);
  });

  it('does nothing for a job started without --deliver', () => {
    const { store, job } = committedJob();
    expect(deliverFinished(store, job)).toBeNull();
    expect(store.jobs.get(job.id)?.delivery).toBeNull();
  });
});

describe('the delivery pipeline delivers a job still a success, before its outcome is recorded', () => {
  it.each([
    ['success', 'process_exit_with_rc', 0, 'pushed'],
    ['failed', 'process_exit_with_rc', 1, null],
  ] as const)('an agent that ended %s (%s, exit %s): delivery %s', (state, reasonCode, exitCode, delivered) => {
    const { store, job } = pushableJob();
    const done = deliverJobResult(store, job, { state, reasonCode, exitCode });
    expect(done.outcome.state).toBe(state);
    const kept = store.jobs.get(job.id);
    expect(kept?.delivery?.result ?? null).toBe(delivered);
    expect(kept?.active).toBe(true);
  });
});
