import { kindOf, type ErrorKind, type ReasonCode } from './reasons.js';

/**
 * The one error dx-runner raises for a refusal: a reason code from the catalog, its kind, and a one-line
 * message naming the problem and the fix. How a command exits on it is the CLI's decision, made from the kind.
 */
export class DxError extends Error {
  readonly kind: ErrorKind;

  /**
   * `kind`: the catalog's, unless the reason means something else where it is raised (prompt_file_missing is
   * bad input when no file is named, but the environment's fault when the named file is gone)
   */
  constructor(
    readonly reasonCode: ReasonCode,
    message: string,
    kind?: ErrorKind,
  ) {
    super(message);
    this.kind = kind ?? kindOf(reasonCode);
  }
}

/** Is `e` the refusal with this reason? */
export const isReason = (e: unknown, reason: ReasonCode): e is DxError =>
  e instanceof DxError && e.reasonCode === reason;

/** Is `e` a refusal of this kind? */
export const hasKind = (e: unknown, kind: ErrorKind): e is DxError => e instanceof DxError && e.kind === kind;

/** The first line a failed command said (its stderr, else the error's own message), for a one-line refusal. */
export const commandErrorLine = (e: unknown): string =>
  (String((e as { stderr?: string | Buffer }).stderr ?? '').trim() || (e as Error).message).split('\n')[0];
