import fs from 'node:fs';
import path from 'node:path';
import { repoFacts } from '../governance/facts.js';
import type { Outcome } from '../health/index.js';
import { isAlive, processStartTime } from '../jobs/process.js';
import { filesIn } from '../jobs/paths.js';
import { getProvider } from '../providers/index.js';
import type { DeliveryFields, JobRecord, Store } from '../store/index.js';
import { deliverFinished } from './job.js';
import { commitWork, NO_COMMIT_ARTIFACT_EXIT, type CommitStep } from './commit.js';
import { baselineOf, postJobGates } from './gates.js';
import { runVerify, VERIFY_SKIPPED, VERIFY_TIMEOUT_SEC } from './verify.js';

export { NO_COMMIT_ARTIFACT_EXIT } from './commit.js';
export { baselineOf, postJobGates } from './gates.js';
export { VERIFY_TIMEOUT_SEC, verifyLogOf } from './verify.js';

/** What finalization records once the pipeline ran: the outcome, the gates' verdicts, the commit and verification. */
export interface Delivered {
  outcome: Outcome;
  verdicts: JobRecord['gates'];
  delivery: DeliveryFields;
}

/** The agent's final answer: the last text it said, as its provider's stream carries it (null: none). */
function finalAnswer(job: JobRecord): string | null {
  const adapter = getProvider(job.provider);
  let answer: string | null = null;
  try {
    for (const line of fs.readFileSync(filesIn(job.dir).out, 'utf8').split('\n'))
      for (const e of adapter.parseStdoutLine(line)) if (e.kind === 'text' && e.text?.trim()) answer = e.text;
  } catch {
    // no output file: no answer
  }
  return answer;
}

function commitStep(job: JobRecord): CommitStep {
  try {
    return commitWork({
      policy: job.commitPolicy,
      worktree: job.worktree,
      baseline: baselineOf(job),
      beads: job.beads,
      featureKey: job.settings.gates?.featureKey ?? job.beads,
      agent: `${job.provider}/${job.model}`,
      answer: () => finalAnswer(job),
    });
  } catch (e) {
    return {
      passed: false,
      reasonCode: 'commit_failed',
      details: `the worktree cannot be read: ${(e as Error).message}`,
    };
  }
}

/**
 * The pipeline after the agent exits: commit → the post-job gates on the commit → the verify command. Each step
 * runs only while the job is still a success, and the first that fails decides its outcome: `failed` when the
 * work is missing (no_commit_artifact, exit code 44; commit_failed), `governance_failed` when policy refused it
 * (commit_refused_secret, a gate, verify_failed). Each step taken is one `delivery` event of the run. Then a job
 * still a success is delivered as its `--deliver` asked (push, merge), before its outcome is recorded; that
 * result is kept with the job and never changes the outcome.
 */
export function deliverJobResult(store: Store, job: JobRecord, agent: Outcome): Delivered {
  const note = (step: string, passed: boolean, reasonCode: string, details: string) =>
    store.events.append(job.id, { kind: 'delivery', step, passed, reason_code: reasonCode, details });
  let outcome = agent;
  let reportedCommit: string | null = null;
  const repo = repoFacts(job.worktree);
  if (agent.state === 'success' && job.commitPolicy !== 'off') {
    const step = commitStep(job);
    if (step.passed) {
      reportedCommit = step.commit;
      note('commit', true, job.commitPolicy === 'require' ? 'commit_found' : 'committed', step.details);
    } else {
      note('commit', false, step.reasonCode, step.details);
      const refused = step.reasonCode === 'commit_refused_secret';
      const exitCode = step.reasonCode === 'no_commit_artifact' ? NO_COMMIT_ARTIFACT_EXIT : agent.exitCode;
      outcome = { state: refused ? 'governance_failed' : 'failed', reasonCode: step.reasonCode, exitCode };
    }
  } else if (repo.head && repo.head !== job.startHead) reportedCommit = repo.head; // the agent's own commits
  const gated = postJobGates(job, outcome);
  outcome = gated.outcome;
  let verifyResult = VERIFY_SKIPPED;
  if (outcome.state === 'success' && job.verifyCmd) {
    const timeout = job.settings.verifyTimeoutSec ?? VERIFY_TIMEOUT_SEC;
    verifyResult = runVerify(job.verifyCmd, job.worktree, job.dir, timeout);
    const passed = verifyResult.status === 'passed';
    const why = verifyResult.timed_out ? `timed out after ${timeout} s` : `exit code ${verifyResult.exit_code}`;
    note('verify', passed, passed ? 'verify_ok' : 'verify_failed', `${why}; output: ${verifyResult.log}`);
    if (!passed) outcome = { ...outcome, state: 'governance_failed', reasonCode: 'verify_failed' };
  }
  if (outcome.state === 'success') deliverFinished(store, job);
  return { outcome, verdicts: gated.verdicts, delivery: { reportedCommit, branch: repo.branch, verifyResult } };
}

const LOCK = 'deliver.lock';

const readOwner = (file: string) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return ''; // released meanwhile
  }
};

/**
 * Claims a run's delivery for this process (a file in its run folder holding the owner's pid and start time), so
 * the supervisor, the watchdog, `prune` and a wave driver never commit or verify one job twice. A claim whose
 * owner is gone is taken over. Returns the release, or null while another live process delivers the job.
 */
export function claimDelivery(job: JobRecord): (() => void) | null {
  const file = path.join(job.dir, LOCK);
  const release = () => fs.rmSync(file, { force: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid} ${processStartTime(process.pid) ?? ''}`, { flag: 'wx', mode: 0o600 });
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return () => {}; // no run folder: nothing to share
      const [pid, start] = readOwner(file).split(' ');
      if (isAlive(Number(pid), start || null)) return null;
      release();
    }
  }
  return null;
}
