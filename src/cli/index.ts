#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { DxError } from '../core/errors.js';
import { EXIT, exitCodeFor } from './exit.js';
import type { ErrorOutput } from '../report/schemas.js';

// a reader that goes away (`dx-runner status | head -1`) ends us quietly, as with any Unix tool
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command();
program
  .name('dx-runner')
  .description('Run coding-agent CLIs (OpenCode first) as detached, governed, observable jobs.')
  .version('0.1.0')
  .showHelpAfterError(false)
  .exitOverride()
  .configureOutput({ writeErr: () => undefined }); // errors are printed once, below, in our own format

type Register = (program: Command) => void;

/**
 * The command modules, in `--help` order, with the commands each registers. A run loads only the module of
 * its command (every command pays for its own imports, not everyone's); help, and a command missing here,
 * load them all.
 */
const MODULES: Array<[string[], () => Promise<Register>]> = [
  [['start'], async () => (await import('./start.js')).registerStartCommand],
  [['status', 'check', 'report', 'stop', 'prune', 'logs'], async () => (await import('./jobs.js')).registerJobCommands],
  [['restart', 'watchdog', 'monitor'], async () => (await import('./lifecycle.js')).registerLifecycleCommands],
  [
    ['baseline-gate', 'integrity-gate', 'feature-key-gate', 'scope-gate', 'evidence-gate'],
    async () => (await import('./gates.js')).registerGateCommands,
  ],
  [['serve', '__server-session', '__serve-keeper'], async () => (await import('./serve.js')).registerServeCommands],
  [['preflight', 'probe'], async () => (await import('./providers.js')).registerProviderCommands],
  [['profiles'], async () => (await import('./profiles.js')).registerProfileCommands],
  [['mock-model'], async () => (await import('./mockModel.js')).registerMockModelCommands],
  [['bench'], async () => (await import('./bench.js')).registerBenchCommands],
  [['wave', '__wave'], async () => (await import('./wave.js')).registerWaveCommands],
];
const own = MODULES.find(([commands]) => commands.includes(process.argv[2]));
for (const [, load] of own ? [own] : MODULES) (await load())(program);

program
  .command('demo')
  .description('run a wave of 3 real opencode jobs in 3 git worktrees against the bundled scripted model')
  .option('--jobs <n>', 'how many jobs in the wave', '3')
  .action(async (o: { jobs: string }) => {
    const { runDemo } = await import('../demo/index.js');
    await runDemo({ jobs: Number(o.jobs) });
  });

program
  .command('schema')
  .description('print the JSON Schema of a --json output (no name: list them)')
  .argument(
    '[name]',
    'status | check | check-missing | report | start | stop | prune | error | profiles | profile-show | ' +
      'wave-status | wave-report | wave-resume | bench-prompts | bench-manifest | bench-record | ' +
      'bench-results | bench-summary | bench-governance | bench-progressive-state',
  )
  .action(async (name?: string) => {
    const { SCHEMAS } = await import('./schemas.js');
    const { z } = await import('zod');
    if (!name) {
      process.stdout.write(`${Object.keys(SCHEMAS).join('\n')}\n`);
      return;
    }
    const schema = SCHEMAS[name as keyof typeof SCHEMAS];
    if (!schema) throw new DxError('schema_not_found', `no schema named '${name}'; run dx-runner schema to list them`);
    process.stdout.write(`${JSON.stringify(z.toJSONSchema(schema), null, 2)}\n`);
  });

program
  .command('__supervise', { hidden: true })
  .argument('<jobId>')
  .addOption(new Option('--home <dir>').hideHelp())
  .action(async (jobId: string) => {
    const { superviseJob } = await import('../jobs/supervisor.js');
    const { runnerHome } = await import('../core/home.js');
    await superviseJob(runnerHome(), Number(jobId));
  });

program
  .command('__list-models', { hidden: true })
  .argument('<provider>')
  .argument('<binary>')
  .action(async (provider: string, binary: string) => {
    const { refreshModels } = await import('../jobs/models.js');
    const { getProvider } = await import('../providers/index.js');
    const { withStore } = await import('./shared.js');
    await withStore((store, home) => refreshModels(store, home, getProvider(provider), binary, process.env));
  });

const wantsJson = process.argv.includes('--json');

function fail(reasonCode: string, message: string, exitCode: number): never {
  if (wantsJson)
    process.stdout.write(
      `${JSON.stringify({ error: { reason_code: reasonCode, message, exit_code: exitCode } } satisfies ErrorOutput)}\n`,
    );
  process.stderr.write(`dx-runner: ${message} (reason_code=${reasonCode})\n`);
  process.exit(exitCode);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof DxError) fail(err.reasonCode, err.message, exitCodeFor(err));
  if (err instanceof CommanderError) {
    if (err.exitCode === 0) process.exit(0); // --help, --version
    const reason = err.code
      .replace(/^commander\./, '')
      .replace(/([A-Z])/g, '_$1')
      .toLowerCase();
    fail(reason, `${err.message.replace(/^error: /, '')}; see dx-runner --help`, EXIT.usage);
  }
  fail('internal_error', (err as Error).stack ?? String(err), EXIT.error);
}
