import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tmpDir } from '../helpers.js';

/** Help, examples, shell completion and the version, as a new user meets them: the built CLI, no agent. */
const dir = tmpDir('help');
const env: NodeJS.ProcessEnv = {
  ...process.env,
  DX_RUNNER_HOME: path.join(dir, 'home'),
  XDG_CONFIG_HOME: path.join(dir, 'config'),
  DX_RUNNER_PROFILES_DIR: path.join(dir, 'profiles'),
};
fs.mkdirSync(env.DX_RUNNER_PROFILES_DIR!);
fs.writeFileSync(path.join(env.DX_RUNNER_PROFILES_DIR!, 'my-team.yaml'), 'provider: opencode\n');

const run = (...args: string[]) => cli(args, { env });

const helps = new Map<string, Promise<string>>();
/** A command's --help, asked once. */
const helpOf = (...cmd: string[]): Promise<string> => {
  const key = cmd.join(' ');
  if (!helps.has(key))
    helps.set(
      key,
      run(...cmd, '--help').then((r) => r.stdout),
    );
  return helps.get(key)!;
};

/** The commands a section of a help text lists (`Commands:` up to the next blank line). */
const commandsOf = (help: string): string[] =>
  [
    ...(help
      .split('\nCommands:\n')[1]
      ?.split('\n\n')[0]
      .matchAll(/^ {2}(\S+)/gm) ?? []),
  ]
    .map((m) => m[1])
    .filter((c) => c !== 'help');

const onPath = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

describe('help', () => {
  let top: string;
  let commands: string[];
  beforeAll(async () => {
    top = await helpOf();
    commands = commandsOf(top);
  });

  it('bare dx-runner prints the top-level help on stdout and exits 0', async () => {
    const r = await run();
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(top);
    expect(commands).toEqual(expect.arrayContaining(['start', 'status', 'wave', 'bench', 'completion']));
  });

  it('a bare command group prints its own help on stdout and exits 0', async () => {
    const groups: string[] = [];
    for (const c of commands) {
      const help = await helpOf(c);
      if (!commandsOf(help).length) continue;
      groups.push(c);
      const r = await run(c);
      expect(r, c).toMatchObject({ code: 0, stderr: '', stdout: help });
    }
    expect(groups).toEqual(expect.arrayContaining(['wave', 'bench', 'serve', 'mock-model']));
  });

  it("every command's --help ends with examples that use only that command's options", async () => {
    for (const c of commands) {
      const help = await helpOf(c);
      const examples = help.split('\nExamples:\n')[1];
      expect(examples, `${c} --help has no Examples:`).toBeTruthy();
      const lines = examples.split('\n').filter((l) => /^ {2}\S/.test(l) && !l.trimStart().startsWith('#'));
      expect(lines.length, c).toBeGreaterThanOrEqual(2);
      for (const line of lines) {
        // the command the example runs, as far as its words name commands; then the flags it gives
        const words = line.slice(line.indexOf('dx-runner ') + 'dx-runner '.length).split(/\s+/);
        let cmd = [words[0]];
        let cmdHelp = await helpOf(...cmd);
        if (commandsOf(cmdHelp).includes(words[1])) {
          cmd = words.slice(0, 2);
          cmdHelp = await helpOf(...cmd);
        }
        expect(cmd[0], line).toBe(c);
        const options = cmdHelp.split('\nOptions:\n')[1];
        for (const flag of words.filter((w) => w.startsWith('-')))
          expect(options, `${line}: ${cmd.join(' ')} has no ${flag}`).toMatch(
            new RegExp(`(^|[ ,])${flag}[ ,\\n]`, 'm'),
          );
      }
    }
  });

  it('a misspelt command is one line naming it, with its reason and exit 2', async () => {
    const r = await run('stauts');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^dx-runner: unknown command 'stauts' .*status.*reason_code=unknown_command\)\n$/);
  });
});

describe('version', () => {
  it("--version prints package.json's version", async () => {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const r = await run('--version');
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });
});

describe('completion', () => {
  let bash: string;
  beforeAll(async () => {
    const r = await run('completion', 'bash');
    expect(r.code).toBe(0);
    bash = path.join(dir, 'dx-runner.bash');
    fs.writeFileSync(bash, r.stdout);
  });

  /** What bash offers for the words typed so far (the last one is under the cursor), the script sourced. */
  const complete = (...words: string[]): string[] => {
    const script = `source ${JSON.stringify(bash)}
      COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
      _dx_runner; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return execFileSync('bash', ['-c', script], { encoding: 'utf8', cwd: dir }).split('\n').filter(Boolean);
  };

  it('bash: the script parses, and sourced it registers dx-runner', () => {
    execFileSync('bash', ['-n', bash]);
    const registered = execFileSync('bash', ['-c', `source ${JSON.stringify(bash)}; complete -p dx-runner`], {
      encoding: 'utf8',
    });
    expect(registered).toBe('complete -F _dx_runner dx-runner\n');
  });

  it.each<[string, string[], string[]]>([
    // [what is typed, words, what bash offers]
    ['a command', ['dx-runner', 'wa'], ['watchdog', 'wave']],
    ['a subcommand', ['dx-runner', 'wave', 'st'], ['start', 'status', 'stop']],
    ["a subcommand's flag", ['dx-runner', 'wave', 'start', '--from'], ['--from-beads']],
    ['a flag', ['dx-runner', 'start', '--prov'], ['--provider']],
    ['a provider', ['dx-runner', 'start', '--provider', ''], ['opencode', 'cc-glm', 'claude-code', 'gemini']],
    ["the user's profile", ['dx-runner', 'start', '--profile', 'my'], ['my-team']],
    ['a lane', ['dx-runner', 'start', '--provider', 'opencode', '--lane', ''], ['headless', 'attach', 'server']],
    ['a shell', ['dx-runner', 'completion', ''], ['bash', 'zsh', 'fish']],
    ['a value is not taken for a command', ['dx-runner', 'status', '--beads', 'wave', '--j'], ['--json']],
  ])('bash completes %s', (_what, words, offered) => {
    expect(complete(...words)).toEqual(offered);
  });

  it('bash completes a file name for a file option', () => {
    fs.writeFileSync(path.join(dir, 'task.md'), 'a task\n');
    expect(complete('dx-runner', 'start', '--prompt-file', 'ta')).toEqual(['task.md']);
  });

  it('zsh: a completion function (checked by zsh -n where zsh is installed)', async () => {
    const r = await run('completion', 'zsh');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^#compdef dx-runner\n/);
    expect(r.stdout).toContain('compdef _dx-runner dx-runner');
    if (onPath('zsh')) execFileSync('zsh', ['-n'], { input: r.stdout });
  });

  it('fish: one complete line per command and flag (checked by fish -n where fish is installed)', async () => {
    const r = await run('completion', 'fish');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`complete -c dx-runner -n "__dx_runner_at 'dx-runner wave start'" -l manifest -r -F`);
    expect(r.stdout).toContain(`complete -c dx-runner -n "__dx_runner_at 'dx-runner start'" -l provider -x -a '`);
    if (onPath('fish')) execFileSync('fish', ['-n'], { input: r.stdout });
  });

  it('an unknown shell: one line, unknown_shell, exit 2, no script', async () => {
    const r = await run('completion', 'tcsh');
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe(
      "dx-runner: no completion for shell 'tcsh'; use one of: bash, zsh, fish (reason_code=unknown_shell)\n",
    );
  });
});
