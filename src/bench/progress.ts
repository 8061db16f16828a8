/**
 * Progress on stderr (stdout carries the JSON result): on a terminal, a live bar per workflow
 * (done/failed/running, elapsed, ETA) redrawn in place; otherwise one plain line per finished job.
 */
export class Progress {
  private readonly t0 = Date.now();
  private readonly rows: Map<string, { done: number; failed: number; running: number }>;
  private readonly tty = !!process.stderr.isTTY;
  private drawn = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    workflows: string[],
    private readonly perWorkflow: number,
  ) {
    this.rows = new Map(workflows.map((w) => [w, { done: 0, failed: 0, running: 0 }]));
  }

  started(wf: string): void {
    // drawn from the first job on: until then the terminal is the server start's (its own progress line)
    if (this.tty && !this.timer) this.timer = setInterval(() => this.draw(), 500).unref();
    (this.rows.get(wf) as { running: number }).running++;
    this.draw();
  }

  finished(wf: string, ok: boolean, line: string): void {
    const r = this.rows.get(wf) as { done: number; failed: number; running: number };
    r.running--;
    r.done++;
    if (!ok) r.failed++;
    if (this.tty) this.draw();
    else process.stderr.write(`[bench ${this.elapsed()}] ${line}\n`);
  }

  end(): void {
    if (this.timer) clearInterval(this.timer);
    this.draw();
  }

  private elapsed = () => `${Math.round((Date.now() - this.t0) / 1000)}s`;

  private draw(): void {
    if (!this.tty) return;
    const total = this.rows.size * this.perWorkflow;
    const done = [...this.rows.values()].reduce((a, r) => a + r.done, 0);
    const secs = (Date.now() - this.t0) / 1000;
    const eta = done ? `${Math.round((secs / done) * (total - done))}s` : '?';
    const width = 24;
    const lines = [...this.rows].map(([wf, r]) => {
      const fill = Math.round((r.done / this.perWorkflow) * width);
      const bar = `${'#'.repeat(fill)}${'.'.repeat(width - fill)}`;
      return `${wf.padEnd(28)} [${bar}] done ${r.done}/${this.perWorkflow} failed ${r.failed} running ${r.running}`;
    });
    lines.push(`elapsed ${this.elapsed()}  eta ${eta}  (${done}/${total})`);
    // move up over the previous frame, then redraw it line by line
    process.stderr.write(`${this.drawn ? `\x1b[${this.drawn}A` : ''}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
    this.drawn = lines.length;
  }
}
