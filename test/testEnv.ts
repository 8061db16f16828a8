import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI the tests run, as a user would. */
export const CLI = fileURLToPath(new URL('../dist/cli/index.js', import.meta.url));

/** OpenCode's data, config and cache: one shared temp dir per run, as one operator has. */
export function xdgEnv(): NodeJS.ProcessEnv {
  const xdg = path.join(os.tmpdir(), 'dx-runner-test-xdg');
  return {
    XDG_DATA_HOME: path.join(xdg, 'data'),
    XDG_CONFIG_HOME: path.join(xdg, 'config'),
    XDG_CACHE_HOME: path.join(xdg, 'cache'),
  };
}
