import fs from 'node:fs';

/**
 * Follows a file another process appends to: each `read` returns the complete lines written since the last
 * one. A line still missing its newline waits in `partial` for the rest; a file that does not exist yet
 * reads as empty.
 */
export class LineTail {
  private offset: number;
  private rest = '';

  /** `from: 'end'` skips what the file holds now, for a reader that has shown it already. */
  constructor(
    private readonly path: string,
    from: 'start' | 'end' = 'start',
  ) {
    this.offset = from === 'end' ? sizeOf(path) : 0;
  }

  read(): string[] {
    let fd: number;
    try {
      fd = fs.openSync(this.path, 'r');
    } catch {
      return [];
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      fs.readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const lines = (this.rest + buf.toString('utf8')).split('\n');
      this.rest = lines.pop() ?? '';
      return lines;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The last line read so far that has no newline yet (all a reader has left once the writer is gone). */
  get partial(): string {
    return this.rest;
  }
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
