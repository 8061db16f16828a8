import fs from 'node:fs';
import {
  decideOutcome,
  emptySummary,
  foldEvent,
  serverLostOutcome,
  type AttachedServer,
  type Outcome,
  type OutputSummary,
} from '../health/index.js';
import { baselineOf, claimDelivery, deliverJobResult, postJobGates } from '../delivery/index.js';
import { countMutations } from '../governance/git.js';
import { getProvider, type ProviderAdapter } from '../providers/index.js';
import { attachedServer } from './attachedServer.js';
import { filesOf, type JobFiles } from './paths.js';
import type { JobRecord, Store } from '../store/index.js';

const sizeOf = (p: string) => {
  try {
    return fs.statSync(p).size;
  } catch {
    return 0;
  }
};

/** Provider output only (stdout + stderr of the agent); the runner writes nothing into these files. */
export const outputBytes = (f: JobFiles) => sizeOf(f.out) + sizeOf(f.err);

const linesOf = (p: string) => {
  try {
    return fs.readFileSync(p, 'utf8').split('\n');
  } catch {
    return [];
  }
};

/** Folds a whole finished output: used when no supervisor saw the stream live. */
export function summarizeFiles(adapter: ProviderAdapter, f: JobFiles): OutputSummary {
  let s = emptySummary();
  for (const line of linesOf(f.out)) for (const e of adapter.parseStdoutLine(line)) s = foldEvent(s, e);
  for (const line of linesOf(f.err)) for (const e of adapter.parseStderrLine(line)) s = foldEvent(s, e);
  return s;
}

/**
 * The launch wrapper's `<exit code> <epoch seconds>`, or null when the agent did not exit by itself.
 * The end time is the file's mtime (written as the agent exited): milliseconds, where `date +%s` has seconds.
 */
export function readRc(f: JobFiles): { exitCode: number; at: number } | null {
  try {
    const [code] = fs.readFileSync(f.rc, 'utf8').trim().split(/\s+/);
    const exitCode = Number(code);
    if (!Number.isInteger(exitCode)) return null;
    return { exitCode, at: Math.round(fs.statSync(f.rc).mtimeMs) };
  } catch {
    return null;
  }
}

export function safeMutations(job: JobRecord): number {
  try {
    return countMutations(job.worktree, baselineOf(job));
  } catch {
    return job.mutations; // worktree gone: keep the last count seen
  }
}

export interface PendingOutcome {
  /** the agent's verdict, after the required post-job gates */
  outcome: Outcome;
  verdicts: JobRecord['gates'];
  summary: OutputSummary;
  completedAt: number;
  mutations: number;
  outputBytes: number;
}

/**
 * The agent's own verdict from its files, before any delivery step; `server`, when known, tells a client run
 * whose server went away (`server_lost`) from one that failed by itself.
 */
function agentResult(job: JobRecord, server: AttachedServer = 'unknown'): Omit<PendingOutcome, 'verdicts'> {
  const f = filesOf(job);
  const summary = summarizeFiles(getProvider(job.provider), f);
  const rc = readRc(f);
  return {
    outcome: serverLostOutcome(decideOutcome(rc?.exitCode ?? null, summary), summary, server),
    summary,
    completedAt: rc?.at ?? Date.now(),
    mutations: safeMutations(job),
    outputBytes: outputBytes(f),
  };
}

/**
 * What finalization would record for a job whose process has ended (read-only): the agent's verdict and the gates
 * on the worktree as it is. Finalizing may still commit the work and run the verify command.
 */
export function pendingOutcome(job: JobRecord): PendingOutcome {
  const agent = agentResult(job);
  const gated = postJobGates(job, agent.outcome);
  return { ...agent, outcome: gated.outcome, verdicts: gated.verdicts };
}

/**
 * Writes the outcome of an ended job from its files, after delivering its work (commit, gates, verify: one
 * process at a time, so false while another delivers it). Idempotent: the store keeps the first outcome.
 * `override` is for outcomes the runner decides itself (an operator stop, a fail-fast kill): nothing is delivered.
 */
export function finalizeJob(store: Store, job: JobRecord, override?: Outcome): boolean {
  if (override) {
    const agent = agentResult(job);
    return store.jobs.finalize(job.id, override, { ...agent, completedAt: Date.now(), gates: {} });
  }
  const release = claimDelivery(job);
  if (!release) return false;
  try {
    const fresh = store.jobs.get(job.id);
    if (!fresh?.active) return false; // finalized while this process waited for the claim
    const agent = agentResult(fresh, attachedServer(store, fresh));
    const done = deliverJobResult(store, fresh, agent.outcome);
    return store.jobs.finalize(fresh.id, done.outcome, { ...agent, gates: done.verdicts, delivery: done.delivery });
  } finally {
    release();
  }
}
