import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

/**
 * A provider CLI's binary: the explicit flag, the env override, the copy bundled with dx-runner (the npm
 * package's own `bin` entry), then the bare name on PATH.
 */
export function resolveCliBinary(explicit: string | undefined, envOverride: string | undefined, pkg: string, bin: string): string {
  if (explicit) return explicit;
  if (envOverride) return envOverride;
  try {
    const pkgJson = createRequire(import.meta.url).resolve(`${pkg}/package.json`);
    const bins = (JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { bin: Record<string, string> }).bin;
    const full = path.join(path.dirname(pkgJson), bins[bin]);
    if (fs.existsSync(full)) return full;
  } catch {
    // not bundled: fall through to PATH
  }
  return bin;
}
