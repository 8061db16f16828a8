import { Help, type Command } from 'commander';
import { LANES } from '../contract/lanes.js';
import { DxError } from '../core/errors.js';
import { listProfiles } from '../profiles/index.js';
import { providerNames } from '../providers/index.js';
import { SCHEMAS } from './schemas.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

/**
 * What a shell completes, keyed by command path as typed ('dx-runner', 'dx-runner wave start'). A value list
 * is keyed by path and flag ('dx-runner start --provider'), or by the path alone for the command's argument.
 */
export interface CompletionTable {
  /** path → its subcommands */
  commands: Record<string, string[]>;
  /** path → its flags, long and short */
  flags: Record<string, string[]>;
  /** path → the flags that take a value (the next word is that value, not a command) */
  valued: Record<string, string[]>;
  /** path [flag] → the values offered; a valued flag without an entry completes file names */
  values: Record<string, string[]>;
}

/**
 * The values of the options and arguments that do not list their choices themselves, by flag (`--provider`),
 * command path and flag (`profiles --show`) or command path (`schema`, its argument): the providers
 * registered and the profiles found now, the lanes, the schema names and the shells.
 */
export function knownValues(env: NodeJS.ProcessEnv): Record<string, string[]> {
  const providers = providerNames();
  const profiles = listProfiles(env).map((p) => p.name);
  return {
    '--provider': providers,
    '--fallback': ['auto', 'none', ...providers],
    '--profile': profiles,
    'profiles --show': profiles,
    '--lane': [...LANES],
    schema: Object.keys(SCHEMAS),
    completion: [...SHELLS],
  };
}

/** The table of the commands the program has registered, hidden ones left out; `known`: see knownValues. */
export function completionTable(program: Command, known: Record<string, string[]>): CompletionTable {
  const help = new Help();
  const t: CompletionTable = { commands: {}, flags: {}, valued: {}, values: {} };
  const visit = (cmd: Command, path: string) => {
    const subcommands = help.visibleCommands(cmd).filter((c) => c.name() !== 'help');
    if (subcommands.length) t.commands[path] = subcommands.map((c) => c.name());
    const options = help.visibleOptions(cmd);
    t.flags[path] = options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f));
    const valued = options.filter((o) => o.long && (o.required || o.optional));
    if (valued.length) t.valued[path] = valued.map((o) => o.long!);
    const rel = path.slice(program.name().length + 1);
    for (const o of valued) {
      const values = o.argChoices ?? known[`${rel} ${o.long}`] ?? known[o.long!];
      if (values) t.values[`${path} ${o.long}`] = values;
    }
    const args = cmd.registeredArguments[0]?.argChoices ?? known[rel];
    if (args && !subcommands.length) t.values[path] = args;
    for (const sub of subcommands) visit(sub, `${path} ${sub.name()}`);
  };
  visit(program, program.name());
  return t;
}

