import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { commandErrorLine, DxError } from '../core/errors.js';
import { which } from '../providers/binary.js';
import { dueRecords, parseReady, type ReadyIssue, type Recorded, type TrackedItem } from './beads.js';

/** The `bd` CLI at the edge: reading the ready issues, and recording a wave's dispatches and outcomes on them. */

/** Which bd a wave records with, and the folder bd finds its database from (where `wave start` ran). */
export interface BeadsSource {
  bin: string;
  cwd: string;
}

const SOURCE_FILE = 'beads.json';
const RECORDED_FILE = 'beads-recorded.json';
const BD_TIMEOUT_MS = 30_000;

function runBd(src: BeadsSource, args: readonly string[], env: NodeJS.ProcessEnv): string {
  // comments name dx-runner as their author unless the operator chose an actor (bd reads either variable)
  const actor = env.BD_ACTOR || env.BEADS_ACTOR ? {} : { BD_ACTOR: 'dx-runner', BEADS_ACTOR: 'dx-runner' };
  return execFileSync(src.bin, args, {
    cwd: src.cwd,
    env: { ...env, ...actor },
    encoding: 'utf8',
    timeout: BD_TIMEOUT_MS,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The bd CLI on PATH, or `beads_cli_missing`. */
export function beadsSource(env: NodeJS.ProcessEnv, cwd: string): BeadsSource {
  const bin = which('bd', env);
  if (!bin)
    throw new DxError(
      'beads_cli_missing',
      '--from-beads needs the bd CLI on PATH; install beads, or pass --manifest / --items',
    );
  return { bin, cwd };
}

/** `bd ready --json --limit N`: the issues a wave takes (N = 0, bd's "all", unless a limit is given). */
export function readyIssues(src: BeadsSource, env: NodeJS.ProcessEnv, limit = 0): ReadyIssue[] {
  let out: string;
  try {
    out = runBd(src, ['ready', '--json', '--limit', String(limit)], env);
  } catch (e) {
    throw new DxError(
      'beads_ready_failed',
      `bd ready --json failed in ${src.cwd}: ${commandErrorLine(e)}; run it there yourself to see why`,
    );
  }
  return parseReady(out);
}

/** Remembers, in the wave's folder, that its items are recorded on their issues. */
export function saveBeadsSource(waveFolder: string, src: BeadsSource): void {
  fs.writeFileSync(path.join(waveFolder, SOURCE_FILE), JSON.stringify(src), { mode: 0o600 });
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/**
 * For a wave taken from beads: a function that makes the records due on its issues (dueRecords) and keeps
 * what succeeded in the wave's folder, so each is made once whichever process (driver, `wave stop`) runs it.
 * A failed bd call is logged and tried again on the next pass, up to MAX_RECORD_FAILURES per issue.
 * Null for a wave not taken from beads.
 */
export function issueRecorder(
  waveFolder: string,
  wave: number,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): ((items: readonly TrackedItem[]) => void) | null {
  const src = readJson<BeadsSource>(path.join(waveFolder, SOURCE_FILE));
  if (!src) return null;
  const file = path.join(waveFolder, RECORDED_FILE);
  return (items) => {
    const recorded = readJson<Record<string, Recorded>>(file) ?? {};
    for (const a of dueRecords(wave, items, recorded)) {
      const r = recorded[a.beads] ?? { dispatched: 0, outcome: null, failures: 0 };
      let args: readonly string[] = [];
      try {
        for (args of a.commands) runBd(src, args, env);
        recorded[a.beads] = { ...r, ...a.done };
      } catch (e) {
        recorded[a.beads] = { ...r, failures: r.failures + 1 };
        log(
          `wave ${wave}: recording on ${a.beads} failed (bd ${args.slice(0, 2).join(' ')}): ${commandErrorLine(e)}\n`,
        );
      }
      // written after each issue, through a rename: a crash loses at most the record being made
      fs.writeFileSync(`${file}.tmp`, JSON.stringify(recorded), { mode: 0o600 });
      fs.renameSync(`${file}.tmp`, file);
    }
  };
}
