import { describe, expect, it } from 'vitest';
import { fleetLogText } from '../../../src/fleet/logs.js';

describe('fleetLogText: every run of lines says its host and attempt', () => {
  const line = (host: string, attempt: number, text: string) => ({ host, attempt, line: text });
  it.each([
    ['no lines', [], []],
    [
      'one attempt: one heading',
      [line('h1', 1, '[step] start'), line('h1', 1, '[text] ok')],
      ['== bd-a attempt 1 on h1 ==', '[step] start', '[text] ok'],
    ],
    [
      'a second attempt on another host: a heading where it starts',
      [line('h1', 1, '[text] a'), line('h2', 2, '[text] b'), line('h2', 2, '[stderr] c')],
      ['== bd-a attempt 1 on h1 ==', '[text] a', '== bd-a attempt 2 on h2 ==', '[text] b', '[stderr] c'],
    ],
    [
      'the same host, a new attempt',
      [line('h1', 1, 'x'), line('h1', 2, 'y')],
      ['== bd-a attempt 1 on h1 ==', 'x', '== bd-a attempt 2 on h1 ==', 'y'],
    ],
  ])('%s', (_name, lines, want) => expect(fleetLogText('bd-a', lines)).toEqual(want));

  it.each([
    ['the same attempt as the last line printed: no heading', line('h1', 1, 'x'), ['y']],
    ['another attempt: its heading', line('h1', 0, 'x'), ['== bd-a attempt 1 on h1 ==', 'y']],
  ])('following, %s', (_name, before, want) =>
    expect(fleetLogText('bd-a', [line('h1', 1, 'y')], before)).toEqual(want),
  );
});
