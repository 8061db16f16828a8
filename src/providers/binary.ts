import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

/** A provider CLI's npm package, the binary it installs and the variable that names another copy. */
export interface CliPackage {
  envVar: string;
  pkg: string;
  bin: string;
}

/**
 * A provider CLI binary: the explicit flag, its DX_RUNNER_*_BIN variable, the package installed beside dx-runner
 * (opencode-ai always; claude-code and gemini-cli in a clone after `npm ci`, or after a global install of their
 * own), then the bare name for PATH.
 */
export function resolveCliBinary(explicit: string | undefined, env: NodeJS.ProcessEnv, o: CliPackage): string {
  if (explicit) return explicit;
  if (env[o.envVar]) return env[o.envVar] as string;
  try {
    const pkgJson = createRequire(import.meta.url).resolve(`${o.pkg}/package.json`);
    const bin = (JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { bin: Record<string, string> }).bin[o.bin];
    const full = path.join(path.dirname(pkgJson), bin);
    if (fs.existsSync(full)) return full;
  } catch {
    // not installed beside dx-runner: fall through to PATH
  }
  return o.bin;
}

/** How to get a missing CLI: the exact install command, or how to name a copy installed elsewhere. */
export const installHint = (o: CliPackage): string =>
  `install it (npm install -g ${o.pkg}) or name it with --${o.bin}-bin / ${o.envVar}`;

/**
 * Where `command` runs from: itself when it names a path, else the first executable of that name on PATH; null
 * if none.
 */
export function which(command: string, env: NodeJS.ProcessEnv): string | null {
  const candidates = command.includes('/')
    ? [command]
    : (env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((d) => path.join(d, command));
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {
      // next candidate
    }
  }
  return null;
}
