import path from 'node:path';
import { Option, type Command } from 'commander';
import { runnerHome } from '../core/home.js';
import type { EnqueueOptions, FleetJobView } from '../fleet/index.js';
import type { FleetDoctorOutput, FleetStatusOutput } from '../report/fleetSchemas.js';
import { number, print, printJson, withStore } from './shared.js';

/** The fleet commands (`worker`, `fleet …`) and what the job commands do with `--fleet`. */

/** The `--fleet` option of the job commands: a URL, or alone: DX_RUNNER_FLEET_URL. */
export const fleetOption = () =>
  new Option('--fleet [url]', 'act on the fleet at this Redis URL (alone: DX_RUNNER_FLEET_URL) instead of this host');

/** The fleet URL a command was given: its own `--fleet <url>`, else the environment's. */
export const fleetUrlOf = async (flag: string | boolean | undefined) =>
  (await import('../fleet/index.js')).fleetUrl(typeof flag === 'string' ? flag : undefined, process.env);

const jobLine = (v: FleetJobView) =>
  `${v.beads}: ${v.state}${v.reason_code ? ` (${v.reason_code})` : ''} queue=${v.queue} host=${v.host ?? '-'} ` +
  `attempt=${v.attempt ?? '-'} branch=${v.branch ?? '-'}${v.delivery ? ` delivery="${v.delivery}"` : ''}` +
  `${v.fallback_reason ? ` fallback=${v.provider} (${v.fallback_reason})` : ''}`;

const ENDED_BADLY = new Set(['failed', 'killed', 'blocked', 'unknown']);

/** `status|check|report|stop --fleet`: the same commands over the engine's jobs, from any host. */
export async function fleetJobCommand(
  command: 'status' | 'check' | 'report' | 'stop',
  o: { fleet?: string | boolean; beads?: string; json?: boolean },
): Promise<void> {
  const fleet = await import('../fleet/index.js');
  const url = await fleetUrlOf(o.fleet);
  if (command === 'status' && !o.beads) {
    const jobs = await fleet.fleetJobList(url);
    if (o.json) printJson({ jobs });
    else print(jobs.length ? jobs.map(jobLine).join('\n') : '(no fleet jobs: dx-runner start --fleet …)');
    return;
  }
  const view = command === 'stop' ? await fleet.stopOnFleet(url, o.beads ?? '') : await fleet.fleetJobOf(url, o.beads);
  if (o.json) printJson(view);
  else print(command === 'stop' ? `stopped ${jobLine(view)}` : jobLine(view));
  if (command === 'check' && ENDED_BADLY.has(view.state)) process.exitCode = 3;
}

/** `logs --fleet`: the bead's last lines from the host that ran it, under a heading naming host and attempt. */
export async function fleetLogsCommand(o: {
  fleet?: string | boolean;
  beads: string;
  lines: number;
  follow?: boolean;
}): Promise<void> {
  let printed = 0;
  const show = (text: string[]) => {
    text.forEach(print);
    printed += text.length;
  };
  const fleet = await import('../fleet/index.js');
  const view = await fleet.fleetLogs(await fleetUrlOf(o.fleet), o.beads, o.lines, o.follow === true, show);
  if (printed === 0) print(`(no output from ${view.beads} yet: ${view.state})`);
}

/** `start --fleet`: enqueue the job; the options a fleet job takes are checked as a start checks them. */
export async function startOnFleetCommand(
  o: EnqueueOptions & { fleet?: string | boolean; json?: boolean },
): Promise<void> {
  const fleet = await import('../fleet/index.js');
  const url = await fleetUrlOf(o.fleet);
  // `--prompt-file -`: the task is what stdin holds, as on one host
  const prompt =
    o.promptFile === '-'
      ? await (await import('../jobs/validate.js')).readPromptStream('stdin (--prompt-file -)', process.stdin)
      : o.prompt;
  const view = await fleet.startOnFleet(url, { ...o, prompt });
  if (o.json) printJson(view);
  else print(`${view.added ? 'enqueued' : 'already in the fleet'} ${jobLine(view)}`);
}

