import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { exitCodeFor } from '../../../src/cli/exit.js';
import { DxError } from '../../../src/core/errors.js';
import {
  dueRecords,
  manifestFromReady,
  MAX_RECORD_FAILURES,
  parseReady,
  promptOf,
  type Recorded,
  type TrackedItem,
} from '../../../src/wave/beads.js';
import type { ItemState } from '../../../src/wave/decide.js';

// `bd ready --json` as bd prints it: an array of issues with their dependency counts
const READY = fs.readFileSync(new URL('../../fixtures/bd-ready.json', import.meta.url), 'utf8');

const reasonOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof DxError ? [e.reasonCode, exitCodeFor(e), e.message] : e;
  }
  return 'no error';
};

describe('reading bd ready --json', () => {
  it('takes every issue with its texts, ignoring the keys a prompt does not need', () => {
    const issues = parseReady(READY);
    expect(issues.map((i) => i.id)).toEqual(['bd-a1b2', 'bd-a1b2.3']);
    expect(issues[1]).toEqual({
      id: 'bd-a1b2.3',
      title: 'Fix the typo in README.md',
      description: '',
      design: 'One-word change in the install section.',
      notes: 'Found while reviewing bd-a1b2.',
    });
  });

  it('an empty list is no issue', () => {
    expect(parseReady('[]\n')).toEqual([]);
  });

  it.each([
    ['not JSON', 'Error: no beads database found', /did not print JSON \(Error: no beads database found\)/],
    ['nothing at all', '', /did not print JSON \(nothing\)/],
    ['an object, not an array', '{"id":"bd-1"}', /\(top level\): .*array/],
    ['an issue without a title', '[{"id":"bd-1"}]', /0\.title: /],
    ['an issue without an id', '[{"title":"x"}]', /0\.id: /],
  ])('%s → beads_output_invalid, exit 1', (_name, stdout, message) => {
    const [code, exit, text] = reasonOf(() => parseReady(stdout)) as [string, number, string];
    expect([code, exit]).toEqual(['beads_output_invalid', 1]);
    expect(text).toMatch(message);
  });
});

describe('the prompt an issue becomes', () => {
  it.each([
    [
      'title, description and acceptance criteria',
      { id: 'bd-1', title: 'Add a flag', description: 'Print more.\n', acceptance_criteria: '- prints' },
      '# bd-1: Add a flag\n\nPrint more.\n\n## Acceptance criteria\n\n- prints\n',
    ],
    [
      'empty and missing texts leave no heading',
      { id: 'bd-2', title: 'Fix a typo', description: '  ', design: null, notes: 'see README' },
      '# bd-2: Fix a typo\n\n## Notes\n\nsee README\n',
    ],
    ['a title alone', { id: 'bd-3', title: 'Tidy up' }, '# bd-3: Tidy up\n'],
    [
      'every section, in order',
      { id: 'bd-4', title: 'T', description: 'D', design: 'G', acceptance_criteria: 'A', notes: 'N' },
      '# bd-4: T\n\nD\n\n## Design\n\nG\n\n## Acceptance criteria\n\nA\n\n## Notes\n\nN\n',
    ],
  ])('%s', (_name, issue, prompt) => {
    expect(promptOf(issue)).toBe(prompt);
  });
});

describe('the ready issues as a wave', () => {
  it('one item per issue, its prompt inline, the worktree root and repo passed on', () => {
    const m = manifestFromReady(parseReady(READY), { repo: '/src/app', base: 'main', worktreeRoot: '/wts' });
    expect(m).toMatchObject({ repo: '/src/app', base: 'main', worktree_root: '/wts' });
    expect(m.items.map((i) => [i.beads, i.prompt?.split('\n')[0]])).toEqual([
      ['bd-a1b2', '# bd-a1b2: Add a --verbose flag to the exporter'],
      ['bd-a1b2.3', '# bd-a1b2.3: Fix the typo in README.md'],
    ]);
  });

  it('no ready issue → beads_none_ready, exit 1', () => {
    expect(reasonOf(() => manifestFromReady([], {}))).toEqual([
      'beads_none_ready',
      1,
      expect.stringMatching(/bd ready lists no issue/),
    ]);
  });
});

