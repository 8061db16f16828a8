import { describe, expect, it } from 'vitest';
import { legacyArgv, legacyEnv, legacyNote, legacyRule } from '../../../src/cli/deprecated.js';

describe('the bash dx-runner flags', () => {
  it.each<[string, string, string | undefined]>([
    // [command, flag, kind of answer (undefined: not one of its flags there)]
    ['check', '--stall-minutes', 'inert'],
    ['status', '--stall-minutes', 'inert'],
    ['watchdog', '--max-runtime', 'inert'],
    ['logs', '--compact', 'inert'],
    ['start', '--pty', 'inert'],
    ['start', '--require-commit-artifact', 'alias'],
    ['preflight', '--require-railway-auth', 'refused'],
    ['feature-key-gate', '--base-branch', 'alias'],
    ['scope-gate', '--no-ansi', 'inert'],
    ['report', '--file-budget', 'inert'],
    ['check', '--provider', 'inert'], // accepted everywhere by the old shared parser
    ['profiles', '--list', 'inert'],
    ['profiles', '--no-ansi', undefined], // profiles had its own parser
    ['wave', '--no-ansi', undefined], // not a command of the bash tool
    ['check', '--bogus', undefined],
  ])('%s %s → %s', (command, flag, kind) => {
    expect(legacyRule(command, flag)?.kind).toBe(kind);
  });

  it('notes name the command, the flag and why, in one line', () => {
    const note = legacyNote('logs', '--compact', legacyRule('logs', '--compact')!);
    expect(note).toMatch(/^logs --compact is deprecated: .+; it has no effect$/);
    expect(legacyNote('feature-key-gate', '--base-branch', { kind: 'alias', to: '--base' })).toBe(
      'feature-key-gate --base-branch is deprecated: it is now --base',
    );
    expect(legacyNote('start', '--require-commit-artifact', legacyRule('start', '--require-commit-artifact')!)).toBe(
      'start --require-commit-artifact is deprecated: it is now --commit require',
    );
  });
});

describe('the bash dx-runner command lines', () => {
  const run = (...args: string[]) => legacyArgv(['node', 'dx-runner', ...args]);
  it.each<[string[], string[], number]>([
    // [arguments, as read, notes]
    [['health', '--json'], ['status', '--json'], 1],
    [['status', '--recent'], ['status', '--recent', '5'], 0],
    [['status', '--recent', '--json'], ['status', '--recent', '5', '--json'], 0],
    [['status', '--recent', '3'], ['status', '--recent', '3'], 0],
    [['health', '--recent'], ['status', '--recent', '5'], 1],
    [['check', '--recent'], ['check', '--recent'], 0],
    [[], [], 0],
  ])('%j → %j', (args, read, notes) => {
    const r = run(...args);
    expect(r.argv.slice(2)).toEqual(read);
    expect(r.notes).toHaveLength(notes);
  });
});

describe('the bash dx-runner variables', () => {
  it.each<[string, NodeJS.ProcessEnv, Array<[string, string]>]>([
    // read by start itself as --commit require
    ['start', { DX_RUNNER_REQUIRE_COMMIT_ARTIFACT: '1' }, []],
    ['start', { DX_RUNNER_DEFAULT_WORKTREE: '/w' }, [['DX_RUNNER_DEFAULT_WORKTREE', 'inert']]],
    ['preflight', { REQUIRE_RAILWAY_AUTH: 'true' }, [['REQUIRE_RAILWAY_AUTH', 'refused']]],
    ['preflight', { REQUIRE_RAILWAY_AUTH: '0' }, []],
  ])('%s with %j', (command, env, expected) => {
    const found = legacyEnv(command, env);
    expect(found.map((e) => [e.variable, e.rule.kind])).toEqual(expected);
    for (const e of found) expect(e.message).toContain(e.variable);
  });

  it('a refusal says how to go on without the variable', () => {
    const [e] = legacyEnv('preflight', { REQUIRE_RAILWAY_AUTH: '1' });
    expect(e.message).toMatch(/unset REQUIRE_RAILWAY_AUTH/);
  });
});