const statusLines = (s: FleetStatusOutput): string[] => [
  `fleet ${s.url}`,
  'hosts:',
  ...(s.hosts.length ? s.hosts : [null]).map((h) =>
    h
      ? `  ${h.host} ${h.alive ? 'alive' : 'gone'} slots=${h.slots} running=${h.running.length}` +
        `${h.running.length ? ` (${h.running.join(', ')})` : ''} providers=${h.providers.join(',') || '-'}`
      : '  (none: start one with dx-runner worker --fleet <url> --host-id <id>)',
  ),
  'queues:',
  ...s.queues.map(
    (q) =>
      `  ${q.queue} waiting=${q.waiting} active=${q.active} delayed=${q.delayed}` +
      `${q.paused ? ' paused' : ''}${q.rate_limited_ms > 0 ? ` rate_limited=${q.rate_limited_ms}ms` : ''}`,
  ),
  'caps:',
  ...s.caps.map((c) => `  ${capLine(c)}`),
];

/** `fleet status --watch`: the status lines as the live view's frame; Ctrl-C ends it (exit 0). */
async function watchStatus(watchFleet: typeof import('../fleet/index.js').watchFleetStatus, url: string) {
  const { runWatch } = await import('../report/watch.js');
  // the clock only on a terminal: in a pipe each line is printed when it changes
  const clock = () => (process.stdout.isTTY ? `  ${new Date().toISOString().slice(11, 19)}Z  (Ctrl-C to leave)` : '');
  await watchFleet(url, (read) =>
    runWatch(
      async () => {
        const [title, ...rest] = statusLines(await read());
        return { text: [title + clock(), ...rest].join('\n'), done: false };
      },
      1000,
      process.stdout,
      'changes',
    ),
  );
}

const rateText = (r: FleetStatusOutput['caps'][number]['rate']) => (r ? `${r.max}/${r.duration_ms / 1000}s` : 'none');
const capLine = (c: FleetStatusOutput['caps'][number]) =>
  `${c.provider} concurrency=${c.concurrency ?? 'none'} rate=${rateText(c.rate)}`;

const doctorLines = (d: FleetDoctorOutput): string[] => [
  `fleet ${d.url}: ${d.ok ? 'ok' : 'not fit'}`,
  ...d.findings.map(
    (f) => `  ${f.status.padEnd(4)} ${f.check}: ${f.detail}${f.next_action ? `\n       next: ${f.next_action}` : ''}`,
  ),
];

