import type { Command } from 'commander';
import { LEGACY_ENV, legacyRules, type LegacyRule, REMOVED_COMMANDS } from './deprecated.js';

/**
 * What changed for a user of the bash dx-runner, in one place: `dx-runner migration` prints it, and the README's
 * "Migrating from the bash dx-runner" section is this text (a test keeps them equal). The flag and variable
 * tables come from the rules the CLI applies (deprecated.ts); the reason and exit code tables are kept here.
 */

/** [what the bash tool said, what dx-runner says now ('–': nothing), when / why] */
type Change = [string, string, string];

export const COMMAND_CHANGES: Change[] = [
  ['health', 'status', 'runs status, with a note on stderr (it always was status)'],
  [
    'finalize --beads ID [--reason R] [--exit-code N]',
    'finalize (same flags)',
    'ends the job as stop does and records R (default forced_finalization) with exit code N (default 1: ' +
      'failed; 0 success; 137 stopped); an agent that already ended keeps its own outcome; --json as stop',
  ],
  ...Object.entries(REMOVED_COMMANDS).map(([name, why]): Change => [name, '–', `${why} (command_removed, exit 2)`]),
  ['profiles --list', 'profiles', 'listing is the default; --show prints the effective settings, not the YAML'],
  ['status --recent (no number)', 'status --recent 5', 'a bare --recent still means 5; the default is now 10'],
];

export const EXIT_CHANGES: Change[] = [
  ['25', '21', 'start: the provider does not offer the model (model_unavailable), as for every provider'],
  ['1 (start: claude-code model)', '21', 'the same refusal (model_unavailable)'],
  ['24', '–', 'no beads runtime is required: its precondition and beads-gate are gone'],
  ['1 (preflight failed)', '21 / 28', 'preflight exits 21 on a failed check, 28 when the model policy refuses'],
  ['28 (never emitted)', '28', 'emitted: a model override without permission, or a model outside allowed_models'],
  [
    '29 (start: pre-dispatch scope guard)',
    '3 (check)',
    'scope is a post-job gate (start --require-gate scope): a job that breaks it ends governance_failed',
  ],
  ['1, no output (scope-gate, evidence-gate)', '29 / 30', 'a missing worktree or signoff is a failing verdict'],
  ['10 / 11 (the cc-glm job only)', '10 / 11', 'start itself refuses when credentials are missing or unreadable'],
  [
    '44 (outcome: no commit artifact)',
    '44 (outcome)',
    'start --commit require (or DX_RUNNER_REQUIRE_COMMIT_ARTIFACT=1): the agent did not commit; check exit 3',
  ],
  [
    '124 (outcome: watchdog timeout)',
    '–',
    'a job past max runtime or the no-mutation timeout is stalled: restarted, then blocked (check exit 3)',
  ],
];

