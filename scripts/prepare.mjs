#!/usr/bin/env node
// npm's prepare step: builds dist/ from src/ wherever npm runs it.
// After `npm ci` or `npm install` in a clone the dev tools are there: `npm run build` (typecheck, then bundle).
// `npm install -g .` and `npm link` are different: npm links the folder, installs none of its dependencies into
// it and still runs prepare there. From a fresh clone that means no compiler and nothing for dx-runner to run
// with, so install the runtime dependencies here (`npm ci --omit=dev`: no test tools, no optional agent CLIs;
// its own prepare then builds) and bundle with the esbuild the lock file pins, fetched for this one build.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const root = new URL('..', import.meta.url);
const installed = (pkg) => fs.existsSync(new URL(`node_modules/${pkg}/package.json`, root));
const run = (cmd, args, env = process.env) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env });

if (installed('typescript')) {
  run('npm', ['run', 'build']);
} else if (!installed('commander')) {
  // the global install's settings would make the inner install global too
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_config_(global|location|prefix|local_prefix)$/i.test(k)),
  );
  console.error('prepare: installing the runtime dependencies into this folder (npm ci --omit=dev)');
  run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], env);
} else {
  // the type checks need the dev tools; the bundle is the same without them
  run('node', ['scripts/build.mjs']);
}
