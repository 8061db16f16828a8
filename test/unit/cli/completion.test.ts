import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { completionScript, completionTable, SHELLS } from '../../../src/cli/completion.js';
import { DxError } from '../../../src/core/errors.js';

/** A small program shaped like dx-runner's: a command, a group, a hidden command, an argument. */
function program(): Command {
  const p = new Command('tool').version('1.0.0');
  p.command('start')
    .requiredOption('--beads <id>', 'bead')
    .option('--provider <name>', 'provider')
    .addOption(new Option('--format <fmt>', 'format').choices(['json', 'markdown']))
    .option('--dry-run', 'plan only')
    .option('-f, --follow', 'follow');
  const wave = p.command('wave');
  wave.command('start').option('--manifest <file>', 'manifest').option('--json', 'json');
  wave.command('stop');
  p.command('__hidden', { hidden: true }).option('--secret <x>', 'secret');
  p.command('completion').argument('<shell>', 'shell');
  return p;
}

const known = {
  '--provider': ['opencode', 'gemini'],
  completion: ['bash', 'zsh'],
  'wave start --manifest': ['w.yaml'],
};

describe('completionTable', () => {
  const t = completionTable(program(), known);

  it.each<[string, keyof typeof t, string, string[] | undefined]>([
    // [what, table, key, entry]
    ['the top-level commands, hidden and help left out', 'commands', 'tool', ['start', 'wave', 'completion']],
    ["a group's subcommands", 'commands', 'tool wave', ['start', 'stop']],
    ['a command with none has no entry', 'commands', 'tool start', undefined],
    ["the program's flags", 'flags', 'tool', ['--version', '-V', '--help', '-h']],
    [
      'long and short flags of a command',
      'flags',
      'tool start',
      ['--beads', '--provider', '--format', '--dry-run', '--follow', '-f', '--help', '-h'],
    ],
    ["a subcommand's flags", 'flags', 'tool wave start', ['--manifest', '--json', '--help', '-h']],
    ['flags that take a value', 'valued', 'tool start', ['--beads', '--provider', '--format']],
    ['values known by flag', 'values', 'tool start --provider', ['opencode', 'gemini']],
    ["values from the option's own choices", 'values', 'tool start --format', ['json', 'markdown']],
    ['values known by path and flag', 'values', 'tool wave start --manifest', ['w.yaml']],
    ['a valued flag with no known values: none (file names)', 'values', 'tool start --beads', undefined],
    ["a command's argument, by its path", 'values', 'tool completion', ['bash', 'zsh']],
  ])('%s', (_what, table, key, entry) => {
    expect(t[table][key]).toEqual(entry);
  });

  it('leaves out hidden commands entirely', () => {
    expect(Object.keys(t.flags).filter((k) => k.includes('hidden'))).toEqual([]);
  });
});

describe('completionScript', () => {
  const t = completionTable(program(), known);

  it.each(SHELLS.map((s) => [s]))('%s: names every command path', (shell) => {
    const script = completionScript(shell, t, 'tool');
    for (const path of Object.keys(t.flags)) expect(script).toContain(path);
  });

  it('leaves out a value that would break the quoting', () => {
    const odd = completionTable(program(), { ...known, '--provider': ["it's", 'two words', 'ok'] });
    expect(completionScript('bash', odd, 'tool')).toContain("['tool start --provider']='ok'");
  });

  it.each([['tcsh'], [''], ['BASH']])('refuses shell %j: unknown_shell', (shell) => {
    expect(() => completionScript(shell, t, 'tool')).toThrow(
      expect.objectContaining({ reasonCode: 'unknown_shell' }) as DxError,
    );
  });
});
