import type { Command } from 'commander';
import { jobDiff } from '../delivery/diff.js';
import type { DiffOutput } from '../report/schemas.js';
import { jobFor, print, printJson, withStore } from './shared.js';

const lines = (n: number | null) => (n === null ? 'binary' : String(n));

/** `dx-runner diff`: what a job changed since it started, finished or running. */
export function registerDiffCommand(program: Command): void {
  program
    .command('diff')
    .description('what the job changed since it started, committed and not (untracked files too): the patch')
    .requiredOption('--beads <id>', 'work item id')
    .option('--stat', 'the files instead, each with its lines added and removed')
    .option('--json', 'JSON: the files, their totals and (without --stat) the patch')
    .action((o: { beads: string; stat?: boolean; json?: boolean }) =>
      withStore((store) => {
        const job = jobFor(store, o.beads);
        const d = jobDiff(job.worktree, job.startHead, !o.stat);
        const sum = (k: 'added' | 'removed') => d.files.reduce((n, f) => n + (f[k] ?? 0), 0);
        if (o.json) {
          printJson({
            beads: job.beads,
            worktree: job.worktree,
            start_head: job.startHead,
            files: d.files,
            insertions: sum('added'),
            deletions: sum('removed'),
            patch: o.stat ? null : d.patch,
          } satisfies DiffOutput);
        } else if (o.stat) {
          for (const f of d.files) print(`+${lines(f.added)} -${lines(f.removed)} ${f.path}`);
          print(`${d.files.length} file(s) changed, +${sum('added')} -${sum('removed')} since ${job.startHead}`);
        } else process.stdout.write(d.patch);
      }),
    );
}
