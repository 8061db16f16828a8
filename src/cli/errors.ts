/**
 * Exit codes and the one error type every command raises for bad input.
 * The numbers are fixed because scripts branch on them (README lists them all): never renumber or reuse one.
 */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  providerNotFound: 20,
  preflightFailed: 21,
  worktreeRefused: 22,
  concurrencyCap: 26,
  /** the requested lane (attach/server) cannot run: no server, unhealthy, or unsupported */
  modeUnavailable: 27,
  /** a model from the environment overrides the canonical one without permission */
  modelOverrideBlocked: 28,
} as const;
// check's own codes (2 stalled, 3 failed, 23 no-op) live beside the states: health/classify.ts checkExitCode

export class CliError extends Error {
  constructor(
    readonly reasonCode: string,
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export const usageError = (reasonCode: string, message: string) => new CliError(reasonCode, message, EXIT.usage);
