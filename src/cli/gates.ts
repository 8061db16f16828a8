import path from 'node:path';
import { Command } from 'commander';
import type { GateName } from '../contract/index.js';
import {
  baselineGate,
  evidenceGate,
  featureKeyGate,
  integrityGate,
  readAllowedPaths,
  scopeGate,
  FEATURE_KEY,
  type Verdict,
} from '../governance/index.js';
import { baselineOf } from '../delivery/index.js';
import type { Store } from '../store/index.js';
import { validateBeadsId } from '../jobs/validate.js';
import { evaluate } from '../jobs/evaluate.js';
import { DxError } from '../core/errors.js';
import { LIMITS } from '../core/input.js';
import { EXIT } from './exit.js';
import { number, print, printJson, withStore } from './shared.js';

/** Gate exit codes (fixed: scripts branch on them): baseline, integrity and feature-key 1; scope 29; evidence 30. */
export const GATE_EXIT = {
  baseline: 1,
  integrity: 1,
  'feature-key': 1,
  scope: 29,
  evidence: 30,
} as const satisfies Record<GateName, number>;

interface Common {
  worktree?: string;
  beads?: string;
  json?: boolean;
}

/**
 * The worktree a gate looks at: --worktree exactly as given (a missing one is reported, never replaced),
 * else the bead's job worktree, else the current directory.
 */
function worktreeFor(store: Store, o: Common): string {
  if (o.worktree) return path.resolve(o.worktree);
  if (o.beads) {
    const job = store.jobs.latest(validateBeadsId(o.beads));
    if (job) return job.worktree;
  }
  return process.cwd();
}

function emit<V extends Verdict>(gate: GateName, verdict: V, json?: boolean): void {
  const { passed, reason_code, details, ...fields } = verdict;
  if (json) printJson({ gate, passed, reason_code, ...fields, details });
  else {
    print(`${gate} gate: ${passed ? 'PASS' : 'FAIL'} (${reason_code})`);
    for (const [k, v] of Object.entries(fields as Record<string, unknown>))
      print(`  ${k}: ${Array.isArray(v) ? v.join(', ') || '-' : (v ?? '-')}`);
    print(`  details: ${details}`);
  }
  process.exitCode = passed ? EXIT.ok : GATE_EXIT[gate];
}

const common = (c: Command) =>
  c
    .option(
      '--worktree <dir>',
      'the git worktree to check (default: the bead job worktree, else the current directory)',
    )
    .option('--beads <id>', 'take the worktree (and, where it applies, the baseline) from this bead job')
    .option('--json', 'JSON output');

export function registerGateCommands(program: Command): void {
  common(
    program
      .command('baseline-gate')
      .description('the worktree HEAD contains the required baseline commit; exit 0 pass, 1 fail'),
  )
    .requiredOption('--required-baseline <sha>', 'commit (or ref) that must be contained in HEAD')
    .action((o: Common & { requiredBaseline: string }) =>
      withStore((store) => emit('baseline', baselineGate(worktreeFor(store, o), o.requiredBaseline), o.json)),
    );

  common(
    program
      .command('integrity-gate')
      .description('the reported commit exists and is an ancestor of the branch head; exit 0 pass, 1 fail'),
  )
    .requiredOption('--reported-commit <sha>', 'the commit the agent reported')
    .option('--branch <name>', 'branch to check (default: the current one)')
    .action((o: Common & { reportedCommit: string; branch?: string }) =>
      withStore((store) => emit('integrity', integrityGate(worktreeFor(store, o), o.reportedCommit, o.branch), o.json)),
    );

  common(
    program
      .command('feature-key-gate')
      .description('every commit the job added carries a Feature-Key trailer; exit 0 pass, 1 fail'),
  )
    .option('--feature-key <key>', 'e.g. bd-xga8.14 (default: the --beads id)')
    .option('--base <ref>', 'compare against this (default: upstream, else main, else master)')
    .option('--branch <name>', 'branch to check (default: the current one)')
    .action((o: Common & { featureKey?: string; base?: string; branch?: string }) =>
      withStore((store) => {
        const key = o.featureKey ?? (o.beads && FEATURE_KEY.test(o.beads) ? o.beads : undefined);
        if (!key) throw new DxError('feature_key_missing', 'pass --feature-key bd-<id> (or --beads with a bd- id)');
        emit('feature-key', featureKeyGate(worktreeFor(store, o), key, { base: o.base, branch: o.branch }), o.json);
      }),
    );

  common(
    program
      .command('scope-gate')
      .description('every changed path is in the allow-list and the count within budget; exit 0 pass, 29 fail'),
  )
    .option('--allowed-paths-file <file>', 'one allowed path (file or directory) per line; # comments')
    .option(
      '--mutation-budget <n>',
      'most files the job may change',
      number('--mutation-budget', LIMITS.mutationBudget),
    )
    .action((o: Common & { allowedPathsFile?: string; mutationBudget?: number }) =>
      withStore((store) => {
        if (!o.allowedPathsFile && o.mutationBudget === undefined)
          throw new DxError('scope_missing', 'pass --allowed-paths-file <file> and/or --mutation-budget <n>');
        const allowed = o.allowedPathsFile ? readAllowedPaths(o.allowedPathsFile) : null;
        if (o.allowedPathsFile && !allowed)
          throw new DxError(
            'allowed_paths_file_missing',
            `allowed-paths file ${o.allowedPathsFile} cannot be read; pass an existing file`,
          );
        const job = o.beads ? store.jobs.latest(validateBeadsId(o.beads)) : null;
        // with a bead, "changed" means changed by its job (pre-existing dirt excluded)
        emit(
          'scope',
          scopeGate(worktreeFor(store, o), {
            allowedPaths: allowed,
            budget: o.mutationBudget ?? null,
            baseline: job ? baselineOf(job) : null,
          }),
          o.json,
        );
      }),
    );

  common(
    program
      .command('evidence-gate')
      .description(
        'the signoff exists, is non-empty, has no unchecked item, and (with --beads) the job finished ok; ' +
          'exit 0 pass, 30 fail',
      ),
  )
    .requiredOption('--signoff-file <file>', 'the signoff / evidence file')
    .action((o: Common & { signoffFile: string }) =>
      withStore((store) => {
        const job = o.beads ? store.jobs.latest(validateBeadsId(o.beads)) : undefined;
        const jobState = job === undefined ? undefined : job === null ? null : evaluate(job).health.state;
        if (!o.beads)
          process.stderr.write(
            "dx-runner: evidence-gate without --beads checks the signoff file only, not the job's outcome; " +
              'pass --beads <id> to check that the job finished ok\n',
          );
        emit('evidence', evidenceGate(path.resolve(o.signoffFile), jobState), o.json);
      }),
    );
}
