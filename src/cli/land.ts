import { Option, type Command } from 'commander';
import { DELIVER_MODES, MERGE_STRATEGIES, type DeliverMode, type MergeStrategy } from '../contract/delivery.js';
import type { LandOutput } from '../report/schemas.js';
import { exitCodeFor } from './exit.js';
import { jobFor, print, printJson, withStore } from './shared.js';

interface LandFlags {
  beads: string;
  deliver?: DeliverMode;
  remote?: string;
  base?: string;
  mergeStrategy?: MergeStrategy;
  verifyCmd?: string;
  json?: boolean;
}

/** `dx-runner land`: delivers a finished job's branch after review, by the path `--deliver` takes at the end. */
export function registerLandCommand(program: Command): void {
  program
    .command('land')
    .description("deliver a finished job's branch: push it to a remote, or land it on the base branch")
    .requiredOption('--beads <id>', 'work item id')
    .addOption(
      new Option('--deliver <mode>', "push or merge (default: the job's own --deliver)").choices(
        DELIVER_MODES.filter((m) => m !== 'none'),
      ),
    )
    .option('--remote <name>', "push: the remote (default: the job's, else origin)")
    .option('--base <branch>', 'merge: the branch it lands on (default: the branch the repository has checked out)')
    .addOption(
      new Option(
        '--merge-strategy <how>',
        "merge: put the branch over the base by (default: the job's, else rebase)",
      ).choices(MERGE_STRATEGIES),
    )
    .option('--verify-cmd <cmd>', 'merge: run with sh -c in the worktree on the result; it lands only if it exits 0')
    .option('--json', 'JSON output (dx-runner schema land)')
    .action((o: LandFlags) =>
      withStore(async (store) => {
        const { landJob } = await import('../delivery/job.js');
        const { deliveryError } = await import('../delivery/land.js');
        const { DxError } = await import('../core/errors.js');
        const { deliveryOutput } = await import('../report/index.js');
        const job = jobFor(store, o.beads);
        const own = job.settings.delivery;
        const mode = o.deliver ?? own?.mode ?? 'none';
        if (mode === 'none')
          throw new DxError(
            'job_not_deliverable',
            `${job.beads} was started with --deliver none; pass --deliver push|merge`,
          );
        const r = landJob(store, job, {
          mode,
          remote: o.remote ?? own?.remote ?? 'origin',
          strategy: o.mergeStrategy ?? own?.strategy ?? 'rebase',
          base: o.base ?? own?.base,
          verify: o.verifyCmd ?? own?.verify,
        });
        if (o.json) printJson({ beads: job.beads, ...deliveryOutput(r) } satisfies LandOutput);
        if (r.result === 'failed') {
          // the delivery ran and failed: its result is the output, its reason the exit code
          const e = deliveryError(r);
          process.stderr.write(`dx-runner: ${e.message} (reason_code=${e.reasonCode})\n`);
          process.exitCode = exitCodeFor(e);
        } else if (!o.json)
          print(`${r.result} beads=${job.beads} branch=${r.branch} ${r.ref ? `ref=${r.ref} ` : ''}sha=${r.sha}`);
      }),
    );
}
