import { describe, expect, it } from 'vitest';
import { jobTable, renderTable, type Column, type JobRow } from '../../../src/report/table.js';

const COLS: Column[] = [{ header: 'BEAD' }, { header: 'N', right: true }, { header: 'NOTE' }];

describe('renderTable: rows → lines, each column as wide as its data', () => {
  it.each<[string, string[][], string[]]>([
    ['no rows: the header alone', [], ['BEAD  N  NOTE']],
    ['short cells: the headers set the widths', [['a', '1', 'x']], ['BEAD  N  NOTE', 'a     1  x']],
    [
      'a long id widens its column, the others stay in line',
      [
        ['bd-xga8.14.2.very-long', '7', 'first'],
        ['bd-1', '12', 'second'],
      ],
      ['BEAD                     N  NOTE', 'bd-xga8.14.2.very-long   7  first', 'bd-1                    12  second'],
    ],
    [
      'the last column is free text: not padded, no trailing blanks',
      [
        ['a', '1', ''],
        ['b', '2', 'a longer note than the header'],
      ],
      ['BEAD  N  NOTE', 'a     1', 'b     2  a longer note than the header'],
    ],
  ])('%s', (_name, rows, lines) => {
    expect(renderTable(COLS, rows)).toEqual(lines);
  });

  it('style wraps a padded cell: colour codes never shift a column', () => {
    const lines = renderTable(COLS, [['a', '1', 'x']], (cell, row, col) => (col === 0 ? `<${row}>${cell}</>` : cell));
    expect(lines).toEqual(['BEAD  N  NOTE', '<0>a   </>  1  x']);
  });
});

describe('jobTable: the columns of status and of the live views', () => {
  const row = (over: Partial<JobRow>): JobRow => ({
    beads: 'bd-1',
    provider: 'opencode',
    state: 'healthy',
    elapsed: 75,
    bytes: 1234,
    mutations: 2,
    lastEvent: 'tool:write',
    ...over,
  });

  it.each<[string, JobRow[], string[]]>([
    [
      'one running job',
      [row({})],
      [
        'BEAD  PROVIDER  STATE       ELAPSED  BYTES  MUT  LAST EVENT',
        'bd-1  opencode  healthy  1 min 15 s   1234    2  tool:write',
      ],
    ],
    [
      'no event yet, a long state and id',
      [row({ beads: 'bd-xga8.14.20', state: 'waiting_first_output', elapsed: 3, bytes: 0, lastEvent: null })],
      [
        'BEAD           PROVIDER  STATE                 ELAPSED  BYTES  MUT  LAST EVENT',
        'bd-xga8.14.20  opencode  waiting_first_output      3 s      0    2  -',
      ],
    ],
  ])('%s', (_name, rows, lines) => {
    expect(jobTable(rows)).toEqual(lines);
  });

  it('paint colours the state cell only, with the state it shows', () => {
    const seen: string[] = [];
    const lines = jobTable([row({ state: 'stalled' })], (state, cell) => (seen.push(state), `*${cell}*`));
    expect(seen).toEqual(['stalled']);
    expect(lines[1]).toBe('bd-1  opencode  *stalled*  1 min 15 s   1234    2  tool:write');
  });
});
