import fs from 'node:fs';
import { decideOutcome, emptySummary, foldEvent, type Outcome, type OutputSummary } from '../health/index.js';
import { countMutations, headCommit, type MutationBaseline } from '../governance/git.js';
import { evidenceGate, featureKeyGate, integrityGate, scopeGate } from '../governance/index.js';
import { getProvider, type ProviderAdapter } from '../providers/index.js';
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

export const baselineOf = (job: JobRecord): MutationBaseline => ({
  head: job.startHead,
  dirty: JSON.parse(job.baseline) as Record<string, string>,
});

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

/** What finalization would record for a job whose process has ended (read-only). */
export function pendingOutcome(job: JobRecord): PendingOutcome {
  const f = filesOf(job);
  const summary = summarizeFiles(getProvider(job.provider), f);
  const rc = readRc(f);
  const gated = postJobGates(job, decideOutcome(rc?.exitCode ?? null, summary));
  return {
    outcome: gated.outcome,
    verdicts: gated.verdicts,
    summary,
    completedAt: rc?.at ?? Date.now(),
    mutations: safeMutations(job),
    outputBytes: outputBytes(f),
  };
}

/**
 * The required post-job gates of a job whose agent succeeded. The first failing one turns the outcome
 * into `governance_failed` with that gate's reason, so success that broke policy is never "ok".
 */
export function postJobGates(job: JobRecord, outcome: Outcome): { outcome: Outcome; verdicts: JobRecord['gates'] } {
  const spec = job.settings.gates;
  if (!spec?.required.length || outcome.state !== 'success') return { outcome, verdicts: {} };
  const verdicts: JobRecord['gates'] = {};
  for (const gate of spec.required) {
    switch (gate) {
      case 'feature-key':
        verdicts[gate] = featureKeyGate(job.worktree, spec.featureKey ?? job.beads, {
          base: spec.base,
          branch: spec.branch,
        });
        break;
      case 'scope':
        verdicts[gate] = scopeGate(job.worktree, {
          allowedPaths: spec.allowedPaths ?? null,
          budget: spec.mutationBudget ?? null,
          baseline: baselineOf(job),
        });
        break;
      case 'evidence':
        verdicts[gate] = evidenceGate(spec.signoffFile ?? '', 'exited_ok');
        break;
      case 'integrity':
        verdicts[gate] = integrityGate(job.worktree, headCommit(job.worktree) ?? '', spec.branch);
        break;
    }
  }
  const failed = Object.values(verdicts).find((v) => !v.passed);
  return {
    outcome: failed ? { ...outcome, state: 'governance_failed', reasonCode: failed.reason_code } : outcome,
    verdicts,
  };
}

/**
 * Writes the outcome of an ended job from its files. Idempotent: the store keeps the first outcome.
 * `override` is for outcomes the runner decides itself (an operator stop, a fail-fast kill).
 */
export function finalizeJob(store: Store, job: JobRecord, override?: Outcome): boolean {
  const pending = pendingOutcome(job);
  return store.jobs.finalize(job.id, override ?? pending.outcome, {
    completedAt: override ? Date.now() : pending.completedAt,
    mutations: pending.mutations,
    outputBytes: pending.outputBytes,
    summary: pending.summary,
    gates: override ? {} : pending.verdicts,
  });
}
