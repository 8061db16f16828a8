/**
 * The bad-input corpus: inputs an operator (or an adversary) may give, each with the refusal it must get.
 * Data only: `{token}` in an argument, a variable or stdin names a fixture the runner makes (badInput.ts:
 * FIXTURES). Every row is refused before any agent could start, so a row costs one CLI run.
 */

/** One hostile input and the refusal it must get. */
export interface BadInputRow {
  name: string;
  args: string[];
  /** variables added to the environment */
  env?: Record<string, string>;
  stdin?: string;
  reason: string;
  exit: number;
  /** a path the refused command must not have made (after token expansion) */
  absent?: string;
}

/** A valid start but for what a row adds (the bead id, prompt and worktree all pass). */
const START = ['start', '--beads', 'bd-fault.1', '--prompt-file', '{good}', '--worktree', '{wt}', '--json'];
const start = (name: string, extra: string[], reason = 'invalid_argument', exit = 2): BadInputRow => ({
  name,
  args: [...START, ...extra],
  reason,
  exit,
});
const startEnv = (name: string, variable: string, value: string): BadInputRow => ({
  name,
  args: START,
  env: { [variable]: value },
  reason: 'invalid_argument',
  exit: 2,
});
const withBeads = (name: string, beads: string): BadInputRow => ({
  name,
  args: ['start', '--beads', beads, '--prompt-file', '{good}', '--worktree', '{wt}', '--json'],
  reason: 'invalid_beads_id',
  exit: 2,
});
const withPrompt = (name: string, file: string, reason: string): BadInputRow => ({
  name,
  args: ['start', '--beads', 'bd-fault.1', '--prompt-file', file, '--worktree', '{wt}', '--json'],
  reason,
  exit: 2,
});
const onStdin = (name: string, stdin: string, reason: string): BadInputRow => ({
  name,
  args: ['start', '--beads', 'bd-fault.1', '--prompt-file', '-', '--worktree', '{wt}', '--json'],
  stdin,
  reason,
  exit: 2,
});
const cmd = (name: string, args: string[], reason = 'invalid_argument', exit = 2): BadInputRow => ({
  name,
  args,
  reason,
  exit,
});

