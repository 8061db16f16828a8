import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bwrapWorks, PROBE_FRESH_MS, probeStands, type BwrapProbe } from '../../../src/jobs/sandboxProbe.js';

const BIN = '/usr/bin/bwrap:100:1';
const NOW = 1_000_000_000;

describe('probeStands: a remembered bwrap probe spares a start its probe', () => {
  it.each<[string, BwrapProbe | null, boolean]>([
    ['nothing remembered', null, false],
    ['a success a minute ago, same binary', { binary: BIN, at: NOW - 60_000 }, true],
    ['a success past its time', { binary: BIN, at: NOW - PROBE_FRESH_MS }, false],
    ['another binary (upgraded, or another on PATH)', { binary: '/usr/bin/bwrap:101:2', at: NOW - 1000 }, false],
    ['a time in the future (clock moved back)', { binary: BIN, at: NOW + 60_000 }, false],
  ])('%s', (_what, cached, stands) => {
    expect(probeStands(cached, BIN, NOW)).toBe(stands);
  });
});

describe('bwrapWorks on this host', () => {
  const home = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dx-probe-'));
  const file = (h: string) => path.join(h, 'cache', 'bwrap-probe.json');

  it('probes the real bwrap once and remembers the success, private to the user', () => {
    const h = home();
    expect(bwrapWorks(process.env, h)).toBe(true);
    const kept = JSON.parse(fs.readFileSync(file(h), 'utf8')) as BwrapProbe;
    expect(kept.binary).toMatch(/bwrap:\d+:/);
    expect(fs.statSync(file(h)).mode & 0o777).toBe(0o600);
    expect(bwrapWorks(process.env, h)).toBe(true);
  });

  it('without bwrap on PATH: no, and nothing remembered', () => {
    const h = home();
    expect(bwrapWorks({ ...process.env, PATH: '/nonexistent' }, h)).toBe(false);
    expect(fs.existsSync(file(h))).toBe(false);
  });
});
