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

/**
 * What becomes of a job's changes once its agent succeeded: `auto` commits them on the job's branch, `require`
 * wants the agent's own commit, `off` leaves them as they are.
 */
export const COMMIT_POLICIES = ['auto', 'require', 'off'] as const;

export type CommitPolicy = (typeof COMMIT_POLICIES)[number];
