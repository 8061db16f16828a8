import fs from 'node:fs';
import { Command } from 'commander';
import { sleep } from '../core/time.js';
import { TERMINAL_STATES } from '../health/index.js';
import { evaluate } from '../jobs/evaluate.js';
import { DxError } from '../core/errors.js';
import { LIMITS } from '../core/input.js';
import { checkExitCode } from './exit.js';
import { jobFor, number, print, printJson, withStore } from './shared.js';

const utc = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Runs `pass` every `intervalSec` until `done` says so or SIGINT/SIGTERM arrives. */
async function loop(intervalSec: number, pass: (cycle: number) => Promise<boolean>): Promise<void> {
  let stopping = false;
  const stop = () => (stopping = true);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (let cycle = 1; !stopping; cycle++) {
    if (await pass(cycle)) return;
    for (let waited = 0; waited < intervalSec * 1000 && !stopping; waited += 200) await sleep(200);
  }
}

export function registerLifecycleCommands(program: Command): void {
  program
    .command('restart')
    .description(
      'end the job (every process it started) and relaunch it as recorded, as a new run with retry_count + 1',
    )
    .requiredOption('--beads <id>', 'work item id')
    .option('--json', 'JSON output')
    .action((o: { beads: string; json?: boolean }) =>
      withStore(async (store, home) => {
        const { restartRun } = await import('../jobs/restart.js');
        const job = jobFor(store, o.beads);
        const done = await restartRun(store, home, job, 'manual_restart');
        if (!done)
          throw new DxError(
            'restart_in_progress',
            `${job.beads} is being restarted or stopped by another process; check again in a moment`,
          );
        if ('waiting' in done)
          throw new DxError(
            done.waiting.reasonCode,
            `${job.beads} was ended; its relaunch waits for a slot (${done.waiting.message.split(';')[0]}): ` +
              `dx-runner watchdog relaunches it when one frees, or run dx-runner restart --beads ${job.beads} again`,
          );
        const next = done.run;
        if (o.json)
          printJson({
            beads: next.beads,
            provider: next.provider,
            pid: next.pid,
            retry_count: next.retries,
            run_instance: next.runInstance,
          });
        else print(`restarted beads=${next.beads} provider=${next.provider} pid=${next.pid} retry=${next.retries}`);
      }),
    );

  program
    .command('watchdog')
    .description(
      'restart stalled and no-op jobs up to --max-retries times, then block them; finalize jobs that ended ' +
        'unseen; resume waves whose driver died',
    )
    .option('--interval <sec>', 'seconds between passes (at least 1)', number('--interval', LIMITS.interval), 60)
    .option('--max-retries <n>', 'restarts per job before it is blocked', number('--max-retries', LIMITS.retries), 1)
    .option('--once', 'one pass, then exit')
    .option(
      '--json',
      'one JSON object per pass: {timestamp_utc, pass, jobs:[{beads, state, reason_code, action, retry_count}], ' +
        'waves:[{wave, action, driver_pid}]}',
    )
    .action((o: { interval: number; maxRetries: number; once?: boolean; json?: boolean }) =>
      withStore(async (store, home) => {
        const { watchdogPass } = await import('../jobs/watchdog.js');
        const { resumeOrphanWaves } = await import('../wave/index.js');
        await loop(o.interval, async (cycle) => {
          const jobs = await watchdogPass(store, home, o.maxRetries);
          // a wave whose driver died gets a new one, so its queued items still start
          const waves = resumeOrphanWaves(store, home);
          if (o.json) print(JSON.stringify({ timestamp_utc: utc(), pass: cycle, jobs, waves }));
          else {
            for (const a of jobs) {
              const retry = a.action === 'restarted' ? ` (retry ${a.retry_count}/${o.maxRetries})` : '';
              print(`${utc()} [${a.beads}] ${a.state} (${a.reason_code}) -> ${a.action}${retry}`);
            }
            for (const w of waves)
              print(`${utc()} [wave ${w.wave}] driver gone -> resumed (driver pid ${w.driver_pid ?? '-'})`);
          }
          return Boolean(o.once);
        });
      }),
    );

  program
    .command('monitor')
    .description(
      "one record per cycle for a bead until it reaches a terminal state; exits with that state's check code",
    )
    .requiredOption('--beads <id>', 'work item id')
    .option('--interval <sec>', 'seconds between records (at least 1)', number('--interval', LIMITS.interval), 600)
    .option('--json', 'one JSON object per line')
    .option('--out-file <path>', 'also append each record to this file (JSON lines)')
    .action((o: { beads: string; interval: number; json?: boolean; outFile?: string }) =>
      withStore((store) =>
        loop(o.interval, async (cycle) => {
          const now = Date.now();
          const e = evaluate(jobFor(store, o.beads), now);
          const record = {
            timestamp_utc: utc(),
            cycle,
            beads: e.job.beads,
            provider: e.job.provider,
            state: e.health.state,
            reason_code: e.health.reasonCode,
            log_bytes: e.job.outputBytes,
            mutation_count: e.job.mutations,
            pid_age_sec: Math.max(0, Math.round((now - e.job.startedAt) / 1000)),
          };
          const line = JSON.stringify(record);
          if (o.outFile) fs.appendFileSync(o.outFile, `${line}\n`);
          print(
            o.json
              ? line
              : `${record.timestamp_utc} cycle=${cycle} ${record.beads} ${record.state} (${record.reason_code}) ` +
                  `bytes=${record.log_bytes} mutations=${record.mutation_count} age=${record.pid_age_sec}s`,
          );
          if (!TERMINAL_STATES.has(e.health.state)) return false;
          process.exitCode = checkExitCode(e.health);
          return true;
        }),
      ),
    );
}
