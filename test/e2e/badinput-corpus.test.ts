import { beforeAll, describe, expect, it } from 'vitest';
import { makeFixtures, runRow, type Fixtures } from '../../src/faults/badInput.js';
import { BAD_INPUTS } from '../../src/faults/corpus.js';
import { CLI, tmpDir } from '../helpers.js';

/**
 * The bad-input corpus (src/faults/corpus.ts), each row run by the built CLI in a fresh home: the documented
 * exit code, one stderr line with the reason code (and the code in --json output), no stack trace, no record.
 */
describe('the bad-input corpus', () => {
  let fx: Fixtures;
  beforeAll(() => {
    fx = makeFixtures(tmpDir('faults'));
  });

  it('holds every listed input and more', () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(BAD_INPUTS.map((r) => r.name)).size).toBe(BAD_INPUTS.length);
  });

  it.each(BAD_INPUTS.map((r) => [r.name, r] as const))('%s → refused clearly, nothing recorded', async (_n, row) => {
    const out = await runRow(row, fx, CLI, process.env);
    expect({ judgement: out.judgement, why: out.why }, `${out.stderr}\n${out.stdout}`).toEqual({
      judgement: 'clear',
      why: '',
    });
  });
});