// Every word goes into a shell script between single quotes; one with a quote or a space is left out (a profile
// file name, say) rather than break the script.
const plain = (words: string[]) => words.filter((w) => /^[^\s'"\\]+$/.test(w)).join(' ');
const q = (s: string) => `'${s}'`;

const entries = (table: Record<string, string[]>) => Object.entries(table).map(([k, v]) => [q(k), q(plain(v))]);

/** bash ≥ 4.2: `complete -F` over associative arrays, declared global (bash-completion sources in a function). */
function bash(t: CompletionTable, name: string): string {
  const fn = `_${name.replace(/\W/g, '_')}`;
  const arr = (n: keyof CompletionTable) =>
    `declare -gA ${fn}_${n}=(${entries(t[n])
      .map(([k, v]) => `\n  [${k}]=${v}`)
      .join('')}\n)`;
  return `# ${name} completion for bash: source <(${name} completion bash)
${arr('commands')}
${arr('flags')}
${arr('valued')}
${arr('values')}
${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} path=${name} key i w
  # the command path so far: command names, skipping each option's value
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    if [[ " \${${fn}_valued[$path]} " == *" $w "* ]]; then ((i++))
    elif [[ " \${${fn}_commands[$path]} " == *" $w "* ]]; then path="$path $w"
    fi
  done
  key="$path $prev"
  if ((i > COMP_CWORD)); then
    if [[ \${${fn}_values[$key]+set} ]]; then COMPREPLY=($(compgen -W "\${${fn}_values[$key]}" -- "$cur"))
    else compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))
    fi
  elif [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "\${${fn}_flags[$path]}" -- "$cur"))
  elif [[ \${${fn}_commands[$path]+set} ]]; then COMPREPLY=($(compgen -W "\${${fn}_commands[$path]}" -- "$cur"))
  elif [[ \${${fn}_values[$path]+set} ]]; then COMPREPLY=($(compgen -W "\${${fn}_values[$path]}" -- "$cur"))
  fi
}
complete -F ${fn} ${name}
`;
}

/** zsh: an autoloadable `_<name>` (a file in $fpath) that also works sourced. */
function zsh(t: CompletionTable, name: string): string {
  const fn = `_${name}`;
  const v = `_${name.replace(/\W/g, '_')}`;
  const arr = (n: keyof CompletionTable) =>
    `${v}_${n}=(${entries(t[n])
      .map(([k, w]) => `\n  ${k} ${w}`)
      .join('')}\n)`;
  return `#compdef ${name}
# ${name} completion for zsh: ${name} completion zsh > <a folder of $fpath>/${fn}
typeset -gA ${v}_commands ${v}_flags ${v}_valued ${v}_values
${arr('commands')}
${arr('flags')}
${arr('valued')}
${arr('values')}
${fn}() {
  local p=${name} key i w cur=\${words[CURRENT]} prev=\${words[CURRENT-1]}
  # the command path so far: command names, skipping each option's value
  for (( i = 2; i < CURRENT; i++ )); do
    w=\${words[i]}
    if [[ " \${${v}_valued[$p]} " == *" $w "* ]]; then (( i++ ))
    elif [[ " \${${v}_commands[$p]} " == *" $w "* ]]; then p="$p $w"
    fi
  done
  key="$p $prev"
  if (( i > CURRENT )); then
    if (( \${+${v}_values[$key]} )); then compadd -- \${=${v}_values[$key]}; else _files; fi
  elif [[ $cur == -* ]]; then compadd -- \${=${v}_flags[$p]}
  elif (( \${+${v}_commands[$p]} )); then compadd -- \${=${v}_commands[$p]}
  elif (( \${+${v}_values[$p]} )); then compadd -- \${=${v}_values[$p]}
  fi
}
if [[ \${funcstack[1]} == ${fn} ]]; then ${fn} "$@"; else compdef ${fn} ${name}; fi
`;
}

/** fish: one `complete` line per subcommand list, flag and argument, under a condition on the command path. */
function fish(t: CompletionTable, name: string): string {
  const fn = `__${name.replace(/\W/g, '_')}`;
  const cases = (table: Record<string, string[]>) =>
    entries(table)
      .map(([k, w]) => `        case ${k}\n            string split ' ' -- ${w}`)
      .join('\n');
  const lines: string[] = [];
  const at = (path: string) => `-n "${fn}_at '${path}'"`;
  for (const [path, subcommands] of Object.entries(t.commands))
    lines.push(`complete -c ${name} ${at(path)} -a ${q(plain(subcommands))}`);
  for (const [path, flags] of Object.entries(t.flags))
    for (const flag of flags) {
      const opt = flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`;
      const values = t.values[`${path} ${flag}`];
      const arg = !t.valued[path]?.includes(flag) ? '' : values ? ` -x -a ${q(plain(values))}` : ' -r -F';
      lines.push(`complete -c ${name} ${at(path)} ${opt}${arg}`);
    }
  // a value list keyed by a path alone is the command's argument
  for (const [path, values] of Object.entries(t.values))
    if (t.flags[path]) lines.push(`complete -c ${name} ${at(path)} -a ${q(plain(values))}`);
  return `# ${name} completion for fish: ${name} completion fish > ~/.config/fish/completions/${name}.fish
function ${fn}_list --argument-names table path
    switch "$table $path"
${cases(Object.fromEntries(Object.entries(t.commands).map(([k, w]) => [`commands ${k}`, w])))}
${cases(Object.fromEntries(Object.entries(t.valued).map(([k, w]) => [`valued ${k}`, w])))}
    end
end
# the command path so far: command names, skipping each option's value
function ${fn}_path
    set -l p ${name}
    set -l skip 0
    set -l typed (commandline -opc)
    set -e typed[1]
    for w in $typed
        if test $skip = 1
            set skip 0
        else if contains -- $w (${fn}_list valued $p)
            set skip 1
        else if contains -- $w (${fn}_list commands $p)
            set p "$p $w"
        end
    end
    echo $p
end
function ${fn}_at
    test (${fn}_path) = $argv[1]
end
complete -c ${name} -f
${lines.join('\n')}
`;
}

const SCRIPTS = { bash, zsh, fish } satisfies Record<(typeof SHELLS)[number], unknown>;

/** The completion script of one shell for this table. */
export function completionScript(shell: string, t: CompletionTable, name: string): string {
  if (!Object.hasOwn(SCRIPTS, shell))
    throw new DxError('unknown_shell', `no completion for shell '${shell}'; use one of: ${SHELLS.join(', ')}`);
  return SCRIPTS[shell as keyof typeof SCRIPTS](t, name);
}
