import path from 'node:path';
import type { Lane, SandboxMode, SandboxRecord } from '../contract/names.js';
import { DxError } from '../core/errors.js';
import { redact } from '../governance/secrets.js';
import type { LaunchSpec, SandboxNeeds } from '../providers/types.js';

/**
 * The filesystem sandbox, pure: whether a run gets one, and the bubblewrap command that confines its agent.
 * Only the agent runs inside: the wrapper that records its exit code stays outside, so liveness (the wrapper's
 * pid and start time) and the rc file work as without it.
 */

export const INSTALL_BWRAP = 'apt-get install bubblewrap';

/** Pure: the sandbox a run gets. `bwrapWorks`: the probe's answer (undefined when it was not needed). */
export function decideSandbox(asked: SandboxMode, lane: Lane, bwrapWorks: boolean | undefined): SandboxRecord {
  if (asked === 'off') return { mode: 'off', asked, reason: 'turned off (--sandbox off)' };
  if (lane !== 'headless') {
    const why = `on the ${lane} lane the agent's tools run inside the shared opencode server, not in the job`;
    if (asked === 'bwrap')
      throw new DxError(
        'sandbox_lane_unsupported',
        `--sandbox bwrap cannot confine a job ${why}; use --lane headless, or --sandbox auto|off`,
      );
    return { mode: 'not_applicable', asked, reason: why };
  }
  if (bwrapWorks) return { mode: 'bwrap', asked, reason: 'the system read-only; worktree, git dir, CLI dirs writable' };
  if (asked === 'bwrap')
    throw new DxError(
      'sandbox_unavailable',
      `--sandbox bwrap: bubblewrap (bwrap) does not work on this host; install it (${INSTALL_BWRAP}) ` +
        'or use --sandbox auto|off',
    );
  return { mode: 'off', asked, reason: `bwrap does not work on this host (${INSTALL_BWRAP})` };
}

const within = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** Absolute, normalised, without duplicates or paths inside another of the list. */
function outermost(paths: string[]): string[] {
  const abs = [...new Set(paths.filter((p) => path.isAbsolute(p)).map((p) => path.resolve(p)))];
  return abs.filter((p) => !abs.some((q) => q !== p && within(p, q)));
}

const depth = (p: string) => p.split('/').length;

/**
 * Pure: bwrap's arguments up to the command, for what the agent writes (its worktree, the repository's git dir,
 * the CLI's own dirs) and reads under /tmp. The system is bound read-only, /tmp is a fresh tmpfs, then each
 * path is bound over it, outer ones first so an inner bind is not hidden by a later outer one. The agent gets
 * its own pid namespace and dies with bwrap, so ending the wrapper's group ends every process it started.
 */
export function bwrapArgs(paths: SandboxNeeds): string[] {
  const writable = outermost(paths.writable);
  // read-only binds matter only where the private /tmp hides the host's files
  const readable = outermost(paths.readable).filter((p) => within(p, '/tmp') && !writable.some((w) => within(p, w)));
  const binds = [
    ...readable.map((p) => ({ p, flag: '--ro-bind' })),
    ...writable.map((p) => ({ p, flag: '--bind' })),
  ].sort((a, b) => depth(a.p) - depth(b.p));
  return [
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--tmpfs',
    '/tmp',
    ...binds.flatMap(({ p, flag }) => [flag, p, p]),
    '--unshare-pid',
    '--die-with-parent',
    '--',
  ];
}

/**
 * Pure: the launch as it runs in the sandbox: bwrap with the worktree, the git dir and the provider's own
 * paths, then the provider's command. The writable directories are made at launch when missing (bwrap binds
 * only what exists).
 */
export function sandboxedSpec<S extends Pick<LaunchSpec, 'command' | 'args' | 'setup' | 'sandbox'>>(
  spec: S,
  worktree: string,
  gitCommonDir: string | null,
): S {
  const own = spec.sandbox ?? { writable: [], readable: [] };
  const paths: SandboxNeeds = {
    writable: [worktree, ...(gitCommonDir ? [gitCommonDir] : []), ...own.writable],
    readable: [spec.command, ...own.readable],
  };
  const setup = spec.setup ?? { dirs: [], files: [] };
  return {
    ...spec,
    command: 'bwrap',
    args: [...bwrapArgs(paths), spec.command, ...spec.args],
    setup: { ...setup, dirs: [...setup.dirs, ...own.writable] },
  };
}

const DENIED = /([^"\\\n]{0,160})Read-only file system/;

/**
 * Pure: a write the sandbox refused, from one line of the agent's output (a tool result quoting the shell's
 * error), as a short excerpt; null when the line has none.
 */
export function sandboxDenial(line: string): string | null {
  const m = DENIED.exec(line);
  return m ? redact(`${m[1].trimStart()}Read-only file system`) : null;
}
