import { sleep } from '../core/time.js';
import type { Evaluated } from '../jobs/evaluate.js';
import { formatElapsed, statusRow } from './index.js';

/** One line of the live view (`status --watch`, `wave status --watch`). */
export interface WatchRow {
  beads: string;
  provider: string;
  state: string;
  elapsed: number;
  bytes: number;
  mutations: number;
  lastEvent: string | null;
}

/** A job's row of the live view (`status --watch`, the demo). */
export const watchRowOf = (e: Evaluated, now: number): WatchRow => ({
  beads: e.job.beads,
  provider: e.job.provider,
  state: e.health.state,
  elapsed: statusRow(e, now).elapsed,
  bytes: e.job.outputBytes,
  mutations: e.job.mutations,
  lastEvent: e.job.lastEvent,
});

const GOOD = new Set(['exited_ok', 'no_op_success', 'landed']);
const BAD = new Set(['exited_err', 'governance_failed', 'blocked', 'failed']);
const WARN = new Set(['stalled', 'no_op', 'slow_start', 'waiting_first_output', 'silent_mutation']);
const QUIET = new Set(['stopped', 'cancelled', 'queued', 'missing']);

/** ANSI colour of a state; the state is always spelled out too, so the view reads the same without colour. */
function paint(state: string, text: string): string {
  const code = GOOD.has(state) ? 32 : BAD.has(state) ? 31 : WARN.has(state) ? 33 : QUIET.has(state) ? 2 : 36;
  return `\x1b[${code}m${text}\x1b[0m`;
}

/** Colour only on a terminal; NO_COLOR (any value) and TERM=dumb turn it off (https://no-color.org). */
export const colorWanted = (env: NodeJS.ProcessEnv, out: NodeJS.WriteStream = process.stdout) =>
  Boolean(out.isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb';

export function renderWatch(title: string, rows: readonly WatchRow[], color: boolean): string {
  const cols = (c: string[]) =>
    [
      c[0].padEnd(16),
      c[1].padEnd(10),
      c[2].padEnd(20),
      c[3].padStart(8),
      c[4].padStart(9),
      c[5].padStart(5),
      ` ${c[6]}`,
    ].join(' ');
  const out = [title, '', cols(['BEAD', 'PROVIDER', 'STATE', 'ELAPSED', 'BYTES', 'MUT', 'LAST EVENT'])];
  for (const r of rows) {
    const state = r.state.padEnd(20);
    const line = cols([
      r.beads,
      r.provider,
      '\0',
      formatElapsed(r.elapsed),
      String(r.bytes),
      String(r.mutations),
      r.lastEvent ?? '-',
    ]);
    out.push(line.replace('\0'.padEnd(20), color ? paint(r.state, state) : state));
  }
  if (!rows.length) out.push('(nothing to show yet)');
  return out.join('\n');
}

const ENTER = '\x1b[?1049h\x1b[?25l'; // alternate screen, cursor hidden
const LEAVE = '\x1b[?25h\x1b[?1049l';

/**
 * Redraws `frame()` in place every `intervalMs` on the alternate screen until it says done or the
 * user interrupts; the terminal gets its screen back either way, and the last frame is printed on it.
 * Not a terminal: one plain print, no escape codes.
 */
export async function runWatch(
  frame: () => { text: string; done: boolean },
  intervalMs = 1000,
  out: NodeJS.WriteStream = process.stdout,
): Promise<void> {
  if (!out.isTTY) {
    out.write(`${frame().text}\n`);
    return;
  }
  let stopping = false;
  const stop = () => (stopping = true);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
  out.write(ENTER);
  let last = '';
  try {
    for (;;) {
      const f = frame();
      last = f.text;
      // home, each line cleared to its end, then the rest of the screen: no flicker, no leftovers
      out.write(
        `\x1b[H${f.text
          .split('\n')
          .map((l) => `${l}\x1b[K`)
          .join('\n')}\n\x1b[J`,
      );
      if (f.done || stopping) break;
      for (let waited = 0; waited < intervalMs && !stopping; waited += 100) await sleep(100);
    }
  } finally {
    out.write(LEAVE);
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    process.removeListener('SIGHUP', stop);
  }
  out.write(`${last}\n`);
}
