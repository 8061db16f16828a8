import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineTail } from '../../../src/core/tail.js';
import { tmpDir } from '../../helpers.js';

describe('following a file another process appends to', () => {
  const file = () => path.join(tmpDir('tail'), 'out.log');

  it('hands back each complete line once; a line without its newline waits for the rest', () => {
    const f = file();
    const tail = new LineTail(f);
    expect(tail.read()).toEqual([]); // not written yet
    fs.writeFileSync(f, 'one\ntw');
    expect(tail.read()).toEqual(['one']);
    expect(tail.partial).toBe('tw');
    expect(tail.read()).toEqual([]);
    fs.appendFileSync(f, 'o\nthree\n');
    expect(tail.read()).toEqual(['two', 'three']);
    expect(tail.partial).toBe('');
  });

  it('from the end: what the file held when the tail started is not read again', () => {
    const f = file();
    fs.writeFileSync(f, 'shown already\n');
    const tail = new LineTail(f, 'end');
    expect(tail.read()).toEqual([]);
    fs.appendFileSync(f, 'new\n');
    expect(tail.read()).toEqual(['new']);
  });

  it('from the end of a file that does not exist yet: everything written later', () => {
    const f = file();
    const tail = new LineTail(f, 'end');
    fs.writeFileSync(f, 'first\n');
    expect(tail.read()).toEqual(['first']);
  });
});
