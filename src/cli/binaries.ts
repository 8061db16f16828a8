import type { Command } from 'commander';
import { allProviders, getProvider } from '../providers/index.js';

/** The `--<cli>-bin` flags of the commands that run provider CLIs: apart, so the readers load no provider. */

/** The `--<cli>-bin` flags (commander's camelCase: `--claude-bin` → `claudeBin`), one per provider CLI. */
export type BinaryFlags = Record<string, unknown>;

/** Adds one `--<cli>-bin <path>` option per registered provider CLI. */
export function addBinaryOptions(cmd: Command): Command {
  const clis = new Map<string, string[]>();
  for (const a of allProviders()) clis.set(a.cli, [...(clis.get(a.cli) ?? []), a.name]);
  for (const [cli, names] of clis) {
    cmd.option(
      `--${cli}-bin <path>`,
      `${cli} binary for ${names.join(', ')} (default: $DX_RUNNER_${cli.toUpperCase()}_BIN, the npm package, PATH)`,
    );
  }
  return cmd;
}

/** The binary a command was told to run for this provider (a flag for another provider's CLI does not apply). */
export const explicitBinary = (provider: string, o: BinaryFlags): string | undefined => {
  const v = o[`${getProvider(provider).cli}Bin`];
  return typeof v === 'string' ? v : undefined;
};
