import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { endLine, Progress, quietWanted } from '../../../src/core/progress.js';

/** A stream that keeps what was written; `isTTY` as a terminal or a pipe would say. */
const fakeOut = (isTTY: boolean) => {
  const writes: string[] = [];
  return { isTTY, writes, write: (s: string) => writes.push(s), text: () => writes.join('') };
};

/** A step that takes `ms` of the fake clock, then returns `value` (or throws). */
const after = <T>(ms: number, value: T, fail = false) =>
  new Promise<T>((resolve, reject) => setTimeout(() => (fail ? reject(new Error('boom')) : resolve(value)), ms));

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the lines', () => {
  it.each([
    [24_800, false, 'dx-runner: listing opencode models… done in 24.8 s'],
    [24_800, true, 'dx-runner: listing opencode models… failed after 24.8 s'],
    [90_000, false, 'dx-runner: listing opencode models… done in 1 min 30 s'],
  ])('%s ms, failed=%s ends with %s', (ms, failed, line) => {
    expect(endLine('listing opencode models', ms, failed)).toBe(line);
  });

  it.each([
    [undefined, false],
    ['', false],
    ['0', false],
    ['1', true],
    ['yes', true],
  ])('DX_RUNNER_QUIET=%s quiet=%s', (value, quiet) => {
    expect(quietWanted(value === undefined ? {} : { DX_RUNNER_QUIET: value })).toBe(quiet);
  });
});

describe('a step, not on a terminal', () => {
  it('that ends within a second prints nothing', async () => {
    const out = fakeOut(false);
    const run = new Progress(out, {}).step('creating worktree /w', () => after(900, 'made'));
    await vi.advanceTimersByTimeAsync(900);
    expect(await run).toBe('made');
    expect(out.writes).toEqual([]);
  });

  it('that runs longer prints a line after a second and one with its time when it ends', async () => {
    const out = fakeOut(false);
    const run = new Progress(out, {}).step('creating worktree /w', () => after(2500, 'made'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(out.writes).toEqual(['dx-runner: creating worktree /w…\n']);
    await vi.advanceTimersByTimeAsync(1500);
    expect(await run).toBe('made');
    expect(out.writes).toEqual([
      'dx-runner: creating worktree /w…\n',
      'dx-runner: creating worktree /w… done in 2.5 s\n',
    ]);
  });

  it('known to be long says so at once', async () => {
    const out = fakeOut(false);
    const run = new Progress(out, {}).step('listing opencode models', () => after(300, ['m']), { afterMs: 0 });
    expect(out.writes).toEqual(['dx-runner: listing opencode models…\n']);
    await vi.advanceTimersByTimeAsync(300);
    await run;
    expect(out.writes[1]).toBe('dx-runner: listing opencode models… done in 300 ms\n');
  });

  it('that fails says so, and the error goes on', async () => {
    const out = fakeOut(false);
    const run = new Progress(out, {}).step('starting opencode serve', () => after(1200, null, true));
    const settled = run.catch((e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(1200);
    expect(await settled).toBe('boom');
    expect(out.writes.at(-1)).toBe('dx-runner: starting opencode serve… failed after 1.2 s\n');
  });

  it('DX_RUNNER_QUIET=1 silences it', async () => {
    const out = fakeOut(false);
    const run = new Progress(out, { DX_RUNNER_QUIET: '1' }).step('x', () => after(5000, 1), { afterMs: 0 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(await run).toBe(1);
    expect(out.writes).toEqual([]);
  });
});

describe('a step on a terminal', () => {
  it('ticks its elapsed seconds on one line and ends it with its time', async () => {
    const out = fakeOut(true);
    const run = new Progress(out, {}).step('probing opencode', () => after(3400, true));
    await vi.advanceTimersByTimeAsync(3400);
    await run;
    expect(out.text()).toBe(
      '\r\x1b[2Kdx-runner: probing opencode… 1 s' +
        '\r\x1b[2Kdx-runner: probing opencode… 2 s' +
        '\r\x1b[2Kdx-runner: probing opencode… 3 s' +
        '\r\x1b[2Kdx-runner: probing opencode… done in 3.4 s\n',
    );
  });

  it('TERM=dumb gets plain lines', async () => {
    const out = fakeOut(true);
    const run = new Progress(out, { TERM: 'dumb' }).step('probing opencode', () => after(1500, true));
    await vi.advanceTimersByTimeAsync(1500);
    await run;
    expect(out.text()).toBe('dx-runner: probing opencode…\ndx-runner: probing opencode… done in 1.5 s\n');
  });

  it('a second step showing up closes the first one’s line; each ends on a line of its own', async () => {
    const out = fakeOut(true);
    const progress = new Progress(out, {});
    const first = progress.step('a', () => after(4000, 1), { afterMs: 0 });
    await vi.advanceTimersByTimeAsync(500);
    const second = progress.step('b', () => after(2300, 2), { afterMs: 0 });
    await vi.advanceTimersByTimeAsync(3500);
    await Promise.all([first, second]);
    expect(out.text()).toBe(
      '\r\x1b[2Kdx-runner: a… 0 s\n' +
        '\r\x1b[2Kdx-runner: b… 0 s' +
        '\r\x1b[2Kdx-runner: b… 1 s' +
        '\r\x1b[2Kdx-runner: b… 2 s' +
        '\r\x1b[2Kdx-runner: b… done in 2.3 s\n' +
        'dx-runner: a… done in 4 s\n',
    );
  });
});
