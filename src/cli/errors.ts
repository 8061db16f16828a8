/**
 * Exit codes and the one error type every command raises for bad input.
 * Numbers follow the reference dx-runner where it defines them (README lists them all).
 */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2, // also: check → stalled
  jobFailed: 3, // check → exited_err / blocked
  providerNotFound: 20,
  preflightFailed: 21,
  worktreeRefused: 22,
  noOp: 23,
} as const;

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
