#!/usr/bin/env node
// Records the per-platform optional packages of the bundled agent CLIs (opencode-ai, claude-code) in package-lock.json.
// Why: npm writes lock entries only for platforms its registry served at lock time, and `npm ci`
// refuses a lock that misses any optional dependency. Run after changing either CLI's version.
import fs from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const PLATFORM = { darwin: 'darwin', linux: 'linux', windows: 'win32', win32: 'win32' };
/** the CLI package and the prefix of its platform packages' names */
const CLIS = [
  ['opencode-ai', 'opencode-'],
  ['@anthropic-ai/claude-code', '@anthropic-ai/claude-code-'],
];
let added = 0;
for (const [pkg, prefix] of CLIS) {
  const cli = lock.packages[`node_modules/${pkg}`];
  if (!cli) continue;
  for (const [name, version] of Object.entries(cli.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (lock.packages[key]) continue;
    const [os, cpu, ...flavour] = name.slice(prefix.length).split('-');
    lock.packages[key] = {
      version,
      cpu: [cpu],
      ...(cli.dev ? { dev: true } : {}), // a dev-only CLI's platform packages are dev-only too
      license: cli.license,
      optional: true,
      os: [PLATFORM[os] ?? os],
      ...(flavour.includes('musl') ? { libc: ['musl'] } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
fs.writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platforms: added ${added} platform entries`);