describe('what is recorded on the issues, and when', () => {
  const item = (state: ItemState, attempts: number, over: Partial<TrackedItem> = {}): TrackedItem => ({
    beads: 'bd-1',
    state,
    provider: 'opencode',
    attempts,
    fallbackReason: null,
    reasonCode: null,
    spec: { worktree: '/wts/bd-1' },
    ...over,
  });
  const rec = (dispatched: number, outcome: ItemState | null = null, failures = 0): Record<string, Recorded> => ({
    'bd-1': { dispatched, outcome, failures },
  });
  const dispatch = (attempt: number, provider: string, via = '') => ({
    beads: 'bd-1',
    commands: [
      ['update', 'bd-1', '--status', 'in_progress'],
      [
        'comments',
        'add',
        'bd-1',
        `dx-runner wave 7: attempt ${attempt} dispatched to ${provider}${via} in worktree /wts/bd-1`,
      ],
    ],
    done: { dispatched: attempt },
  });
  const outcome = (state: ItemState, status: string, text: string) => ({
    beads: 'bd-1',
    commands: [
      ['update', 'bd-1', '--status', status],
      ['comments', 'add', 'bd-1', `dx-runner wave 7: ${text}`],
    ],
    done: { outcome: state },
  });

  it.each<[string, TrackedItem, Record<string, Recorded>, unknown[]]>([
    ['queued, never launched: nothing', item('queued', 0), {}, []],
    ['the first attempt runs: in_progress and a comment', item('running', 1), {}, [dispatch(1, 'opencode')]],
    ['its dispatch already recorded: nothing', item('running', 1), rec(1), []],
    [
      'queued again for the fallback: nothing until it runs there',
      item('queued', 1, { provider: 'cc-glm', fallbackReason: 'opencode:model_unavailable' }),
      rec(1),
      [],
    ],
    [
      'the fallback attempt runs: its provider and why',
      item('running', 2, { provider: 'cc-glm', fallbackReason: 'opencode_auth_failed' }),
      rec(1),
      [dispatch(2, 'cc-glm', ' (fallback: opencode_auth_failed)')],
    ],
    [
      'landed: stays in_progress, the comment says where the work is',
      item('landed', 1, { reasonCode: 'process_exit_with_rc' }),
      rec(1),
      [
        outcome(
          'landed',
          'in_progress',
          'landed on opencode after 1 attempt; the work is in /wts/bd-1: review it and close the issue',
        ),
      ],
    ],
    [
      'failed: open again, with the reason',
      item('failed', 2, { provider: 'cc-glm', reasonCode: 'cc-glm_auth_failed' }),
      rec(2),
      [
        outcome(
          'failed',
          'open',
          'failed on cc-glm after 2 attempts (cc-glm_auth_failed); details: dx-runner wave report --wave 7',
        ),
      ],
    ],
    [
      'stopped by wave stop: open again',
      item('stopped', 1, { reasonCode: 'wave_stopped' }),
      rec(1),
      [
        outcome(
          'stopped',
          'open',
          'stopped on opencode after 1 attempt (wave_stopped); details: dx-runner wave report --wave 7',
        ),
      ],
    ],
    ['cancelled before it ever launched: the issue is left as it was', item('cancelled', 0), {}, []],
    ['its outcome already recorded: nothing', item('landed', 1), rec(1, 'landed'), []],
    [
      'ended before its dispatch was seen: the outcome alone',
      item('failed', 1, { reasonCode: 'x' }),
      {},
      [outcome('failed', 'open', 'failed on opencode after 1 attempt (x); details: dx-runner wave report --wave 7')],
    ],
    [
      `after ${MAX_RECORD_FAILURES} failed bd calls the issue is left alone`,
      item('running', 1),
      rec(0, null, MAX_RECORD_FAILURES),
      [],
    ],
    [
      'fewer failures: tried again',
      item('running', 1),
      rec(0, null, MAX_RECORD_FAILURES - 1),
      [dispatch(1, 'opencode')],
    ],
  ])('%s', (_name, it_, recorded, expected) => {
    expect(dueRecords(7, [it_], recorded)).toEqual(expected);
  });

  it('each item of the wave is recorded on its own issue', () => {
    const items = [
      item('running', 1),
      item('running', 1, { beads: 'bd-2', spec: { worktree: '/wts/bd-2' } }),
      item('queued', 0, { beads: 'bd-3' }),
    ];
    expect(dueRecords(7, items, rec(1)).map((a) => [a.beads, a.commands[0]])).toEqual([
      ['bd-2', ['update', 'bd-2', '--status', 'in_progress']],
    ]);
  });
});