export function registerFleetCommands(program: Command): void {
  program
    .command('worker')
    .description("run this host's share of the fleet: take fleet jobs of the providers named, at most --slots at once")
    .addOption(new Option('--fleet <url>', 'the fleet: redis:// or rediss:// URL (default: DX_RUNNER_FLEET_URL)'))
    .requiredOption('--host-id <id>', 'this host in the fleet (its pinned queue, its heartbeat)')
    .option(
      '--slots <n>',
      'jobs this host runs at once (default 4)',
      number('--slots', { integer: true, min: 1, max: 64 }),
      4,
    )
    .option('--providers <list>', 'the provider queues it takes jobs from, comma list (default: opencode)', 'opencode')
    .option('--repo-cache <dir>', 'where the clones of the shared remotes and the worktrees go (default: <home>/fleet)')
    .action(async (o: { fleet?: string; hostId: string; slots: number; providers: string; repoCache?: string }) => {
      const fleet = await import('../fleet/index.js');
      const { checkProvider } = await import('../fleet/status.js');
      const home = runnerHome();
      const providers = o.providers.split(',').map((p) => checkProvider(p.trim()));
      await fleet.runWorker({
        url: fleet.fleetUrl(o.fleet, process.env),
        hostId: fleet.checkHostId(o.hostId),
        slots: o.slots,
        providers,
        repoCache: path.resolve(o.repoCache ?? path.join(home, 'fleet')),
        home,
        env: process.env,
      });
    });

  // a worker's launcher: its starts, in a process of its own so the worker's event loop keeps renewing its locks
  program
    .command('__fleet-launch', { hidden: true })
    .requiredOption('--repo-cache <dir>')
    .action(async (o: { repoCache: string }) => {
      const { serveLaunches } = await import('../fleet/launcher.js');
      // a Ctrl-C at the worker's terminal is the worker's to handle: the launcher ends with its stdin
      process.on('SIGINT', () => undefined);
      await withStore((store, home) => serveLaunches(store, home, o.repoCache, process.env, process.stdin, print));
    });

  // a wave driver's landing of one item (sync git and the verify command), off the worker's event loop
  program
    .command('__fleet-land', { hidden: true })
    .option('--json')
    .action(async () => {
      const { landOnRemote, remoteLandingSchema } = await import('../delivery/remote.js');
      const { readFileSync } = await import('node:fs');
      printJson(landOnRemote(remoteLandingSchema.parse(JSON.parse(readFileSync(0, 'utf8')))));
    });

  const group = program.command('fleet').description('the fleet: its hosts, queues and caps; checks of its Redis');
  const urlOption = () =>
    new Option('--fleet <url>', 'the fleet: redis:// or rediss:// URL (default: DX_RUNNER_FLEET_URL)');
  group
    .command('status')
    .description('hosts (alive, slots, running jobs), queues (waiting, active, paused, rate-limited) and caps')
    .addOption(urlOption())
    .option('--json', 'JSON (dx-runner schema fleet-status)')
    .addOption(
      new Option(
        '--watch',
        'redrawn in place every second until Ctrl-C; not a terminal: each line that changed, as it changes',
      ).conflicts('json'),
    )
    .action(async (o: { fleet?: string; json?: boolean; watch?: boolean }) => {
      const fleet = await import('../fleet/index.js');
      if (o.watch) return watchStatus(fleet.watchFleetStatus, await fleetUrlOf(o.fleet));
      const s = await fleet.fleetStatusOf(await fleetUrlOf(o.fleet));
      if (o.json) printJson(s);
      else statusLines(s).forEach(print);
    });
  const caps = group
    .command('caps')
    .description("each provider's global caps: jobs at once and jobs started per time across every host")
    .addOption(urlOption())
    .option('--json', 'JSON (dx-runner schema fleet-caps)')
    .action(async (o: { fleet?: string; json?: boolean }) => {
      const c = await (await import('../fleet/index.js')).fleetCapsOf(await fleetUrlOf(o.fleet));
      if (o.json) printJson(c);
      else c.caps.forEach((cap) => print(capLine(cap)));
    });
  caps
    .command('set')
    .description("set a provider's global caps, kept in the engine for every host")
    .argument('<provider>', 'the provider whose queue is capped')
    .requiredOption(
      '--concurrency <n>',
      'its jobs running at once across the fleet',
      number('--concurrency', { integer: true, min: 1, max: 10_000 }),
    )
    .option('--rate <N/<sec>s>', 'at most N of its jobs started per that many seconds (e.g. 10/60s); default none')
    .addOption(urlOption())
    .option('--json', 'JSON (dx-runner schema fleet-caps)')
    .action(
      async (
        provider: string,
        o: { concurrency: number; rate?: string; fleet?: string; json?: boolean },
        cmd: Command,
      ) => {
        const fleet = await import('../fleet/index.js');
        // `fleet caps` has --fleet too, and takes it when it comes after `set`
        const flag = o.fleet ?? (cmd.parent?.opts() as { fleet?: string } | undefined)?.fleet;
        const c = await fleet.setFleetCaps(() => fleetUrlOf(flag), provider, o.concurrency, o.rate);
        const mine = c.caps.filter((cap) => cap.provider === provider);
        if (o.json) printJson({ caps: mine });
        else mine.forEach((cap) => print(`set ${capLine(cap)}`));
      },
    );
  group
    .command('doctor')
    .description("is the fleet's Redis fit: URL, version (7+), maxmemory-policy noeviction, AOF, auth")
    .addOption(urlOption())
    .option('--json', 'JSON (dx-runner schema fleet-doctor)')
    .action(async (o: { fleet?: string; json?: boolean }) => {
      const d = await (await import('../fleet/index.js')).fleetDoctor(await fleetUrlOf(o.fleet));
      if (o.json) printJson(d);
      else doctorLines(d).forEach(print);
      if (!d.ok) process.exitCode = 1;
    });
}
