import { Option, type Command } from 'commander';
import { LIMITS } from '../core/input.js';
import { SANDBOX_MODES, type SandboxRecord } from '../contract/names.js';
import { DEFAULT_BRANCH_PREFIX, DELIVER_MODES, MERGE_STRATEGIES } from '../contract/delivery.js';
import { filesOf } from '../jobs/paths.js';
import { readPromptStream } from '../jobs/validate.js';
import type { StartOptions } from '../jobs/options.js';
import { providerNames } from '../providers/index.js';
import type { StartOutput } from '../report/schemas.js';
import { addBinaryOptions, explicitBinary, type BinaryFlags } from './binaries.js';
import { nonBlank, number, print, printJson, withStore } from './shared.js';

/** The start flags: StartOptions under their command-line names. */
type StartFlags = Pick<
  StartOptions,
  | 'beads'
  | 'promptFile'
  | 'prompt'
  | 'provider'
  | 'profile'
  | 'fallback'
  | 'worktree'
  | 'worktreeRoot'
  | 'repo'
  | 'model'
  | 'stallMinutes'
  | 'requiredBaseline'
  | 'featureKey'
  | 'base'
  | 'branch'
  | 'allowedPathsFile'
  | 'mutationBudget'
  | 'signoffFile'
  | 'lane'
  | 'rateLimitRetries'
  | 'sandbox'
  | 'commit'
  | 'verifyCmd'
  | 'deliver'
  | 'remote'
  | 'mergeStrategy'
  | 'branchPrefix'
> & {
  verifyTimeout?: number;
  allowModelOverride?: boolean;
  wait?: number;
  attach?: string;
  maxRuntime?: number;
  mutationTimeout?: number | boolean;
  requireGate?: string[];
  dryRun?: boolean;
  json?: boolean;
  fleet?: string | boolean;
  host?: string;
} & BinaryFlags;

/** One line on stderr when auto found no working bwrap: the job runs unconfined, and how to change that. */
function sandboxNotice(s: SandboxRecord | undefined): void {
  if (s?.asked === 'auto' && s.mode === 'off')
    process.stderr.write(`notice: sandbox off: ${s.reason}; the agent can write anywhere you can\n`);
}

