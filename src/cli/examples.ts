import type { Command } from 'commander';

/**
 * The examples that end each command's `--help`, by command path ('wave start'): what it does, then the line.
 * Kept apart from the command modules, and applied once every command is registered, so that adding an option
 * to a command and adding an example to its help are separate edits.
 */
const EXAMPLES: Record<string, Array<[what: string, line: string]>> = {
  start: [
    [
      'one job in an existing git worktree',
      'dx-runner start --beads bd-a1 --prompt-file task.md --worktree ../wts/bd-a1',
    ],
    [
      'reviewed settings, another provider if opencode cannot take it',
      'dx-runner start --beads bd-a1 --prompt-file task.md --profile opencode-prod --fallback auto',
    ],
    [
      'print the plan (provider, model, lane, command) and start nothing',
      'dx-runner start --beads bd-a1 --prompt-file task.md --provider gemini --dry-run',
    ],
    [
      'enqueue it on the fleet (DX_RUNNER_FLEET_URL); a host clones the shared remote',
      'dx-runner start --fleet --beads bd-a1 --prompt-file task.md --repo git@git.internal:team/app.git',
    ],
    [
      'the task on stdin, pinned to host gpu-1, on gemini if opencode stays rate limited',
      'cat task.md | dx-runner start --fleet --beads bd-a2 --prompt-file - --repo /srv/git/app.git --host gpu-1 ' +
        '--fallback gemini',
    ],
  ],
  worker: [
    [
      'this host takes opencode jobs of the fleet, 3 at once',
      'dx-runner worker --fleet redis://:$REDIS_PW@redis.internal:6379 --host-id gpu-1 --slots 3',
    ],
    [
      'opencode and gemini jobs, the clones and worktrees on a large disk (fleet URL: DX_RUNNER_FLEET_URL)',
      'dx-runner worker --host-id gpu-2 --providers opencode,gemini --repo-cache /data/fleet',
    ],
  ],
  fleet: [
    ['hosts, queues and caps of the fleet in DX_RUNNER_FLEET_URL', 'dx-runner fleet status'],
    ['the global caps of every provider, as JSON', 'dx-runner fleet caps --json'],
    ['is this Redis fit for the fleet', 'dx-runner fleet doctor --fleet redis://127.0.0.1:6379'],
  ],
  'fleet status': [
    ['hosts, queues and caps of the fleet in DX_RUNNER_FLEET_URL', 'dx-runner fleet status'],
    ['the same, redrawn every second until Ctrl-C', 'dx-runner fleet status --watch'],
  ],
  'fleet caps set': [
    [
      'at most 6 opencode jobs at once across every host, 20 started a minute',
      'dx-runner fleet caps set opencode --concurrency 6 --rate 20/60s',
    ],
  ],
  'fleet doctor': [['is the Redis fit for the fleet', 'dx-runner fleet doctor --fleet redis://127.0.0.1:6379']],
  land: [
    ["push a finished job's branch (dx/<bead id>) to origin", 'dx-runner land --beads bd-a1 --deliver push'],
    [
      'land it on main: rebase onto main, run the tests on the result, fast-forward main',
      "dx-runner land --beads bd-a1 --deliver merge --base main --verify-cmd 'npm test'",
    ],
  ],
  status: [
    ['running jobs, then the 10 most recently finished beads', 'dx-runner status'],
    ['the live view until Ctrl-C', 'dx-runner status --watch'],
    ['one bead, for a script', 'dx-runner status --beads bd-xga8.14 --json'],
  ],
  check: [
    ['state, reason and next action; the exit code says it too', 'dx-runner check --beads bd-xga8.14'],
    ['the same as JSON', 'dx-runner check --beads bd-xga8.14 --json'],
  ],
  report: [
    ['the full record as JSON', 'dx-runner report --beads bd-xga8.14'],
    ['as markdown, for a review or a ticket', 'dx-runner report --beads bd-xga8.14 --format markdown'],
  ],
  diff: [
    ['the patch of what the job changed, committed and not', 'dx-runner diff --beads bd-xga8.14'],
    ['the files, with lines added and removed', 'dx-runner diff --beads bd-xga8.14 --stat'],
    ['the same as JSON, for a review tool', 'dx-runner diff --beads bd-xga8.14 --stat --json'],
  ],
  stop: [
    ['end the job and every process it started', 'dx-runner stop --beads bd-xga8.14'],
    ['the same, reporting as JSON', 'dx-runner stop --beads bd-xga8.14 --json'],
  ],
  prune: [
    ['record the outcome of every job that ended unwatched', 'dx-runner prune'],
    ['only this bead, as JSON', 'dx-runner prune --beads bd-xga8.14 --json'],
  ],
  logs: [
    ["the last 20 lines of the agent's output", 'dx-runner logs --beads bd-xga8.14'],
    ['follow the output until the job ends', 'dx-runner logs --beads bd-xga8.14 --follow'],
    ['the last 200 raw JSON events', 'dx-runner logs --beads bd-xga8.14 --raw --lines 200'],
    [
      "a fleet job's last 50 lines, from any host (DX_RUNNER_FLEET_URL)",
      'dx-runner logs --fleet --beads bd-a1 --lines 50',
    ],
  ],
  restart: [
    ['relaunch a stalled job exactly as recorded', 'dx-runner restart --beads bd-xga8.14'],
    ['the same, reporting as JSON', 'dx-runner restart --beads bd-xga8.14 --json'],
  ],
  watchdog: [
    ['one pass over every job and wave', 'dx-runner watchdog --once'],
    [
      'a pass every 2 minutes, two restarts per job before it is blocked',
      'dx-runner watchdog --interval 120 --max-retries 2',
    ],
  ],
  monitor: [
    ['one record a minute until the job ends', 'dx-runner monitor --beads bd-xga8.14 --interval 60'],
    ['JSON lines, also kept in a file', 'dx-runner monitor --beads bd-xga8.14 --json --out-file monitor.jsonl'],
  ],
  finalize: [
    [
      'end a job whose agent hangs, recording why and how it ended',
      'dx-runner finalize --beads bd-xga8.14 --reason operator_abort --exit-code 1',
    ],
    ['the same, reporting as JSON', 'dx-runner finalize --beads bd-xga8.14 --json'],
  ],
  migration: [
    ['what changed for users of the bash dx-runner (flags, commands, exit and reason codes)', 'dx-runner migration'],
    ['only the renamed and retired reason codes', "dx-runner migration | sed -n '/Reason codes/,$p'"],
  ],
  'baseline-gate': [
    [
      'does the worktree contain this commit?',
      'dx-runner baseline-gate --required-baseline 3ec0f43 --worktree ../wts/bd-a1',
    ],
    ["the same for a bead's job, as JSON", 'dx-runner baseline-gate --required-baseline main --beads bd-a1 --json'],
  ],
  'integrity-gate': [
    [
      'is the reported commit on the branch?',
      'dx-runner integrity-gate --reported-commit 9f2c1ab --branch bd-a1 --worktree ../wts/bd-a1',
    ],
    ["the same for a bead's job", 'dx-runner integrity-gate --reported-commit 9f2c1ab --beads bd-a1'],
  ],
  'feature-key-gate': [
    ["every commit of the bead's job carries Feature-Key: bd-a1", 'dx-runner feature-key-gate --beads bd-a1'],
    [
      'another key, against another base',
      'dx-runner feature-key-gate --feature-key bd-a1 --base origin/main --worktree ../wts/bd-a1',
    ],
  ],
  'scope-gate': [
    [
      'only allowed paths changed, at most 5 files',
      'dx-runner scope-gate --allowed-paths-file allowed.txt --mutation-budget 5 --beads bd-a1',
    ],
    [
      'the same in a worktree, as JSON',
      'dx-runner scope-gate --allowed-paths-file allowed.txt --worktree ../wts/bd-a1 --json',
    ],
  ],
  'evidence-gate': [
    [
      'the signoff is complete and the job finished ok',
      'dx-runner evidence-gate --signoff-file SIGNOFF.md --beads bd-a1',
    ],
    ['the same, as JSON', 'dx-runner evidence-gate --signoff-file SIGNOFF.md --beads bd-a1 --json'],
  ],
  serve: [
    ['start the shared opencode server (waits until healthy)', 'dx-runner serve start'],
    ['is it healthy? exit 0 yes, 1 no', 'dx-runner serve status --json'],
    ['stop it', 'dx-runner serve stop'],
  ],
  preflight: [
    ['can opencode run a job now? (binary, model, credentials, a live call)', 'dx-runner preflight'],
    ["a profile's provider and model; warnings fail too", 'dx-runner preflight --profile opencode-prod --strict'],
    ['another provider, no live call, as JSON', 'dx-runner preflight --provider cc-glm --no-probe --json'],
  ],
  probe: [
    ['one live call to the canonical model', 'dx-runner probe'],
    ['another provider, as JSON', 'dx-runner probe --provider gemini --json'],
  ],
  profiles: [
    ['the profiles found, with their provider', 'dx-runner profiles'],
    ['one profile and the settings a job started with it gets', 'dx-runner profiles --show opencode-prod'],
  ],
  'mock-model': [
    ['serve the scripted model on 127.0.0.1:4099', 'dx-runner mock-model serve --port 4099'],
    ['point opencode at it', 'dx-runner mock-model opencode-config --port 4099 > opencode.json'],
    ['point gemini at it', 'eval "$(dx-runner mock-model gemini-env --port 4099)"'],
  ],
  bench: [
    ['every workflow end to end with no agent: try the reports', 'dx-runner bench governed --dry-run'],
    [
      'two workflows, 4 jobs at a time',
      'dx-runner bench governed --workflows opencode_run_headless,cc_glm_headless --parallel 4',
    ],
    ['the first phase of the progressive benchmark', 'dx-runner bench progressive --phase phase1_smoke'],
  ],
  state: [
    ['is the state home sound? (database, run folders, file modes)', 'dx-runner state check'],
    ['a copy of the state database, taken while jobs run', 'dx-runner state backup'],
  ],
  'state check': [
    ['every finding, for a script (exit 1 on a problem)', 'dx-runner state check --json'],
    ['the state home of another user or test', 'DX_RUNNER_HOME=/tmp/dx-home dx-runner state check'],
  ],
  'state backup': [
    ['into <home>/backups/, the path printed', 'dx-runner state backup'],
    [
      'into a file of your choice (refused if it exists)',
      'dx-runner state backup --output ~/dx-state-before-upgrade.db',
    ],
  ],
  wave: [
    [
      'three beads, one task, worktrees created from this repository',
      'dx-runner wave start --items bd-a,bd-b,bd-c --prompt-file task.md --worktree-root ../wts',
    ],
    ['the live view until the wave ends', 'dx-runner wave status --watch'],
    ['every item with all its attempts', 'dx-runner wave report'],
  ],
  'wave start': [
    ['a wave described in YAML', 'dx-runner wave start --manifest wave.yaml'],
    [
      'three beads, one task, worktrees from main',
      'dx-runner wave start --items bd-a,bd-b --prompt-file task.md --worktree-root ../wts --base main',
    ],
    [
      'the ready issues of beads (needs bd), 12 at most',
      'dx-runner wave start --from-beads --worktree-root ../wts --limit 12',
    ],
    [
      'on the fleet (DX_RUNNER_FLEET_URL): its driver and items run on its hosts, each clones the shared remote',
      'dx-runner wave start --fleet --manifest wave.yaml --repo git@git.internal:team/app.git',
    ],
  ],
  'wave status': [
    ['the live view of the newest wave until it ends', 'dx-runner wave status --watch'],
    ['a fleet wave, read from any host', 'dx-runner wave status --fleet --wave 3'],
  ],
  'wave stop': [
    ['the newest wave on this host', 'dx-runner wave stop'],
    [
      'a fleet wave, from any host: its queued items cancelled, its running ones stopped',
      'dx-runner wave stop --fleet --wave 3',
    ],
  ],
  'wave resume': [
    ['a wave whose driver died', 'dx-runner wave resume --wave 3'],
    ['a stopped fleet wave: its stopped and cancelled items run again', 'dx-runner wave resume --fleet --wave 3'],
  ],
  demo: [
    ['3 real opencode jobs against the bundled scripted model', 'dx-runner demo'],
    ['a wave of 6', 'dx-runner demo --jobs 6'],
  ],
  schema: [
    ['the outputs that have a schema', 'dx-runner schema'],
    ["the JSON Schema of check --json's output", 'dx-runner schema check'],
  ],
  completion: [
    ['bash, loaded by every new shell', "echo 'source <(dx-runner completion bash)' >> ~/.bashrc"],
    ['zsh (a folder of your $fpath)', 'dx-runner completion zsh > ~/.zfunc/_dx-runner'],
    ['fish', 'dx-runner completion fish > ~/.config/fish/completions/dx-runner.fish'],
  ],
};

const find = (program: Command, path: string): Command | undefined =>
  path.split(' ').reduce<Command | undefined>((cmd, name) => cmd?.commands.find((c) => c.name() === name), program);

/** Ends the help of each registered command that has examples with them (a command not loaded is skipped). */
export function addExamples(program: Command): void {
  for (const [path, examples] of Object.entries(EXAMPLES))
    find(program, path)?.addHelpText(
      'after',
      `\nExamples:\n${examples.map(([what, line]) => `  # ${what}\n  ${line}`).join('\n')}\n`,
    );
}
