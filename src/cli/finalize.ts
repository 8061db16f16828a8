import type { Command } from 'commander';
import { DxError } from '../core/errors.js';
import { forcedOutcome, REASON_CODE } from '../health/index.js';
import { evaluate } from '../jobs/evaluate.js';
import { endedOutput, number, print, printJson, withStore } from './shared.js';

/** `dx-runner finalize`: the bash tool's force-finalize, over stop (the same claim, process-group end and record). */
export function registerFinalizeCommand(program: Command): void {
  program
    .command('finalize')
    .description(
      'end a running job (every process it started) and record the given reason and exit code as its outcome; ' +
        'a job whose agent already ended keeps its own outcome',
    )
    .requiredOption('--beads <id>', 'work item id')
    .option('--reason <code>', 'outcome reason_code to record', 'forced_finalization')
    .option(
      '--exit-code <n>',
      'outcome exit code: 0 records success, 137 stopped, anything else failed',
      number('--exit-code', { integer: true, min: 0, max: 255 }),
      1,
    )
    .option('--json', 'JSON output (dx-runner schema stop)')
    .action((o: { beads: string; reason: string; exitCode: number; json?: boolean }) =>
      withStore(async (store) => {
        if (!REASON_CODE.test(o.reason))
          throw new DxError(
            'invalid_reason_code',
            `--reason takes a reason code (lower case, digits, underscores), got '${o.reason}'`,
          );
        const { stopJob } = await import('../jobs/stop.js');
        const { job, ended } = await stopJob(store, o.beads, forcedOutcome(o.reason, o.exitCode));
        const { health } = evaluate(job);
        if (o.json) printJson(endedOutput(job, health, ended));
        else if (job.outcomeReason === o.reason && job.exitCode === o.exitCode)
          print(`force_finalized beads=${job.beads} reason=${o.reason} exit_code=${o.exitCode} state=${health.state}`);
        else
          print(
            `finalized beads=${job.beads} state=${health.state} reason_code=${health.reasonCode} ` +
              `(its agent had already ended: its own outcome is kept)`,
          );
      }),
    );
}
