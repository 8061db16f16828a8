import { Command, Option } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { DxError } from '../core/errors.js';
import type { Store, WaveRecord } from '../store/index.js';
import { number, print, printJson, withStore } from './shared.js';
import { formatElapsed, renderTable, type Column } from '../report/index.js';
import type { WaveReportOutput, WaveStatusOutput } from '../report/waveSchemas.js';
import type { WaveStartOptions } from '../wave/index.js';
import { fleetOption } from './fleet.js';
import type { FleetWaveCommand } from './fleetWave.js';

type FleetFlag = { fleet?: string | boolean; json?: boolean; wave?: number };
type WaveStartFlags = Omit<WaveStartOptions, 'env' | 'cwd'> & FleetFlag;

/** With `--fleet` the command runs on the fleet's engine instead (src/cli/fleetWave.ts); else on this host. */
const fleetOr =
  <T extends FleetFlag>(command: FleetWaveCommand, local: (o: T) => Promise<void>) =>
  (o: T) =>
    o.fleet ? import('./fleetWave.js').then((m) => m.fleetWaveCommand(command, o, reportText)) : local(o);

const counts = (c: Record<string, number>) =>
  Object.entries(c)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s}=${n}`)
    .join(' ');

const WAVE_COLUMNS: Column[] = [
  { header: 'BEAD' },
  { header: 'ITEM' },
  { header: 'PROVIDER' },
  { header: 'TRY', right: true },
  { header: 'JOB STATE' },
  { header: 'ELAPSED', right: true },
  { header: 'MUT', right: true },
  { header: 'FALLBACK / REASON' },
];

function statusText(s: WaveStatusOutput): string {
  const rows = s.items.map((i) => [
    i.beads,
    i.item_state,
    i.provider,
    String(i.attempts),
    i.job?.state ?? '-',
    i.job ? formatElapsed(i.job.elapsed) : '-',
    String(i.job?.mutation_count ?? '-'),
    [i.fallback_reason ? `fallback:${i.fallback_reason}` : '', i.reason_code ?? ''].filter(Boolean).join(' ') || '-',
  ]);
  const head = `wave ${s.wave}: ${s.state}${s.critical ? ' (critical)' : ''}  driver=${s.driver_pid ?? '-'}`;
  return [`${head}  ${counts(s.counts)}`, ...renderTable(WAVE_COLUMNS, rows)].join('\n');
}

function reportText(r: WaveReportOutput): string {
  const out = [
    `# Wave ${r.wave}: ${r.state}`,
    '',
    `${counts(r.counts)}; ${r.duration_sec}s${r.critical ? '; critical (fallback lane from the start)' : ''}`,
    '',
    '| bead | state | provider | attempts | fallback | reason | mutations | branch | commit | delivery |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const i of r.items) {
    const d = i.delivery;
    const delivered = d ? `${d.mode} ${d.result}${d.sha ? ` ${d.ref}@${d.sha.slice(0, 12)}` : ''}` : '-';
    out.push(
      `| ${i.beads} | ${i.state} | ${i.provider} | ${i.attempts} | ${i.fallback_reason ?? '-'} | ` +
        `${i.reason_code ?? '-'} | ${i.mutations} | ${i.branch ?? '-'} | ${i.commit?.slice(0, 12) ?? '-'} | ` +
        `${delivered} |`,
    );
  }
  return out.join('\n');
}

/** `wave report --html`: the page goes to a file (a terminal is no place for HTML); its path is printed. */
async function writeHtml(store: Store, home: string, w: WaveRecord, output: string | undefined): Promise<void> {
  const { waveHtml, waveHtmlInput } = await import('../wave/index.js');
  const { waveDir } = await import('../wave/folder.js');
  const file = path.resolve(output ?? path.join(waveDir(home, w.id), 'report.html'));
  const input = waveHtmlInput(store, w);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, waveHtml(input), { mode: 0o600 });
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new DxError('output_unwritable', `cannot write ${file} (${why}); pass a writable file with --output`);
  }
  print(file);
  if (input.report.counts.failed > 0) process.exitCode = 3;
}

