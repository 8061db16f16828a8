/**
 * The one output rule of the commands that print a result: human output, unless `--json` (or `report
 * --format json`) asks for JSON, for scripts. Where the older dx-runner printed JSON by default (`report`,
 * the `bench` commands), `jsonWhenPiped` keeps the scripts that read it working: no format named and stdout
 * not a terminal → JSON.
 */
export function outputFormat(
  o: { json?: boolean; format?: string },
  jsonWhenPiped: boolean,
  isTTY: boolean,
): 'json' | 'human' {
  if (o.json || o.format === 'json') return 'json';
  if (o.format !== undefined) return 'human';
  return jsonWhenPiped && !isTTY ? 'json' : 'human';
}

/** Prints a command's result as the rule says: pretty JSON, or `human(value)`. */
export function emit<T>(
  value: T,
  o: { json?: boolean; format?: string },
  jsonWhenPiped: boolean,
  human: (v: T) => string,
): void {
  const json = outputFormat(o, jsonWhenPiped, !!process.stdout.isTTY) === 'json';
  process.stdout.write(`${json ? JSON.stringify(value, null, 2) : human(value)}\n`);
}

/** A small result as `key: value` lines (null: `-`), for a human. */
export const fieldLines = (v: Record<string, unknown>) =>
  Object.entries(v)
    .map(([k, x]) => `${k}: ${x ?? '-'}`)
    .join('\n');
