import { DxError } from '../core/errors.js';
import type { WaveReportOutput, WaveStatusOutput } from '../report/waveSchemas.js';
import { renderTable, type Column } from '../report/index.js';
import { fleetUrlOf } from './fleet.js';
import { print, printJson } from './shared.js';

/** `wave start|status|report|stop|resume --fleet`: the wave in the engine, run, read and shown from any host. */

export type FleetWaveCommand = 'start' | 'status' | 'report' | 'stop' | 'resume';

const COLUMNS: Column[] = [
  { header: 'BEAD' },
  { header: 'ITEM' },
  { header: 'PROVIDER' },
  { header: 'TRY', right: true },
  { header: 'JOB STATE' },
  { header: 'HOST' },
  { header: 'BRANCH' },
  { header: 'FALLBACK / REASON' },
];

const counts = (c: Record<string, number>) =>
  Object.entries(c)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s}=${n}`)
    .join(' ');

function statusText(s: WaveStatusOutput): string {
  const rows = s.items.map((i) => [
    i.beads,
    i.item_state,
    i.provider,
    String(i.attempts),
    i.fleet_job?.state ?? '-',
    i.fleet_job?.host ?? '-',
    i.fleet_job?.branch ?? '-',
    [i.fallback_reason ? `fallback:${i.fallback_reason}` : '', i.reason_code ?? ''].filter(Boolean).join(' ') || '-',
  ]);
  const head = `fleet wave ${s.wave}: ${s.state}${s.critical ? ' (critical)' : ''}  driver=${s.driver_host ?? '-'}`;
  const queue = s.merge_queue.length ? [`merge queue: ${s.merge_queue.join(' → ')}`] : [];
  return [`${head}  ${counts(s.counts)}`, ...queue, ...renderTable(COLUMNS, rows)].join('\n');
}

export async function fleetWaveCommand(
  command: FleetWaveCommand,
  o: { fleet?: string | boolean; wave?: number; json?: boolean; [flag: string]: unknown },
  reportText: (r: WaveReportOutput) => string,
): Promise<void> {
  const local = ['html', 'output', 'watch'].find((flag) => o[flag] !== undefined && o[flag] !== false);
  if (local)
    throw new DxError('invalid_argument', `--${local} is not for a fleet wave yet; leave it out, or use --json`);
  const fleet = await import('../fleet/index.js');
  const url = await fleetUrlOf(o.fleet);
  if (command === 'resume') {
    const r = await fleet.resumeFleetWave(url, o.wave);
    if (o.json) printJson(r);
    else
      print(
        r.resumed
          ? `resumed fleet wave ${r.wave}: its driver enqueued for any worker`
          : `fleet wave ${r.wave} already has a live driver`,
      );
    return;
  }
  if (command === 'report') {
    const r = await fleet.fleetWaveReport(url, o.wave);
    if (o.json) printJson(r);
    else print(reportText(r));
    if (r.counts.failed > 0) process.exitCode = 3;
    return;
  }
  const s =
    command === 'start'
      ? await fleet.startFleetWave(url, { ...(o as object), cwd: process.cwd() })
      : command === 'stop'
        ? await fleet.stopFleetWave(url, o.wave)
        : await fleet.fleetWaveStatus(url, o.wave);
  if (o.json) printJson(s);
  else if (command === 'stop') print(`stopped fleet wave ${s.wave}: ${counts(s.counts)}`);
  else if (command === 'start')
    print(
      `started fleet wave ${s.wave}: ${s.items.length} items, its driver enqueued for any worker; ` +
        `watch it with dx-runner wave status --fleet --wave ${s.wave}`,
    );
  else print(statusText(s));
}