/** An item's place in the merge queue, as the live view shows it. */
const queueNote = (queue: string[], beads: string) => {
  const at = queue.indexOf(beads);
  return at < 0 ? null : at === 0 ? 'landing' : `waiting to land (${at} ahead)`;
};

const fallbackNote = (i: { fallback_reason: string | null; item_state: string }) =>
  i.fallback_reason && i.item_state !== 'landed' ? `fallback:${i.fallback_reason}` : null;

export function registerWaveCommands(program: Command): void {
  const wave = program
    .command('wave')
    .description('run many beads at once under the caps: start, status, report, stop, resume');

  wave
    .command('start')
    .description('validate and record a wave, then hand it to a detached driver that launches jobs as slots free')
    .option('--manifest <file>', 'the wave as YAML (see README, Waves)')
    .option('--items <ids>', 'bead ids, comma-separated (with --prompt-file)')
    .option('--prompt-file <path>', 'with --items: the task for every bead')
    .option(
      '--worktree-root <dir>',
      'with --items or --from-beads: each bead works in <dir>/<bead> (created from --repo at --base when absent)',
    )
    .option(
      '--repo <dir>',
      'git repository new worktrees are created from (default: the one around the manifest or cwd)',
    )
    .option('--base <ref>', 'commit new worktrees start from (default HEAD)')
    .option('--provider <name>', 'provider for every item (default: the manifest, else opencode)')
    .option('--critical', 'dispatch every item on its fallback provider from the start')
    .option(
      '--from-beads',
      'the wave is the ready issues of beads (`bd ready --json`, run here; needs the bd CLI), each prompt ' +
        'built from the issue; dispatch and outcome are recorded on the issues',
    )
    .option(
      '--limit <n>',
      'with --from-beads: at most n issues (bd ready --limit; default: every ready issue)',
      number('--limit', { integer: true, min: 1 }),
    )
    .option('--json', 'JSON: the wave status')
    .addOption(fleetOption())
    .action(
      fleetOr('start', (o: WaveStartFlags) =>
        withStore(async (store, home) => {
          const { startWave, waveStatus } = await import('../wave/index.js');
          const { wave: w } = await startWave(store, home, { ...o, env: process.env, cwd: process.cwd() });
          const s = waveStatus(store, w);
          if (o.json) printJson(s);
          else {
            const recorded = o.fromBeads ? ' from bd ready, recorded on the issues' : '';
            print(
              `started wave ${w.id}: ${s.items.length} items${recorded}, driver pid ${s.driver_pid ?? '-'}; ` +
                'watch it with dx-runner wave status --watch',
            );
          }
        }),
      ),
    );

  wave
    .command('status')
    .description('the wave and each item with its job (default: the newest wave)')
    .option('--wave <id>', 'wave id', number('--wave', { integer: true, min: 1 }))
    .option('--json', 'JSON (dx-runner schema wave-status)')
    .option(
      '--watch',
      'live view until the wave ends or Ctrl-C (not a terminal: one plain print); NO_COLOR turns colour off',
    )
    .addOption(fleetOption())
    .action(
      fleetOr('status', (o: { wave?: number; json?: boolean; watch?: boolean }) =>
        withStore(async (store) => {
          const { waveOrLatest, waveStatus } = await import('../wave/index.js');
          const id = waveOrLatest(store, o.wave).id;
          if (o.watch && !o.json) {
            const { colorWanted, renderWatch, runWatch } = await import('../report/watch.js');
            const color = colorWanted(process.env);
            return runWatch(() => {
              const s = waveStatus(store, waveOrLatest(store, id));
              const rows = s.items.map((i) => ({
                beads: i.beads,
                provider: i.provider,
                // the job's own state while it runs; the item's verdict once it is settled
                state: i.item_state === 'running' && i.job ? i.job.state : i.item_state,
                elapsed: i.job?.elapsed ?? 0,
                bytes: i.job?.log_bytes ?? 0,
                mutations: i.job?.mutation_count ?? 0,
                lastEvent: queueNote(s.merge_queue, i.beads) ?? fallbackNote(i) ?? i.last_event,
              }));
              const queue = s.merge_queue.length ? `\nmerge queue: ${s.merge_queue.join(' → ')}` : '';
              return {
                text: renderWatch(`wave ${s.wave}: ${s.state}  ${counts(s.counts)}${queue}`, rows, color),
                done:
                  s.state === 'done' ||
                  (s.state === 'stopped' && s.counts.queued + s.counts.launching + s.counts.running === 0),
              };
            });
          }
          const s = waveStatus(store, waveOrLatest(store, id));
          if (o.json) printJson(s);
          else print(statusText(s));
        }),
      ),
    );

  wave
    .command('report')
    .description('the record of a wave: every item with all its attempts; exit 0 when none failed, 3 when any failed')
    .option('--wave <id>', 'wave id', number('--wave', { integer: true, min: 1 }))
    .option('--json', 'JSON (dx-runner schema wave-report)')
    .addOption(
      new Option(
        '--html',
        'one self-contained HTML page (each item: state, attempts, fallback, commit, diff stat of its worktree; ' +
          'a timeline of the jobs against the cap), written to a file whose path is printed',
      ).conflicts('json'),
    )
    .addOption(
      new Option(
        '--output <file>',
        'where --html writes (implies it; default: report.html in the wave folder)',
      ).conflicts('json'),
    )
    .addOption(fleetOption())
    .action(
      fleetOr('report', (o: { wave?: number; json?: boolean; html?: boolean; output?: string }) =>
        withStore(async (store, home) => {
          const { waveOrLatest, waveReport } = await import('../wave/index.js');
          const w = waveOrLatest(store, o.wave);
          if (o.html || o.output !== undefined) return writeHtml(store, home, w, o.output);
          const r = waveReport(store, w);
          if (o.json) printJson(r);
          else print(reportText(r));
          if (r.counts.failed > 0) process.exitCode = 3;
        }),
      ),
    );

  wave
    .command('stop')
    .description('end the wave: its driver, every running job (every process of theirs); queued items are cancelled')
    .option('--wave <id>', 'wave id', number('--wave', { integer: true, min: 1 }))
    .option('--json', 'JSON: the wave status')
    .addOption(fleetOption())
    .action(
      fleetOr('stop', (o: { wave?: number; json?: boolean }) =>
        withStore(async (store, home) => {
          const { stopWave, waveStatus } = await import('../wave/index.js');
          const s = waveStatus(store, await stopWave(store, home, o.wave));
          if (o.json) printJson(s);
          else print(`stopped wave ${s.wave}: ${counts(s.counts)}`);
        }),
      ),
    );

  wave
    .command('resume')
    .description(
      'give a running wave whose driver died a new driver (nothing is launched twice); --fleet: a stopped one too',
    )
    .option('--wave <id>', 'wave id', number('--wave', { integer: true, min: 1 }))
    .option('--json', 'JSON: {wave, resumed, driver_pid}')
    .addOption(fleetOption())
    .action(
      fleetOr('resume', (o: { wave?: number; json?: boolean }) =>
        withStore(async (store, home) => {
          const { resumeWave } = await import('../wave/index.js');
          const r = resumeWave(store, home, o.wave);
          if (o.json) printJson(r);
          else
            print(
              r.resumed
                ? `resumed wave ${r.wave}: driver pid ${r.driver_pid}`
                : `wave ${r.wave} already has a live driver (pid ${r.driver_pid})`,
            );
        }),
      ),
    );

  program
    .command('__wave', { hidden: true })
    .argument('<waveId>')
    .action(async (id: string) => {
      const { driveWave } = await import('../wave/index.js');
      const { runnerHome } = await import('../core/home.js');
      await driveWave(runnerHome(), Number(id));
    });
}
