import { formatDuration } from './duration.js';

/**
 * What a long step is doing, on stderr (stdout carries the result, so `--json` stays pure JSON): a line when
 * it starts and one with its elapsed time when it ends. A step shows up only once it has run `afterMs` (1 s by
 * default), so fast commands stay silent; a step known to be long (`afterMs: 0`) says so at once. On a terminal
 * the open line ticks its elapsed seconds in place; otherwise (and with TERM=dumb) plain lines. `--quiet` (which sets
 * DX_RUNNER_QUIET=1) silences it.
 */

/** Where progress goes: stderr, or a test's fake stream. */
export interface ProgressOut {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface StepOptions {
  /** how long the step runs before it shows up, in ms (0: at once) */
  afterMs?: number;
}

export const quietWanted = (env: NodeJS.ProcessEnv) => Boolean(env.DX_RUNNER_QUIET && env.DX_RUNNER_QUIET !== '0');

export const startLine = (label: string) => `dx-runner: ${label}…`;

export const endLine = (label: string, ms: number, failed: boolean) =>
  `${startLine(label)} ${failed ? 'failed after' : 'done in'} ${formatDuration(ms)}`;

const CLEAR = '\r\x1b[2K'; // back to the line's start, the line erased

export class Progress {
  /** the step whose line is open on the terminal (ticking); another step showing up closes it */
  private open: object | null = null;

  constructor(
    private readonly out: ProgressOut = process.stderr,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Runs `fn` (asynchronous: a synchronous one would block the timer that shows the step) as one step. */
  async step<T>(label: string, fn: () => Promise<T>, o: StepOptions = {}): Promise<T> {
    if (quietWanted(this.env)) return fn();
    const me = {};
    const t0 = Date.now();
    let shown = false;
    let ticker: NodeJS.Timeout | undefined;
    const draw = () => {
      if (this.open === me) this.out.write(`${CLEAR}${startLine(label)} ${Math.floor((Date.now() - t0) / 1000)} s`);
    };
    const show = () => {
      shown = true;
      this.closeOpen();
      if (this.out.isTTY && this.env.TERM !== 'dumb') {
        this.open = me;
        draw();
        ticker = setInterval(draw, 1000).unref();
      } else this.out.write(`${startLine(label)}\n`);
    };
    const timer = o.afterMs === 0 ? show() : setTimeout(show, o.afterMs ?? 1000).unref();
    let failed = true;
    try {
      const result = await fn();
      failed = false;
      return result;
    } finally {
      if (timer) clearTimeout(timer);
      if (ticker) clearInterval(ticker);
      if (shown) {
        const line = endLine(label, Date.now() - t0, failed);
        if (this.open === me) {
          this.open = null;
          this.out.write(`${CLEAR}${line}\n`);
        } else this.out.write(`${line}\n`);
      }
    }
  }

  /** Ends the ticking line of another step, which then finishes on a line of its own. */
  private closeOpen(): void {
    if (this.open === null) return;
    this.open = null;
    this.out.write('\n');
  }
}

/** The process's progress, on stderr. */
const progress = new Progress();
export const step = <T>(label: string, fn: () => Promise<T>, o?: StepOptions) => progress.step(label, fn, o);
