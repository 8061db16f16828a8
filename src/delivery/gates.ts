import { headCommit, type MutationBaseline } from '../governance/git.js';
import { evidenceGate, featureKeyGate, integrityGate, scopeGate } from '../governance/index.js';
import type { Outcome } from '../health/index.js';
import type { JobRecord } from '../store/index.js';

/** The post-job gates: in delivery, they run on the job's commit, before verification. */

export const baselineOf = (job: JobRecord): MutationBaseline => ({
  head: job.startHead,
  dirty: JSON.parse(job.baseline) as Record<string, string>,
});

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