export const BAD_INPUTS: readonly BadInputRow[] = [
  // numbers on start
  start('start --wait -5', ['--wait', '-5']),
  start('start --wait not a number', ['--wait', 'soon']),
  start('start --mutation-budget -1', ['--mutation-budget', '-1']),
  start('start --mutation-budget 2.5', ['--mutation-budget', '2.5']),
  start('start --stall-minutes 0', ['--stall-minutes', '0']),
  start('start --max-runtime Infinity', ['--max-runtime', 'Infinity']),
  start('start --no-mutation-timeout -1', ['--no-mutation-timeout', '-1']),
  start('start --model empty', ['--model', '']),
  start('start --worktree-root blank', ['--worktree-root', ' ']),
  // numeric variables
  startEnv('DX_RUNNER_MAX_PARALLEL_OPENCODE=-1', 'DX_RUNNER_MAX_PARALLEL_OPENCODE', '-1'),
  startEnv('DX_RUNNER_MAX_PARALLEL_DEFAULT=lots', 'DX_RUNNER_MAX_PARALLEL_DEFAULT', 'lots'),
  startEnv('DX_RUNNER_STALL_MINUTES=0', 'DX_RUNNER_STALL_MINUTES', '0'),
  startEnv('DX_RUNNER_PROVIDER_RETRY_LIMIT=1.5', 'DX_RUNNER_PROVIDER_RETRY_LIMIT', '1.5'),
  startEnv('DX_RUNNER_STARTUP_GRACE_SEC=-10', 'DX_RUNNER_STARTUP_GRACE_SEC', '-10'),
  startEnv('DX_RUNNER_MAX_RUNTIME_MINUTES=1e9', 'DX_RUNNER_MAX_RUNTIME_MINUTES', '1e9'),
  // prompts
  withPrompt('a binary prompt file', '{binary}', 'prompt_not_text'),
  withPrompt('a prompt file that is not UTF-8', '{latin1}', 'prompt_not_text'),
  withPrompt('a prompt file over 256 KiB', '{huge}', 'prompt_too_large'),
  onStdin('a NUL byte on stdin', 'fix it\u0000now', 'prompt_not_text'),
  onStdin('stdin over 256 KiB', 'x'.repeat(300 * 1024), 'prompt_too_large'),
  // ids
  withBeads('a bead id with a newline', 'bd-a\nrm -rf /'),
  withBeads('a bead id of 10,000 characters', 'b'.repeat(10_000)),
  withBeads('a bead id with a terminal escape', 'bd-\u001b[31mred'),
  withBeads('a bead id with a path', '../../etc/passwd'),
  // files and folders
  start('start --profile <directory>', ['--profile', '{dir}/'], 'profile_unreadable', 21),
  start('a profile with max_parallel: -1', ['--profile', '{badProfile}'], 'profile_invalid', 21),
  cmd(
    'start --worktree <regular file>',
    [...START.slice(0, 5), '--worktree', '{file}', '--json'],
    'worktree_not_git',
    22,
  ),
  {
    ...cmd(
      'start --worktree-root /etc',
      ['start', '--beads', 'bd-fault.1', '--prompt-file', '{good}', '--worktree-root', '/etc', '--repo', '{repo}'],
      'worktree_outside_policy',
      22,
    ),
    absent: '/etc/bd-fault.1',
  },
  // waves: every item checked before anything is recorded
  cmd(
    'wave item at ../../../etc',
    ['wave', 'start', '--manifest', '{etcWave}', '--json'],
    'worktree_outside_policy',
    22,
  ),
  cmd(
    'wave item outside the policy',
    ['wave', 'start', '--manifest', '{plainWave}', '--json'],
    'worktree_outside_policy',
    22,
  ),
  {
    ...cmd('wave item in the canonical repository', ['wave', 'start', '--manifest', '{repoWave}', '--json']),
    env: { DX_RUNNER_CANONICAL_REPOS: '{repo}' },
    reason: 'canonical_worktree_forbidden',
    exit: 22,
  },
  {
    ...cmd(
      'wave start --worktree-root /etc',
      [
        'wave',
        'start',
        '--items',
        'bd-w.1,bd-w.2',
        '--prompt-file',
        '{good}',
        '--worktree-root',
        '/etc',
        '--repo',
        '{repo}',
      ],
      'worktree_outside_policy',
      22,
    ),
    absent: '/etc/bd-w.1',
  },
  cmd(
    'wave item with mutation_budget: -1',
    ['wave', 'start', '--manifest', '{budgetWave}', '--json'],
    'manifest_invalid',
  ),
  cmd(
    'wave items with a binary prompt',
    ['wave', 'start', '--items', 'bd-w.1', '--prompt-file', '{binary}', '--worktree-root', '{agents}', '--json'],
    'prompt_not_text',
  ),
  {
    ...cmd('wave start with DX_RUNNER_MAX_PARALLEL_OPENCODE=0', [
      'wave',
      'start',
      '--items',
      'bd-w.1',
      '--prompt-file',
      '{good}',
      '--worktree-root',
      '{agents}',
      '--repo',
      '{repo}',
      '--json',
    ]),
    env: { DX_RUNNER_MAX_PARALLEL_OPENCODE: '0' },
  },
  cmd('wave start --limit -1', ['wave', 'start', '--from-beads', '--limit', '-1', '--json']),
  cmd('wave status --wave 0', ['wave', 'status', '--wave', '0', '--json']),
  // the other commands' numbers
  cmd('status --recent -3', ['status', '--recent', '-3', '--json']),
  cmd('status --recent 1.5', ['status', '--recent', '1.5', '--json']),
  cmd('logs --lines -5', ['logs', '--beads', 'bd-fault.1', '--lines', '-5']),
  cmd('watchdog --interval 0', ['watchdog', '--interval', '0', '--once', '--json']),
  cmd('watchdog --max-retries -1', ['watchdog', '--max-retries', '-1', '--once', '--json']),
  cmd('monitor --interval 0', ['monitor', '--beads', 'bd-fault.1', '--interval', '0', '--json']),
  cmd('finalize --exit-code 300', ['finalize', '--beads', 'bd-fault.1', '--exit-code', '300', '--json']),
  cmd('serve start --port 70000', ['serve', 'start', '--port', '70000', '--json']),
  cmd('mock-model serve --port -1', ['mock-model', 'serve', '--port', '-1']),
  cmd('demo --jobs 0', ['demo', '--jobs', '0']),
  cmd('preflight --model empty', ['preflight', '--model', '', '--no-probe', '--json']),
  cmd('bench run --parallel 0', ['bench', 'run', '--parallel', '0', '--dry-run', '--json']),
  cmd('bench run --poll-interval-sec 0', ['bench', 'run', '--poll-interval-sec', '0', '--dry-run', '--json']),
];
