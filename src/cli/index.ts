#!/usr/bin/env node
import fs from 'node:fs';
import module from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { DxError } from '../core/errors.js';
import { addExamples } from './examples.js';
import { EXIT, exitCodeFor } from './exit.js';
import { applyLegacyFlags, legacyArgv } from './deprecated.js';
import type { ErrorOutput } from '../report/schemas.js';

// Node >= 22.1 keeps the compiled code of the modules loaded from here on (the command's own) for the next run;
// older versions have no such cache and skip this
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// a reader that goes away (`dx-runner status | head -1`) ends us quietly, as with any Unix tool
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

// package.json sits two folders up from both src/cli and dist/cli
const { version } = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command();
program
  .name('dx-runner')
  .description('Run coding-agent CLIs (OpenCode first) as detached, governed, observable jobs.')
  .version(version)
  .showHelpAfterError(false)
  .exitOverride()
  // commander prints a bare group's help (`dx-runner`, `dx-runner wave`) as an error; it is the answer the
  // user asked for, so it goes to stdout (exit 0, below). Errors are printed once, below, in our own format.
  .configureOutput({ writeErr: (s) => process.stdout.write(s), outputError: () => undefined });

type Register = (program: Command) => void;

/**
 * The command modules, in `--help` order, with the commands each registers. A run loads only the module of
 * its command (every command pays for its own imports, not everyone's); help, and a command missing here,
 * load them all.
 */
const MODULES: Array<[string[], () => Promise<Register>]> = [
  [['start'], async () => (await import('./start.js')).registerStartCommand],
  [['land'], async () => (await import('./land.js')).registerLandCommand],
  [['status', 'check', 'report', 'stop', 'prune', 'logs'], async () => (await import('./jobs.js')).registerJobCommands],
  [['diff'], async () => (await import('./diff.js')).registerDiffCommand],
  [['restart', 'watchdog', 'monitor'], async () => (await import('./lifecycle.js')).registerLifecycleCommands],
  [['finalize'], async () => (await import('./finalize.js')).registerFinalizeCommand],
  [['migration'], async () => (await import('./migration.js')).registerMigrationCommand],
  [
    ['baseline-gate', 'integrity-gate', 'feature-key-gate', 'scope-gate', 'evidence-gate'],
    async () => (await import('./gates.js')).registerGateCommands,
  ],
  [['serve', '__server-session', '__serve-keeper'], async () => (await import('./serve.js')).registerServeCommands],
  [['preflight', 'probe'], async () => (await import('./providers.js')).registerProviderCommands],
  [['profiles'], async () => (await import('./profiles.js')).registerProfileCommands],
  [['mock-model', '__mock-model'], async () => (await import('./mockModel.js')).registerMockModelCommands],
  [['bench'], async () => (await import('./bench.js')).registerBenchCommands],
  [['wave', '__wave'], async () => (await import('./wave.js')).registerWaveCommands],
  [['state'], async () => (await import('./state.js')).registerStateCommands],
  [
    ['worker', 'fleet', '__fleet-launch', '__fleet-land'],
    async () => (await import('./fleet.js')).registerFleetCommands,
  ],
];
// the bash dx-runner's command lines: a renamed command runs under its new name, with a note
const legacy = legacyArgv(process.argv);
for (const note of legacy.notes) process.stderr.write(`dx-runner: ${note}\n`);
const own = MODULES.find(([commands]) => commands.includes(legacy.argv[2]));
for (const [, load] of own ? [own] : MODULES) (await load())(program);

program
  .command('demo')
  .description('run a wave of 3 real opencode jobs in 3 git worktrees against the bundled scripted model')
  .option('--jobs <n>', 'how many jobs in the wave (1-16)', '3')
  .action(async (o: { jobs: string }) => {
    const { runDemo } = await import('../demo/index.js');
    const { parseNumber } = await import('../core/input.js');
    await runDemo({ jobs: parseNumber('--jobs', o.jobs, { integer: true, min: 1, max: 16 }) });
  });

program
  .command('schema')
  .description('print the JSON Schema of a --json output (no name: list them)')
  .argument(
    '[name]',
    'status | check | check-missing | report | start | stop | land | prune | error | profiles | profile-show | ' +
      'wave-status | wave-report | wave-resume | bench-prompts | bench-manifest | bench-record | ' +
      'bench-results | bench-summary | bench-governance | bench-progressive-state | state-check | state-backup | ' +
      'fleet-job | fleet-jobs | fleet-status | fleet-caps | fleet-doctor',
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
  .command('completion')
  .description('print the completion script of a shell: commands, their options and values (see README, Commands)')
  .argument('<shell>', 'bash, zsh or fish')
  .action(async (shell: string) => {
    const { completionScript, completionTable, knownValues } = await import('./completion.js');
    process.stdout.write(completionScript(shell, completionTable(program, knownValues(process.env)), program.name()));
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

// progress lines on stderr (core/progress.ts) read DX_RUNNER_QUIET, in this process and in those it starts
program
  .option('--quiet', 'no progress lines on stderr for long steps (also DX_RUNNER_QUIET=1)')
  .hook('preAction', () => {
    if (program.opts().quiet) process.env.DX_RUNNER_QUIET = '1';
  });

applyLegacyFlags(program, legacy.argv);
addExamples(program);

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
  await program.parseAsync(legacy.argv);
} catch (err) {
  if (err instanceof DxError) fail(err.reasonCode, err.message, exitCodeFor(err));
  if (err instanceof CommanderError) {
    // --help, --version, and a bare group's help
    if (err.exitCode === 0 || err.code === 'commander.help') process.exit(0);
    const reason = err.code
      .replace(/^commander\./, '')
      .replace(/([A-Z])/g, '_$1')
      .toLowerCase();
    // one line: commander puts its suggestion ("Did you mean …?") on a line of its own
    fail(reason, `${err.message.replace(/^error: /, '').replace(/\n/g, ' ')}; see dx-runner --help`, EXIT.usage);
  }
  // the state home's disk full or its database damaged mid-command: one line with the way out
  const fault = (await import('../store/index.js')).stateFault(err);
  if (fault) fail(fault.reasonCode, fault.message, exitCodeFor(fault));
  // one line for a user; the stack for whoever debugs dx-runner itself
  const detail = process.env.DX_RUNNER_DEBUG ? ((err as Error).stack ?? String(err)) : String(err).split('\n')[0];
  fail('internal_error', `${detail}; run again with DX_RUNNER_DEBUG=1 for the stack`, EXIT.error);
}
