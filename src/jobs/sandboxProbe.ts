import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readJsonFile, writeFileAtomic } from '../core/files.js';
import { which } from '../providers/binary.js';
import { bwrapArgs } from './sandbox.js';

/**
 * Does bwrap work on this host: a sandbox as a job gets one, running `true`. The probe costs a start tens of
 * milliseconds, so a success is remembered in the home for a while, for the same bwrap binary; a failure is not
 * remembered, so a host that was fixed sandboxes its next job.
 */

/** How long a successful probe stands. */
export const PROBE_FRESH_MS = 10 * 60_000;

export interface BwrapProbe {
  /** the binary probed: its path, size and modification time */
  binary: string;
  at: number;
}

/** Pure: may a start trust the remembered probe instead of probing again? */
export const probeStands = (cached: BwrapProbe | null, binary: string, now: number): boolean =>
  cached !== null && cached.binary === binary && now - cached.at >= 0 && now - cached.at < PROBE_FRESH_MS;

const probeFile = (home: string) => path.join(home, 'cache', 'bwrap-probe.json');

const identity = (bin: string): string | null => {
  try {
    const st = fs.statSync(bin);
    return `${bin}:${st.size}:${st.mtimeMs}`;
  } catch {
    return null;
  }
};

/** Not on PATH: no, without starting a process. */
export function bwrapWorks(env: NodeJS.ProcessEnv, home: string, now = Date.now()): boolean {
  const bin = which('bwrap', env);
  const binary = bin && identity(bin);
  if (!bin || !binary) return false;
  if (probeStands(readJsonFile<BwrapProbe>(probeFile(home)), binary, now)) return true;
  const args = [...bwrapArgs({ writable: [], readable: [] }), 'true'];
  const works = spawnSync(bin, args, { env, stdio: 'ignore', timeout: 10_000 }).status === 0;
  if (works) writeFileAtomic(probeFile(home), JSON.stringify({ binary, at: now } satisfies BwrapProbe));
  return works;
}
