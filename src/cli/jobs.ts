import { LineTail } from '../core/tail.js';
import { sleep } from '../core/time.js';
import { LIMITS } from '../core/input.js';
import { Command, Option } from 'commander';
import { evaluateJobs } from '../jobs/judge.js';
import { filesOf } from '../jobs/paths.js';
import { validateBeadsId } from '../jobs/validate.js';
import { endedNote, endedOutput, jobFor, number, print, printJson, withStore } from './shared.js';
import { redact } from '../governance/secrets.js';
import {
  checkResult,
  renderLogLine,
  reportMarkdown,
  reportOf,
  jobRow,
  jobTable,
  pausedLine,
  pausedProviders,
  statusRow,
  tailLines,
} from '../report/index.js';
import { checkExitCode, EXIT } from './exit.js';
import { emit } from './output.js';
import type { CheckMissingOutput, PruneOutput, StatusOutput } from '../report/schemas.js';
import { fleetJobCommand, fleetLogsCommand, fleetOption } from './fleet.js';

export function registerJobCommands(program: Command): void {
  program
    .command('status')
    .description('one row per bead: running jobs, then the most recently finished')
    .option('--beads <id>', 'only this bead')
    .option('--recent <n>', 'how many finished beads to show', number('--recent', LIMITS.count), 10)
    .option('--all', 'show every bead ever run')
    .option('--json', 'JSON: {generated_at, jobs:[...]}')
    .option(
      '--watch',
      'live view refreshed in place until Ctrl-C (not a terminal: one plain print); NO_COLOR turns colour off',
    )
    .addOption(fleetOption())
    .action((o: { beads?: string; recent: number; all?: boolean; json?: boolean; watch?: boolean; fleet?: string }) =>
      o.fleet !== undefined
        ? fleetJobCommand('status', o)
        : withStore(async (store) => {
            const jobsNow = () => (o.beads ? [jobFor(store, o.beads)] : store.jobs.current(o.all ? -1 : o.recent));
            const until = (provider: string) => store.pauses.get(provider)?.until;
            if (o.watch && !o.json) {
              const { colorWanted, renderWatch, runWatch } = await import('../report/watch.js');
              const { evaluate } = await import('../jobs/evaluate.js');
              const color = colorWanted(process.env);
              return runWatch(() => {
                const now = Date.now();
                const rows = jobsNow().map((j) => jobRow(evaluate(j, now, until), now));
                const paused = pausedLine(pausedProviders(store.pauses.active(now), now));
                return {
                  text:
                    renderWatch(
                      `dx-runner status  ${new Date(now).toISOString().slice(11, 19)}Z  (Ctrl-C to leave)`,
                      rows,
                      color,
                    ) + (paused ? `\n${paused}` : ''),
                  done: false,
                };
              });
            }
            const now = Date.now();
            const evaluated = await evaluateJobs(jobsNow(), now, until);
            const paused = pausedProviders(store.pauses.active(now), now);
            if (o.json) {
              const jobs = evaluated.map((e) => statusRow(e, now));
              printJson({
                generated_at: new Date(now).toISOString(),
                jobs,
                paused_providers: paused,
              } satisfies StatusOutput);
            } else {
              print(
                evaluated.length
                  ? jobTable(evaluated.map((e) => jobRow(e, now))).join('\n')
                  : '(no jobs recorded yet: dx-runner start --beads <id> --prompt-file <file>)',
              );
              const line = pausedLine(paused);
              if (line) print(line);
            }
          }),
    );

  program
    .command('check')
    .description('state, reason and next action of one job; exit 0 ok, 2 stalled, 3 failed, 1 unknown bead')
    .requiredOption('--beads <id>', 'work item id')
    .option('--json', 'JSON output')
    .addOption(fleetOption())
    .action((o: { beads: string; json?: boolean; fleet?: string }) =>
      o.fleet !== undefined
        ? fleetJobCommand('check', o)
        : withStore(async (store) => {
            const id = validateBeadsId(o.beads);
            const job = store.jobs.latest(id);
            if (!job) {
              const missing: CheckMissingOutput = {
                beads: id,
                provider: 'unknown',
                state: 'missing',
                reason_code: 'no_meta',
                next_action: 'verify_beads_id_or_start_job',
              };
              if (o.json) printJson(missing);
              else print(`${id}: missing (no_meta)\nnext_action=${missing.next_action}`);
              process.exitCode = EXIT.error;
              return;
            }
            const [e] = await evaluateJobs([job], Date.now(), (provider) => store.pauses.get(provider)?.until);
            const r = checkResult(e);
            if (o.json) printJson(r);
            else {
              print(`${r.beads}: ${r.state} (${r.reason_code})`);
              if (r.next_action !== '-') print(`next_action=${r.next_action}`);
              print(`selected_model=${r.selected_model}`);
              print(
                `metrics mutations=${r.mutation_count} log_bytes=${r.log_bytes} pid_age_sec=${r.pid_age_sec} ` +
                  `log_age_sec=${r.log_age_sec ?? '-'}`,
              );
            }
            process.exitCode = checkExitCode(e.health);
          }),
    );

  program
    .command('report')
    .description('full record of a job: outcome, model, timing, mutations')
    .requiredOption('--beads <id>', 'work item id')
    .addOption(
      new Option('--format <fmt>', 'output format (default: markdown on a terminal, json otherwise)').choices([
        'json',
        'markdown',
      ]),
    )
    .option('--json', 'same as --format json')
    .addOption(fleetOption())
    .action((o: { beads: string; format?: string; json?: boolean; fleet?: string }) =>
      o.fleet !== undefined
        ? fleetJobCommand('report', o)
        : withStore(async (store) => {
            const job = jobFor(store, o.beads);
            const [e] = await evaluateJobs([job], Date.now(), (provider) => store.pauses.get(provider)?.until);
            emit(reportOf(e, store.events.list(job.id)), o, true, reportMarkdown);
          }),
    );

  program
    .command('stop')
    .description(
      'end the job: every process it started (whatever group or session it moved to) and, on the attach and ' +
        'server lanes, its session on the server; an outcome it already had is kept',
    )
    .requiredOption('--beads <id>', 'work item id')
    .option('--json', 'JSON output')
    .addOption(fleetOption())
    .action((o: { beads: string; json?: boolean; fleet?: string }) =>
      o.fleet !== undefined
        ? fleetJobCommand('stop', o)
        : withStore(async (store) => {
            const { stopJob } = await import('../jobs/stop.js');
            const { job, ended } = await stopJob(store, o.beads);
            const [{ health }] = await evaluateJobs([job]);
            if (o.json) printJson(endedOutput(job, health, ended));
            else
              print(
                `stopped beads=${job.beads} state=${health.state} reason_code=${health.reasonCode}${endedNote(ended)}`,
              );
          }),
    );

  program
    .command('prune')
    .description(
      'record the outcome of jobs whose process ended while no supervisor watched; running jobs are untouched',
    )
    .option('--beads <id>', 'only this bead')
    .option('--json', 'JSON: {checked, pruned}')
    .action((o: { beads?: string; json?: boolean }) =>
      withStore(async (store) => {
        const { evaluate } = await import('../jobs/evaluate.js');
        const { finalizeJob } = await import('../jobs/finalize.js');
        const only = o.beads === undefined ? undefined : validateBeadsId(o.beads);
        const active = store.jobs.current(0).filter((j) => j.active && (only === undefined || j.beads === only));
        let pruned = 0;
        for (const j of active) if (!evaluate(j).alive && finalizeJob(store, j)) pruned++;
        if (o.json) printJson({ checked: active.length, pruned } satisfies PruneOutput);
        else print(`prune: checked=${active.length} pruned=${pruned}`);
      }),
    );

  program
    .command('logs')
    .description("the agent's output, rendered (raw JSON events with --raw)")
    .requiredOption('--beads <id>', 'work item id')
    .option('--lines <n>', 'how many lines from the end', number('--lines', LIMITS.count), 20)
    .option('--raw', 'print the raw event stream')
    .option('-f, --follow', 'keep printing new output until the job ends')
    // the raw stream stays on the host that ran the job; the fleet keeps the rendered lines
    .addOption(fleetOption().conflicts('raw'))
    .action((o: { beads: string; lines: number; raw?: boolean; follow?: boolean; fleet?: string | boolean }) =>
      o.fleet !== undefined
        ? fleetLogsCommand(o)
        : withStore(async (store) => {
            const job = jobFor(store, o.beads);
            const file = filesOf(job).out;
            // secrets never reach the screen, raw or rendered
            const { getProvider } = await import('../providers/index.js');
            const render = getProvider(job.provider).renderLine ?? renderLogLine;
            const show = (l: string) => print(redact(o.raw ? l : render(l)));
            tailLines(file, o.lines).forEach(show);
            for (const l of tailLines(filesOf(job).err, o.lines)) print(redact(`[stderr] ${l}`));
            if (!o.follow) return;
            const tail = new LineTail(file, 'end');
            for (;;) {
              tail.read().forEach(show);
              const current = store.jobs.get(job.id);
              if (!current?.active) break;
              await sleep(300);
            }
            if (tail.partial) show(tail.partial);
          }),
    );
}
