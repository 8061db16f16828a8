import { Option, type Command } from 'commander';
import { DxError } from '../core/errors.js';

/**
 * What the bash dx-runner accepted and this one answers differently: its flags, commands and bare values. The
 * bash tool parsed every command's flags with one shared parser, so every flag was accepted on every command,
 * and ignored where it meant nothing. Here each such flag is a hidden option: it does what it now means
 * (`alias`), says on stderr that it has no effect and why (`inert`), or is refused when honouring it silently
 * would be wrong (`refused`). Nothing typed for the bash tool is rejected as unknown or silently dropped.
 */
export type LegacyRule =
  /** `value`: what the new flag gets when the old one took none */
  | { kind: 'alias'; to: string; value?: string }
  | { kind: 'inert'; why: string }
  | { kind: 'refused'; reason: 'flag_unsupported'; fix: string };

/** The bash tool's shared flags and whether each takes a value (`[v]`: an optional one). */
export const LEGACY_FLAGS: Record<string, '' | '<v>' | '[v]'> = {
  '--beads': '<v>',
  '--provider': '<v>',
  '--profile': '<v>',
  '--prompt-file': '<v>',
  '--repo': '<v>',
  '--worktree': '<v>',
  '--stall-minutes': '<v>',
  '--interval': '<v>',
  '--max-retries': '<v>',
  '--pty': '',
  '--no-ansi': '',
  '--preserve-contract': '',
  '--mutations': '',
  '--json': '',
  '--required-baseline': '<v>',
  '--reported-commit': '<v>',
  '--branch': '<v>',
  '--feature-key': '<v>',
  '--base-branch': '<v>',
  '--lines': '<v>',
  '--format': '<v>',
  '--model': '<v>',
  '--recent': '[v]',
  '--compact': '',
  '--max-runtime': '<v>',
  '--no-mutation-timeout': '<v>',
  '--reason': '<v>',
  '--exit-code': '<v>',
  '--probe-id': '<v>',
  '--write-probe': '',
  '--require-commit-artifact': '',
  '--require-railway-auth': '',
  '--allow-model-override': '',
  '--allowed-paths-file': '<v>',
  '--mutation-budget': '<v>',
  '--file-budget': '<v>',
  '--signoff-file': '<v>',
};

/** The bash tool's commands that took the shared flags (`health` is rewritten to `status` before parsing). */
export const LEGACY_COMMANDS = [
  'start',
  'status',
  'check',
  'logs',
  'stop',
  'restart',
  'prune',
  'report',
  'preflight',
  'probe',
  'watchdog',
  'finalize',
  'baseline-gate',
  'integrity-gate',
  'feature-key-gate',
  'evidence-gate',
  'scope-gate',
];

const FIXED_AT_START = 'thresholds are fixed into each job when it starts: set them on start';

const RAILWAY: LegacyRule = {
  kind: 'refused',
  reason: 'flag_unsupported',
  fix: 'dx-runner has no Railway gate; drop it and check Railway yourself (railway whoami)',
};

/** Flags that never did anything on any command. */
const EVERYWHERE: Record<string, LegacyRule> = {
  '--no-ansi': { kind: 'inert', why: 'output has no ANSI codes except the live view, which NO_COLOR turns off' },
  '--preserve-contract': { kind: 'inert', why: 'it never changed anything' },
  '--mutations': { kind: 'inert', why: 'it never changed anything' },
  '--file-budget': { kind: 'inert', why: 'it was never enforced; the scope gate counts files with --mutation-budget' },
};

/** Flags whose answer depends on the command. */
const BY_COMMAND: Record<string, Record<string, LegacyRule>> = {
  start: {
    '--pty': { kind: 'inert', why: 'agents run headless with the prompt on stdin; there is no terminal mode' },
    '--require-commit-artifact': { kind: 'alias', to: '--commit', value: 'require' },
  },
  status: { '--stall-minutes': { kind: 'inert', why: FIXED_AT_START } },
  check: { '--stall-minutes': { kind: 'inert', why: FIXED_AT_START } },
  report: { '--stall-minutes': { kind: 'inert', why: FIXED_AT_START } },
  watchdog: {
    '--stall-minutes': { kind: 'inert', why: FIXED_AT_START },
    '--max-runtime': { kind: 'inert', why: FIXED_AT_START },
    '--no-mutation-timeout': { kind: 'inert', why: FIXED_AT_START },
  },
  logs: {
    '--compact': {
      kind: 'inert',
      why: 'logs prints each event rendered on one short line by default (--raw prints the JSON lines)',
    },
  },
  'feature-key-gate': { '--base-branch': { kind: 'alias', to: '--base' } },
  preflight: {
    '--require-railway-auth': RAILWAY,
  },
  profiles: { '--list': { kind: 'inert', why: 'listing is what profiles does without --show' } },
};

/**
 * The bash tool's environment variables this one does not read, by the command that read them: a requirement is
 * refused while set to a true value (1, true, yes), anything else noted whenever it is set.
 */
export const LEGACY_ENV: Record<string, Record<string, Exclude<LegacyRule, { kind: 'alias' }>>> = {
  start: {
    DX_RUNNER_DEFAULT_WORKTREE: { kind: 'inert', why: 'start works in --worktree, else the current directory' },
  },
  preflight: {
    DX_RUNNER_REQUIRE_RAILWAY_AUTH: RAILWAY,
    REQUIRE_RAILWAY_AUTH: RAILWAY,
  },
};

const TRUE = /^(1|true|yes)$/i;

