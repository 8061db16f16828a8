import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exitCodeFor } from '../../../src/cli/exit.js';
import { DxError } from '../../../src/core/errors.js';
import { readManifest } from '../../../src/wave/manifest.js';

describe('manifest errors name the line and the field', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-manifest-'));
  const errorOf = (yaml: string) => {
    const file = path.join(dir, `m${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(file, yaml);
    try {
      readManifest(file);
      return null;
    } catch (e) {
      expect(e).toBeInstanceOf(DxError);
      const err = e as DxError;
      expect(exitCodeFor(err)).toBe(2);
      return `${err.reasonCode} ${err.message.slice(file.length)}`;
    }
  };
  it.each([
    ['items:\n  - beads: bd-a\n    prompt: hi\n', null],
    [
      'items:\n  - beads: bd-a\n    prompt: hi\n    prompt_file: p.md\n',
      /^manifest_invalid :3: items\.0\.prompt: give exactly one of prompt or prompt_file/,
    ],
    ['items:\n  - beads: bd-a\n', /^manifest_invalid :2: items\.0\.prompt: give exactly one/],
    ['items:\n  - beads: bd-a\n    prompt: hi\n  - prompt: x\n', /^manifest_invalid :4: items\.1\.beads: /],
    ['items:\n  - beads: bd-a\n    prompt: hi\n    lane: sideways\n', /^manifest_invalid :4: items\.0\.lane: /],
    ['items:\n  - beads: bd-a\n    prompt: hi\n    gates: [vibes]\n', /^manifest_invalid :4: items\.0\.gates\.0: /],
    ['critical: maybe\nitems:\n  - beads: bd-a\n    prompt: hi\n', /^manifest_invalid :1: critical: /],
    ['provider: opencode\nitems: []\n', /^manifest_invalid :2: items: /],
    ['itemz:\n  - beads: bd-a\n', /^manifest_invalid :1: items: /], // the missing key is named first, at the top
    // a YAML error names the line where the parser noticed it
    ['items:\n  - beads: "bd-a\n', /^manifest_invalid :3: not valid YAML \(Missing closing "quote\)/],
  ])('%j', (yaml, expected) => {
    const got = errorOf(yaml);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toMatch(expected);
  });
});
