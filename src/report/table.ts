import { formatDuration } from '../core/duration.js';

/** One column of a plain-text table: its header (upper case in every table) and which side it is flush to. */
export interface Column {
  header: string;
  right?: boolean;
}

/**
 * Rows of cells → lines. Each column is as wide as its widest cell or header (a long bead id widens its
 * column instead of pushing the others out of line), two spaces apart; the last column is not padded.
 * `style` wraps a cell already padded (colour), so escape codes never shift a column.
 */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  style: (cell: string, row: number, col: number) => string = (cell) => cell,
): string[] {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => r[i].length)));
  const pad = (cell: string, i: number) =>
    columns[i].right ? cell.padStart(widths[i]) : i === columns.length - 1 ? cell : cell.padEnd(widths[i]);
  const line = (cells: readonly string[], paint: (cell: string, col: number) => string) =>
    cells
      .map((cell, i) => paint(pad(cell, i), i))
      .join('  ')
      .trimEnd();
  return [
    line(
      columns.map((c) => c.header),
      (cell) => cell,
    ),
    ...rows.map((r, n) => line(r, (cell, i) => style(cell, n, i))),
  ];
}

/** Whole seconds as the terminal views print them (`1 min 53 s`): the one duration format of dx-runner. */
export const formatElapsed = (sec: number): string => formatDuration(sec * 1000);

/** A job as `status` and the live views (`status --watch`, `wave status --watch`) show it: one row. */
export interface JobRow {
  beads: string;
  provider: string;
  state: string;
  elapsed: number;
  bytes: number;
  mutations: number;
  lastEvent: string | null;
}

/** The columns of `status` and of the live views: one set, one header case. */
export const JOB_COLUMNS: readonly Column[] = [
  { header: 'BEAD' },
  { header: 'PROVIDER' },
  { header: 'STATE' },
  { header: 'ELAPSED', right: true },
  { header: 'BYTES', right: true },
  { header: 'MUT', right: true },
  { header: 'LAST EVENT' },
];

const STATE_COLUMN = JOB_COLUMNS.findIndex((c) => c.header === 'STATE');

/** The job table; `paint` colours a row's state cell (the state is always spelled out too). */
export function jobTable(rows: readonly JobRow[], paint?: (state: string, cell: string) => string): string[] {
  const cells = rows.map((r) => [
    r.beads,
    r.provider,
    r.state,
    formatElapsed(r.elapsed),
    String(r.bytes),
    String(r.mutations),
    r.lastEvent ?? '-',
  ]);
  return renderTable(JOB_COLUMNS, cells, (cell, row, col) =>
    paint && col === STATE_COLUMN ? paint(rows[row].state, cell) : cell,
  );
}
