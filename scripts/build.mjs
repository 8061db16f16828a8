#!/usr/bin/env node
// Bundles src/ into dist/ with esbuild (`npm run build` typechecks with tsc first; it emits nothing).
// A command's time is mostly the loading of its modules, and the ESM loader's cost is per file: the three entry
// points (the CLI, `npm run bench`, `npm run faults`) become a few dozen chunks, split so that each command still
// loads only its own code (a dynamic import() is a chunk boundary). Every file lies one folder under dist/, as the
// compiled sources did, so the paths modules compute from import.meta.url (../cli/index.js, ../../configs,
// ../../package.json) still hold. Packages with native code or of their own weight stay external: node_modules.
// Run without esbuild installed (a global install from a fresh clone: no dev dependencies), it fetches the
// version the lock file pins for this one build.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url);
const at = (p) => fileURLToPath(new URL(p, root));
const EXTERNAL = ['better-sqlite3', '@opencode-ai/sdk', 'bullmq', 'ioredis'];
// the CommonJS packages bundled in (commander) require Node's own modules: ESM output has no `require` of its own
const REQUIRE =
  "import { createRequire as __dxRequire } from 'node:module'; " + 'const require = __dxRequire(import.meta.url);';
const args = [
  at('src/cli/index.ts'),
  at('src/bench/perf.ts'),
  at('src/faults/index.ts'),
  '--bundle',
  '--splitting',
  '--format=esm',
  '--platform=node',
  '--target=node20',
  `--outdir=${at('dist')}`,
  `--outbase=${at('src')}`,
  '--entry-names=[dir]/[name]',
  '--chunk-names=chunks/[name]-[hash]',
  ...EXTERNAL.map((p) => `--external:${p}`),
  `--banner:js=${REQUIRE}`,
  '--log-level=warning',
];

const local = at('node_modules/.bin/esbuild');
fs.rmSync(new URL('dist', root), { recursive: true, force: true }); // no file of an earlier layout stays behind
if (fs.existsSync(local)) {
  execFileSync(local, args, { cwd: root, stdio: 'inherit' });
} else {
  const lock = JSON.parse(fs.readFileSync(new URL('package-lock.json', root), 'utf8'));
  const esbuild = `esbuild@${lock.packages['node_modules/esbuild'].version}`;
  console.error(`build: bundling with ${esbuild} (not installed here)`);
  // run from outside the project: npm exec would take the esbuild the lock file lists for this folder as present
  execFileSync('npm', ['exec', '--yes', `--package=${esbuild}`, '--', 'esbuild', ...args], {
    cwd: os.tmpdir(),
    stdio: 'inherit',
  });
}
fs.chmodSync(new URL('dist/cli/index.js', root), 0o755);
