import { describe, expect, it } from 'vitest';
import { outputFormat } from '../../../src/cli/output.js';

describe('the one output rule: human by default, --json for scripts', () => {
  it.each<[string, { json?: boolean; format?: string }, boolean, boolean, 'json' | 'human']>([
    ['status on a terminal', {}, false, true, 'human'],
    ['status in a pipe: still human (the older tool printed text)', {}, false, false, 'human'],
    ['status --json', { json: true }, false, true, 'json'],
    ['report on a terminal', {}, true, true, 'human'],
    ['report in a pipe: JSON, as scripts of the older tool read it', {}, true, false, 'json'],
    ['report --format markdown in a pipe', { format: 'markdown' }, true, false, 'human'],
    ['report --format json on a terminal', { format: 'json' }, true, true, 'json'],
    ['report --json --format markdown: --json wins', { json: true, format: 'markdown' }, true, true, 'json'],
    ['bench collect --json on a terminal', { json: true }, true, true, 'json'],
  ])('%s', (_name, flags, jsonWhenPiped, isTTY, want) => {
    expect(outputFormat(flags, jsonWhenPiped, isTTY)).toBe(want);
  });
});
