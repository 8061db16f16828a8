import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runVerify } from '../../../src/delivery/verify.js';
import { sleep } from '../../../src/core/time.js';

describe('the verify command', () => {
  const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dx-verify-'));

  it('passes or fails by its exit code, its output in verify.log', () => {
    const d = dir();
    expect(runVerify('echo checked; exit 3', d, d, 30)).toEqual({
      status: 'failed',
      log: path.join(d, 'verify.log'),
      exit_code: 3,
      timed_out: false,
    });
    expect(fs.readFileSync(path.join(d, 'verify.log'), 'utf8')).toBe('checked\n');
    expect(runVerify('true', d, d, 30)).toMatchObject({ status: 'passed', exit_code: 0 });
  });

  it('past its timeout, every process it started is ended, not only its shell', async () => {
    const d = dir();
    // a child in the background that would write after the timeout
    const r = runVerify('(sleep 3; echo late > late.txt) & sleep 30', d, d, 1);
    expect(r).toMatchObject({ status: 'failed', timed_out: true });
    expect(fs.readFileSync(path.join(d, 'verify.log'), 'utf8')).toMatch(/ran past 1 s and was killed/);
    await sleep(4000);
    expect(fs.existsSync(path.join(d, 'late.txt'))).toBe(false);
  });
});
