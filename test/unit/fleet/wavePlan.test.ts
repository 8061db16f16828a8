import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../../src/cli/exit.js';
import { DxError } from '../../../src/core/errors.js';
import { planFleetWave, type FleetWaveOptions } from '../../../src/fleet/wavePlan.js';

describe('planFleetWave: a fleet wave is checked whole before anything reaches the engine', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-fleet-wave-'));
  const manifest = (yaml: string) => {
    const file = path.join(dir, `m${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(file, yaml);
    return file;
  };
  const refusal = (o: Omit<FleetWaveOptions, 'cwd'>) => {
    try {
      planFleetWave({ ...o, cwd: dir });
      return null;
    } catch (e) {
      expect(e).toBeInstanceOf(DxError);
      return `${exitCodeFor(e as DxError)} ${(e as DxError).reasonCode}: ${(e as DxError).message}`;
    }
  };
  const repo = '--repo-given';
  it.each([
    ['no wave named', {}, /^2 wave_input_missing: nothing to run/],
    [
      'no shared remote',
      { manifest: manifest('items:\n  - beads: bd-a\n    prompt: hi\n') },
      /^2 wave_input_missing: a fleet wave needs the shared remote/,
    ],
    ['--from-beads', { fromBeads: true, repo }, /^2 wave_input_conflict: --from-beads is not for a fleet wave/],
    [
      '--worktree-root',
      { items: 'bd-a', worktreeRoot: '../wts', repo },
      /^2 wave_input_conflict: --worktree-root is not for a fleet/,
    ],
    [
      'a local field in an item',
      { manifest: manifest('repo: r\nitems:\n  - beads: bd-a\n    prompt: hi\n    lane: headless\n'), repo },
      /^2 manifest_invalid: items\.0\.lane: not for a fleet wave/,
    ],
    [
      'a bead listed twice',
      { manifest: manifest('repo: r\nitems:\n  - beads: bd-a\n    prompt: hi\n  - beads: bd-a\n    prompt: x\n') },
      /^2 manifest_invalid: items\.1\.beads: bead bd-a is listed twice/,
    ],
    [
      'an unknown fallback provider',
      { manifest: manifest('repo: r\nfallback_provider: nope\nitems:\n  - beads: bd-a\n    prompt: hi\n') },
      /^20 provider_not_found: /,
    ],
    [
      'a remote of its own: the fleet pushes to --repo',
      { manifest: manifest('repo: r\ndeliver: push\nremote: up\nitems:\n  - beads: bd-a\n    prompt: hi\n') },
      /^2 manifest_invalid: remote: not for a fleet wave/,
    ],
    ['a fleet wave of a manifest', { manifest: manifest('repo: r\nitems:\n  - beads: bd-a\n    prompt: hi\n') }, null],
  ])('%s', (_name, o, want) => {
    const got = refusal(o);
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatch(want);
  });

  it('each item: prompt, provider, fallback, delivery, not enqueued yet; --critical starts on the fallback', () => {
    const file = manifest('repo: r\nbase: dev\nitems:\n  - beads: bd-a\n    prompt: do it\n    model: m1\n');
    const plan = planFleetWave({ manifest: file, cwd: dir });
    expect(plan).toMatchObject({ repo: 'r', branchPrefix: 'fleet', critical: false });
    expect(plan.items[0]).toMatchObject({
      beads: 'bd-a',
      prompt: 'do it',
      provider: 'opencode',
      model: 'm1',
      base: 'dev',
      dispatch: 0,
      state: 'queued',
      fallbackReason: null,
    });
    const merged = manifest(
      'repo: r\ndeliver: merge\nmerge_strategy: merge\nitems:\n  - beads: bd-a\n    prompt: x\n' +
        '  - beads: bd-b\n    prompt: y\n    deliver: none\n',
    );
    expect(planFleetWave({ manifest: merged, cwd: dir }).items).toMatchObject([
      { deliver: 'merge', mergeStrategy: 'merge', landing: null },
      { deliver: 'none', mergeStrategy: 'merge' },
    ]);
    const critical = planFleetWave({ manifest: file, critical: true, cwd: dir }).items[0];
    expect(critical.fallbackReason).toBe(critical.fallbackProvider ? 'critical_wave' : null);
  });
});
