import { sleep } from '../core/time.js';
import { jobTable, type JobRow } from './table.js';

const GOOD = new Set(['exited_ok', 'no_op_success', 'landed', 'ready']);
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

/** A frame of the live view: its title, then the job table `status` prints too. */
export function renderWatch(title: string, rows: readonly JobRow[], color: boolean): string {
  const table = jobTable(rows, color ? paint : undefined);
  return [title, '', ...table, ...(rows.length ? [] : ['(nothing to show yet)'])].join('\n');
}

const ENTER = '\x1b[?1049h\x1b[?25l'; // alternate screen, cursor hidden
const LEAVE = '\x1b[?25h\x1b[?1049l';

/** Pure: the lines of a frame that the previous one did not hold, in order (what a pipe is told of a change). */
export function changedLines(previous: readonly string[], next: readonly string[]): string[] {
  const seen = new Set(previous);
  return next.filter((l) => !seen.has(l));
}

type Frame = { text: string; done: boolean };

/**
 * Redraws `frame()` in place every `intervalMs` on the alternate screen until it says done or the
 * user interrupts; the terminal gets its screen back either way, and the last frame is printed on it.
 * Not a terminal: one plain print, no escape codes; with `pipe: 'changes'`, the frame's lines once, then each
 * line that changed as it changes, until done or interrupted.
 */
export async function runWatch(
  frame: () => Frame | Promise<Frame>,
  intervalMs = 1000,
  out: NodeJS.WriteStream = process.stdout,
  pipe: 'once' | 'changes' = 'once',
): Promise<void> {
  if (!out.isTTY && pipe === 'once') {
    out.write(`${(await frame()).text}\n`);
    return;
  }
  let stopping = false;
  const stop = () => (stopping = true);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
  const draw = out.isTTY;
  if (draw) out.write(ENTER);
  let last = '';
  try {
    for (;;) {
      const f = await frame();
      if (draw)
        // home, each line cleared to its end, then the rest of the screen: no flicker, no leftovers
        out.write(
          `\x1b[H${f.text
            .split('\n')
            .map((l) => `${l}\x1b[K`)
            .join('\n')}\n\x1b[J`,
        );
      else for (const l of changedLines(last.split('\n'), f.text.split('\n'))) out.write(`${l}\n`);
      last = f.text;
      if (f.done || stopping) break;
      for (let waited = 0; waited < intervalMs && !stopping; waited += 100) await sleep(100);
    }
  } finally {
    if (draw) out.write(LEAVE);
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    process.removeListener('SIGHUP', stop);
  }
  if (draw) out.write(`${last}\n`);
}