export const REASON_RENAMES: Change[] = [
  ['profile_load_failed', 'profile_invalid', 'a profile that does not parse or validate (exit 21)'],
  ['non_worktree_path', 'worktree_outside_policy', 'start: not under an allowed prefix nor a linked git worktree'],
  [
    'opencode_model_unavailable (start)',
    'model_unavailable',
    'a refused start; a model lost mid-run keeps the old name',
  ],
  ['claude_code_model_unavailable (start)', 'model_unavailable', 'the same'],
  ['worktree_missing_for_opencode', 'worktree_missing', 'exit 22, every provider'],
  ['worktree_missing_for_claude_code', 'worktree_missing', 'exit 22, every provider'],
  [
    'secret_auth_resolution_failed_after_preflight',
    'secret_auth_resolution_failed',
    'start cannot read the op:// reference (exit 10); a token refused mid-run ends cc_glm_auth_failed',
  ],
  ['gemini_capacity_exhausted', 'gemini_rate_limited', '429 / RESOURCE_EXHAUSTED'],
  ['monitor_no_rc_file', 'process_exited_without_rc', 'the agent ended without an exit code'],
  ['late_finalize_no_rc', 'process_exited_without_rc', 'the same, recorded after the fact'],
  ['late_finalize_from_rc_file', 'process_exit_with_rc', 'recorded after the fact like any other exit'],
  ['outcome_exit_0', 'process_exit_with_rc', 'an outcome without a reason'],
  ['outcome_exit_nonzero', 'process_exit_with_rc', 'an outcome without a reason'],
  ['stalled_no_progress', 'process_exited_without_rc', 'a dead process with no outcome is exited_err'],
  ['process_exited_no_output', 'process_exited_without_rc', 'the same'],
  ['process_exited_without_outcome', 'process_exited_without_rc', 'the same'],
  ['recent_log_activity', 'recent_output_activity', "healthy: only the agent's own output counts"],
  ['blocked_flag_set', 'blocked_<reason>', 'the watchdog stops a job it gives up on, keeping why it stalled'],
  ['awaiting_finalize_monitor_active', '–', 'state awaiting_finalize is gone: an ended job is told from its files'],
  ['pid_file_missing, pid_empty', 'no_meta', 'no pid files; a bead with no job is missing'],
  ['start_failed (check state)', 'missing', 'check of a bead with no job: missing / no_meta, exit 1'],
  ['extended_stall', '–', 'the watchdog acts on the stalled state: it restarts the job, then blocks it'],
  ['opencode_probe_timeout', 'canonical_model_probe_timeout', 'preflight: a warning, an error with --strict'],
  ['claude_code_auth_or_model_unavailable', 'claude_code_auth_or_quota_blocked / model_unavailable', 'preflight probe'],
  ['claude_code_headless_flags_missing', '–', 'the bundled CLI is used'],
  ['opencode_beads_mcp_missing, opencode_mise_untrusted, opencode_mise_missing', '–', 'not checked'],
  ['railway_cli_missing, railway_service_context_missing, railway_auth_missing', '–', 'no Railway gate'],
  ['beads_* (beads-gate)', '–', 'beads-gate is gone; wave start --from-beads: beads_cli_missing, beads_ready_failed'],
];

const now = (r: LegacyRule) =>
  r.kind === 'alias'
    ? `same as ${r.to}${r.value ? ` ${r.value}` : ''} (with a note)`
    : r.kind === 'inert'
      ? `accepted, no effect (note: ${r.why})`
      : `refused, exit 2 (flag_unsupported): ${r.fix}`;

const table = (head: string[], rows: string[][]) =>
  [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');

const code = (s: string) => (s === '–' ? s : `\`${s}\``);

/** The migration notes as Markdown (the README section's body). */
export function migrationMarkdown(): string {
  const flags = legacyRules().map(({ command, flag, rule }) => [
    command === '*' ? 'every command' : `\`${command}\``,
    `\`${flag}\``,
    now(rule),
  ]);
  const env = Object.entries(LEGACY_ENV).flatMap(([command, vars]) =>
    Object.entries(vars).map(([v, rule]) => [
      `\`${v}\``,
      `\`${command}\``,
      rule.kind === 'refused'
        ? `refused while true (1, true, yes), exit 2 (flag_unsupported): ${rule.fix.replace('drop it', 'unset it')}`
        : now(rule).replace('accepted', 'read'),
    ]),
  );
  return [
    '**Commands**',
    '',
    table(
      ['bash dx-runner', 'now', 'notes'],
      COMMAND_CHANGES.map(([a, b, c]) => [code(a), code(b), c]),
    ),
    '',
    '**Flags.** The bash tool read every command with one parser, so any of its flags was accepted anywhere. ' +
      'Every flag it took on a command is still accepted there (hidden from `--help`); one that does nothing ' +
      'any more prints `dx-runner: <command> <flag> is deprecated: <why>; it has no effect` on stderr, and one ' +
      'that asked for a check dx-runner does not make is refused. These have their own answer:',
    '',
    table(['command', 'flag', 'now'], flags),
    '',
    '**Environment**',
    '',
    table(['variable', 'read by', 'now'], env),
    '',
    '**Exit codes**',
    '',
    table(['bash dx-runner', 'now', 'when'], EXIT_CHANGES),
    '',
    '**Reason codes** (renamed or gone; the others kept their names)',
    '',
    table(
      ['bash dx-runner', 'now', 'when'],
      REASON_RENAMES.map(([a, b, c]) => [code(a), code(b), c]),
    ),
  ].join('\n');
}

export function registerMigrationCommand(program: Command): void {
  program
    .command('migration')
    .description('what changed for users of the bash dx-runner: commands, flags, variables, exit and reason codes')
    .action(() => {
      process.stdout.write(`${migrationMarkdown()}\n`);
    });
}
