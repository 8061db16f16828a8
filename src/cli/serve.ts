import { Command } from 'commander';
import { isAlive } from '../jobs/process.js';
import type { ServerRecord } from '../store/index.js';
// the server module is loaded by the serve commands only, keeping the other commands' start-up lean
const server = () => import('../server/index.js');
import { LIMITS } from '../core/input.js';
import { EXIT } from './exit.js';
import { number, print, printJson, withStore } from './shared.js';

async function describe(s: ServerRecord | null, home: string) {
  if (!s) return { running: false, healthy: false, url: null };
  const { passwordFile, probeHealth, readPassword, serverUrl } = await server();
  const running = s.active && isAlive(s.keeperPid, s.keeperStart);
  const url = serverUrl(s);
  const health = running ? await probeHealth(url, readPassword(home)) : null;
  return {
    running,
    healthy: !!health?.healthy,
    url,
    hostname: s.hostname,
    port: s.port,
    version: health?.version ?? null,
    pid: running ? s.pid : null,
    keeper_pid: running ? s.keeperPid : null,
    restarts: s.restarts,
    started_at: new Date(s.startedAt).toISOString(),
    password_file: passwordFile(home),
  };
}

const show = (d: Awaited<ReturnType<typeof describe>>, json?: boolean) => {
  if (json) printJson(d);
  else if (!d.url) print('no managed opencode server; start one with: dx-runner serve start');
  else
    print(
      `${d.running ? (d.healthy ? 'healthy' : 'unhealthy') : 'stopped'} ${d.url} pid=${d.pid ?? '-'} ` +
        `restarts=${d.restarts}${d.version ? ` version=${d.version}` : ''} password_file=${d.password_file}`,
    );
};

export function registerServeCommands(program: Command): void {
  const serve = program
    .command('serve')
    .description("the host's managed `opencode serve` (loopback, basic auth, restarted if it dies)");

  serve
    .command('start')
    .description('start it (or report the one running) and wait until it is healthy')
    .option('--port <n>', 'port', number('--port', LIMITS.port), 4096)
    .option('--hostname <host>', 'address to bind', '127.0.0.1')
    .option('--allow-remote', 'allow a non-loopback address (the server is then reachable from other hosts)')
    .option(
      '--opencode-bin <path>',
      'opencode binary (default: $DX_RUNNER_OPENCODE_BIN, the bundled opencode-ai, PATH)',
    )
    .option('--json', 'JSON output')
    .action((o: { port: number; hostname: string; allowRemote?: boolean; opencodeBin?: string; json?: boolean }) =>
      withStore(async (store, home) => {
        const { startServer } = await server();
        const s = await startServer(store, home, {
          hostname: o.hostname,
          port: o.port,
          allowRemote: !!o.allowRemote,
          binary: o.opencodeBin,
          env: process.env,
        });
        show(await describe(s, home), o.json);
      }),
    );

  serve
    .command('status')
    .description('is it running and healthy; exit 0 healthy, 1 otherwise')
    .option('--json', 'JSON output')
    .action((o: { json?: boolean }) =>
      withStore(async (store, home) => {
        const d = await describe(store.servers.latest(), home);
        show(d, o.json);
        process.exitCode = d.healthy ? EXIT.ok : EXIT.error;
      }),
    );

  serve
    .command('stop')
    .description('stop it (and its keeper)')
    .option('--json', 'JSON output')
    .action((o: { json?: boolean }) =>
      withStore(async (store, home) => {
        const { stopServer } = await server();
        const s = await stopServer(store);
        show(await describe(s ?? store.servers.latest(), home), o.json);
      }),
    );

  program
    .command('__server-session', { hidden: true })
    .requiredOption('--url <url>')
    .requiredOption('--model <id>')
    .requiredOption('--dir <dir>')
    .requiredOption('--title <title>')
    .action(async (o: { url: string; model: string; dir: string; title: string }) => {
      const { runServerSession } = await import('../server/session.js');
      // exit now: the event stream's connection would otherwise keep the process alive
      process.exit(await runServerSession({ ...o, password: process.env.OPENCODE_SERVER_PASSWORD }));
    });

  program
    .command('__serve-keeper', { hidden: true })
    .argument('<id>')
    .action((id: string) =>
      withStore(async (store, home) => {
        const { keepServer } = await server();
        await keepServer(store, home, Number(id));
      }),
    );
}
