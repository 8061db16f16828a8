#!/usr/bin/env node
// Records opencode-ai's per-platform optional packages in package-lock.json.
// Why: npm writes lock entries only for platforms its registry served at lock time, and `npm ci`
// refuses a lock that misses any optional dependency. Run after changing the opencode-ai version.
import fs from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const ai = lock.packages['node_modules/opencode-ai'];
const PLATFORM = { darwin: 'darwin', linux: 'linux', windows: 'win32' };
let added = 0;
for (const [name, version] of Object.entries(ai.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const [, os, cpu, ...flavour] = name.split('-');
  lock.packages[key] = {
    version,
    cpu: [cpu],
    license: ai.license,
    optional: true,
    os: [PLATFORM[os] ?? os],
    ...(flavour.includes('musl') ? { libc: ['musl'] } : {}),
  };
  added++;
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
fs.writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platforms: added ${added} platform entries for opencode-ai ${ai.version}`);
