/**
 * The lane and gate names as plain constants: start checks its flags against them without loading zod (whose
 * import costs more than the rest of start); their schemas are in lanes.ts and gates.ts.
 */

/**
 * How a provider's CLI runs a job. headless: the CLI alone; attach: the CLI as a client of a shared server;
 * server: a session driven over HTTP. A provider lists the ones it supports (`ProviderAdapter.lanes`).
 */
export const LANES = ['headless', 'attach', 'server'] as const;

export type Lane = (typeof LANES)[number];

/** The gates a job can be required to pass after its agent succeeds (the first failing one fails the job). */
export const POST_JOB_GATES = ['feature-key', 'scope', 'evidence', 'integrity'] as const;

export type PostJobGate = (typeof POST_JOB_GATES)[number];

/** How a job's agent is confined: auto (bwrap where it works, else off), bwrap (required), off. */
export const SANDBOX_MODES = ['auto', 'bwrap', 'off'] as const;

export type SandboxMode = (typeof SANDBOX_MODES)[number];

/**
 * The sandbox a run got, kept with its settings: `bwrap` (the system read-only, its worktree, git dir and the
 * CLI's own dirs writable, a private /tmp), `off`, or `not_applicable` (the lane runs the agent's tools in the
 * shared server); `reason` says why, in words.
 */
export interface SandboxRecord {
  mode: 'bwrap' | 'off' | 'not_applicable';
  asked: SandboxMode;
  reason: string;
}

/**
 * What becomes of a job's changes once its agent succeeded: `auto` commits them on the job's branch, `require`
 * wants the agent's own commit, `off` leaves them as they are.
 */
export const COMMIT_POLICIES = ['auto', 'require', 'off'] as const;

export type CommitPolicy = (typeof COMMIT_POLICIES)[number];