/** `dx-runner start`: its own module, so a start loads only what starting a job needs. */
export function registerStartCommand(program: Command): void {
  const startCommand = program
    .command('start')
    .description('validate, record and launch a job detached; returns as soon as the agent runs')
    .requiredOption('--beads <id>', 'work item id, e.g. bd-xga8.14')
    .addOption(new Option('--prompt-file <path>', 'the task for the agent, in a file (- reads it from stdin)'))
    .addOption(new Option('--prompt <text>', 'the task for the agent, inline').conflicts('promptFile'))
    .option(
      '--provider <name>',
      `agent CLI to run: ${providerNames().join(', ')} (default: the profile's, else opencode)`,
    )
    .option(
      '--profile <name>',
      'settings from a profile (dx-runner profiles); flags win over it, it wins over the environment',
      nonBlank('--profile'),
    )
    .option(
      '--fallback <auto|none|provider>',
      "when the provider fails start's checks (model, credentials, binary, lane), start the job on the next " +
        "provider (auto: the profile's fallback_provider, else opencode → cc-glm → gemini); --fleet: the " +
        'provider a job goes on with once its own stays rate limited past the retries (auto: the chain)',
    )
    .option(
      '--worktree <dir>',
      'git work tree the agent works in (default: the current directory)',
      nonBlank('--worktree'),
    )
    .addOption(
      new Option(
        '--worktree-root <dir>',
        'work in <dir>/<bead id>: reused when it is a worktree of --repo, else made as a linked git worktree ' +
          '(branch <prefix>/<bead id>) of --repo at --base once every check has passed',
      )
        .argParser(nonBlank('--worktree-root'))
        .conflicts('worktree'),
    )
    .option(
      '--repo <dir>',
      "the repository --worktree-root's worktree comes from (default: the current directory's); " +
        'with --worktree: the repository it must belong to',
      nonBlank('--repo'),
    )
    .option(
      '--lane <lane>',
      'headless (opencode run), attach (opencode run --attach), server (a session over HTTP via the SDK); ' +
        "default: the profile's, else for opencode OPENCODE_EXECUTION_MODE (run = headless), else headless",
    )
    .addOption(
      new Option(
        '--sandbox <mode>',
        'confine the agent: bwrap (the system read-only; its worktree, git dir and CLI dirs writable, a private ' +
          "/tmp), off, or auto: bwrap where it works (default: the profile's, else auto; headless lane only)",
      ).choices(SANDBOX_MODES),
    )
    .option(
      '--allow-model-override',
      'let OPENCODE_MODEL (or the provider model variable) override the canonical model',
    )
    .option(
      '--wait <sec>',
      "queue up to this long for a slot under the provider's concurrency cap (default: refuse at once)",
      number('--wait', { min: 0, max: 86_400 }),
    )
    .option(
      '--attach <url>',
      'the opencode server for --lane attach/server (default: OPENCODE_ATTACH_URL, else the managed one, ' +
        'dx-runner serve start)',
      nonBlank('--attach'),
    )
    .option(
      '--model <id>',
      'model id (default: the provider canonical model, for opencode zhipuai-coding-plan/glm-5)',
      nonBlank('--model'),
    )
    .option(
      '--stall-minutes <n>',
      'no provider output or CPU progress for this long = stalled (default 20; fractions allowed)',
      number('--stall-minutes', LIMITS.minutes),
    )
    .option(
      '--max-runtime <min>',
      'a job running longer is stalled (default 120)',
      number('--max-runtime', LIMITS.minutes),
    )
    .option(
      '--no-mutation-timeout <min>',
      'a job that changed no file for this long is stalled (default 30)',
      number('--no-mutation-timeout', LIMITS.minutes),
    )
    .option(
      '--rate-limit-retries <n>',
      "a job the provider rate-limits (429) is relaunched this often, each after the provider's pause on this " +
        'host; then it ends rate limited (default 3, or DX_RUNNER_RATE_LIMIT_RETRIES)',
      number('--rate-limit-retries', LIMITS.retries),
    )
    .option('--required-baseline <sha>', 'refuse to dispatch unless the worktree HEAD contains this commit')
    .option(
      '--require-gate <gates>',
      'gates to pass after the agent succeeds: feature-key, scope, evidence, integrity (comma list, repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--feature-key <key>', 'feature-key gate: the trailer value (default: the bead id)')
    .option(
      '--base <ref>',
      'where a worktree made by --worktree-root starts (default HEAD); ' +
        'feature-key gate: compare against (default: upstream, main, master)',
    )
    .option('--branch <name>', 'feature-key and integrity gates: the branch (default: the current one)')
    .option('--allowed-paths-file <file>', 'scope gate (implied): allowed paths, one per line (read now)')
    .option(
      '--mutation-budget <n>',
      'scope gate (implied): most files the job may change',
      number('--mutation-budget', LIMITS.mutationBudget),
    )
    .option('--signoff-file <file>', 'evidence gate: the signoff the agent must leave, relative to the worktree')
    .option(
      '--commit <policy>',
      "when the agent succeeded: auto (commit its changes on the worktree's branch, trailers Feature-Key and " +
        'Agent; default), require (the agent must have committed, else no_commit_artifact), off (leave them)',
    )
    .option(
      '--verify-cmd <cmd>',
      'run in the worktree after the commit (sh -c, output in the run folder as verify.log); failing it ends ' +
        'the job governance_failed / verify_failed',
    )
    .option(
      '--verify-timeout <sec>',
      'the verify command may run this long (default 600)',
      number('--verify-timeout', LIMITS.seconds),
    )
    .addOption(
      new Option(
        '--deliver <mode>',
        "once the job succeeded: none (the work stays on the job's branch), push (the branch to --remote), " +
          "merge (rebased onto --base, then the base fast-forwarded); default: the profile's, else none",
      ).choices(DELIVER_MODES),
    )
    .option('--remote <name>', '--deliver push: the remote (default origin)')
    .addOption(
      new Option(
        '--merge-strategy <how>',
        '--deliver merge: rebase (default) or merge the base into the branch',
      ).choices(MERGE_STRATEGIES),
    )
    .option(
      '--branch-prefix <prefix>',
      `a worktree made by --worktree-root is on the branch <prefix>/<bead id> (default ${DEFAULT_BRANCH_PREFIX})`,
    );
  addBinaryOptions(startCommand)
    .option(
      '--dry-run',
      'print the plan (provider, model, lane, providers tried, settings, gates, cap, the command) and record nothing',
    )
    .option('--json', 'print the started job as JSON (with --dry-run: the plan, dx-runner schema start-plan)')
    .addOption(
      new Option(
        '--fleet [url]',
        'enqueue the job on the fleet at this Redis URL (alone: DX_RUNNER_FLEET_URL); a host running ' +
          '`dx-runner worker` takes it, in a worktree of --repo (the shared remote) at --base (default main)',
      ).conflicts('dryRun'),
    )
    .option('--host <id>', '--fleet: pin the job to this host (its worker takes it)')
    .action((o: StartFlags) =>
      o.fleet !== undefined
        ? import('./fleet.js').then((m) => m.startOnFleetCommand(o))
        : withStore(async (store, home) => {
            const flags: StartOptions = {
              ...o,
              // `--prompt-file -`: the task is what stdin holds
              prompt:
                o.promptFile === '-' ? await readPromptStream('stdin (--prompt-file -)', process.stdin) : o.prompt,
              attachUrl: o.attach,
              waitSec: o.wait,
              maxRuntimeMinutes: o.maxRuntime,
              // commander reads `--no-…` as a negation and defaults it to true: only a number is a value
              noMutationTimeoutMinutes: typeof o.mutationTimeout === 'number' ? o.mutationTimeout : undefined,
              requireGates: o.requireGate,
              verifyTimeoutSec: o.verifyTimeout,
              binaryFor: (provider) => explicitBinary(provider, o),
              env: process.env,
              cwd: process.cwd(),
            };
            // loaded by the command that needs it
            const { planStart, startJob } = await import('../jobs/start.js');
            if (o.dryRun) {
              const { planLines, planOutput } = await import('../report/plan.js');
              const plan = planOutput(await planStart(store, home, flags), flags.env);
              sandboxNotice(plan.sandbox);
              if (o.json) printJson(plan);
              else planLines(plan).forEach(print);
              return;
            }
            const job = await startJob(store, home, flags);
            sandboxNotice(job.settings.sandbox);
            if (o.json) {
              printJson({
                beads: job.beads,
                provider: job.provider,
                pid: job.pid as number, // startJob returns the job once its agent is spawned
                state: 'launching',
                run_instance: job.runInstance,
                selected_model: job.model,
                fallback_reason: job.fallbackReason,
                worktree: job.worktree,
                log: filesOf(job).out,
              } satisfies StartOutput);
            } else {
              const fallback = job.fallbackReason !== 'none' ? ` fallback_reason=${job.fallbackReason}` : '';
              print(
                `started beads=${job.beads} provider=${job.provider} pid=${job.pid} model=${job.model}${fallback} ` +
                  `log=${filesOf(job).out}`,
              );
            }
          }),
    );
}