/** The rules for the old variables set in this environment, with the one-line message each gets. */
export function legacyEnv(
  command: string,
  env: NodeJS.ProcessEnv,
): Array<{ variable: string; rule: LegacyRule; message: string }> {
  return Object.entries(LEGACY_ENV[command] ?? {}).flatMap(([variable, rule]) => {
    const v = env[variable];
    if (!v || (rule.kind === 'refused' && !TRUE.test(v))) return [];
    const message =
      rule.kind === 'refused'
        ? `${variable}=${v} is not supported: ${rule.fix.replace(/drop it/, `unset ${variable}`)}`
        : `${variable} is deprecated: ${rule.why}; it has no effect`;
    return [{ variable, rule, message }];
  });
}

const IGNORED: LegacyRule = {
  kind: 'inert',
  why: 'the bash dx-runner accepted every flag on every command and ignored this one here',
};

/** The rule for an old flag on a command, or undefined when the flag is not one the bash tool took there. */
export function legacyRule(command: string, flag: string): LegacyRule | undefined {
  if (command === 'profiles') return BY_COMMAND.profiles[flag];
  if (!LEGACY_COMMANDS.includes(command) || !(flag in LEGACY_FLAGS)) return undefined;
  return BY_COMMAND[command]?.[flag] ?? EVERYWHERE[flag] ?? IGNORED;
}

/** Every specific rule, for the README's migration table (the fallback rule is stated there once). */
export const legacyRules = (): Array<{ command: string; flag: string; rule: LegacyRule }> => [
  ...Object.entries(EVERYWHERE).map(([flag, rule]) => ({ command: '*', flag, rule })),
  ...Object.entries(BY_COMMAND).flatMap(([command, flags]) =>
    Object.entries(flags).map(([flag, rule]) => ({ command, flag, rule })),
  ),
];

/** The one-line stderr note for an accepted old flag (none for a refused one: that is an error). */
export function legacyNote(command: string, flag: string, rule: LegacyRule): string | undefined {
  if (rule.kind === 'alias')
    return `${command} ${flag} is deprecated: it is now ${rule.to}${rule.value ? ` ${rule.value}` : ''}`;
  if (rule.kind === 'inert') return `${command} ${flag} is deprecated: ${rule.why}; it has no effect`;
  return undefined;
}

/** Commands of the bash tool that are gone or renamed. */
export const LEGACY_COMMAND_RENAMES: Record<string, string> = { health: 'status' };
export const REMOVED_COMMANDS: Record<string, string> = {
  'beads-gate':
    'beads-gate was removed: dx-runner needs no beads runtime (only wave start --from-beads runs bd); ' +
    'check the tracker with bd status',
};

/**
 * The command line as this dx-runner reads it: a renamed command under its new name, and `status --recent` with
 * no number meaning 5 (the bash tool's default for a bare --recent). The notes say what was rewritten.
 */
export function legacyArgv(argv: string[]): { argv: string[]; notes: string[] } {
  const [node, script, command, ...rest] = argv;
  const notes: string[] = [];
  let cmd = command;
  if (cmd && LEGACY_COMMAND_RENAMES[cmd]) {
    notes.push(
      `${cmd} is deprecated: it is ${LEGACY_COMMAND_RENAMES[cmd]}; running dx-runner ${LEGACY_COMMAND_RENAMES[cmd]}`,
    );
    cmd = LEGACY_COMMAND_RENAMES[cmd];
  }
  const out = [...rest];
  const i = out.indexOf('--recent');
  // a negative number (`--recent -3`) is a value, refused as such, not the next flag
  const bare = i === out.length - 1 || (out[i + 1]?.startsWith('-') && !/^-[\d.]/.test(out[i + 1]));
  if (cmd === 'status' && i >= 0 && bare) out.splice(i + 1, 0, '5');
  return { argv: cmd === undefined ? argv : [node, script, cmd, ...out], notes };
}

const attribute = (flag: string) => new Option(flag).attributeName();

/**
 * Adds the bash tool's flags the invoked command lacks, hidden from --help, and one hook that answers them before
 * the command runs. Only the flags on this command line are added (the rest would cost every run and show up
 * nowhere). Call with the command line as read (legacyArgv) after the command modules have registered.
 */
export function applyLegacyFlags(program: Command, argv: string[]): void {
  const [name, ...args] = argv.slice(2);
  const cmd = program.commands.find((c) => c.name() === name);
  for (const flag of new Set(args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]))) {
    if (!cmd || !legacyRule(name, flag) || cmd.options.some((o) => o.long === flag)) continue;
    const arity = LEGACY_FLAGS[flag] ?? '';
    cmd.addOption(new Option(`${flag}${arity ? ` ${arity}` : ''}`).hideHelp());
  }
  if (name in REMOVED_COMMANDS)
    program
      .command(name, { hidden: true })
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => {
        throw new DxError('command_removed', REMOVED_COMMANDS[name]);
      });
  program.hook('preAction', (_program, cmd) => {
    const name = cmd.name();
    for (const e of legacyEnv(name, process.env)) {
      if (e.rule.kind === 'refused') throw new DxError(e.rule.reason, e.message);
      process.stderr.write(`dx-runner: ${e.message}\n`);
    }
    for (const o of cmd.options) {
      const flag = o.long as string;
      const rule = o.hidden ? legacyRule(name, flag) : undefined;
      if (!rule || cmd.getOptionValueSource(attribute(flag)) !== 'cli') continue;
      if (rule.kind === 'refused') throw new DxError(rule.reason, `${name} ${flag} is not supported: ${rule.fix}`);
      if (rule.kind === 'alias')
        cmd.setOptionValue(attribute(rule.to), rule.value ?? cmd.getOptionValue(attribute(flag)));
      process.stderr.write(`dx-runner: ${legacyNote(name, flag, rule)}\n`);
    }
  });
}
