#!/usr/bin/env node
// House rules that neither the formatter nor the linter can state, checked in `npm test` (npm run lint):
//   - imports between src/ folders go down the layers below (an upward one is a cycle waiting to happen);
//     the few listed in ALLOWED_UPWARD carry their reason;
//   - no line of src/ or test/ is longer than 120 characters (prettier wraps code, not strings or comments).
// `--report` prints the figures (upward imports, longest lines, largest files) and exits 0.
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const MAX_LINE = 120;

/** Bottom to top: a folder may import from its own layer's folders and from any layer below. */
const LAYERS = [
  ['core', 'contract'],
  ['model-mock', 'providers', 'store'],
  ['health', 'governance', 'profiles'],
  ['server', 'jobs', 'delivery'],
  ['report'],
  ['wave', 'bench', 'demo', 'faults', 'fleet'],
  ['cli'],
];

/** Upward imports that stay, each with its reason: `from -> to`. */
const ALLOWED_UPWARD = {};

const layerOf = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i])));

function files(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const src = files(path.join(ROOT, 'src'));
const all = [...src, ...files(path.join(ROOT, 'test'))];
const problems = [];
const upward = [];

for (const file of src) {
  const from = path.relative(path.join(ROOT, 'src'), file).split(path.sep)[0];
  const text = fs.readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.\.?\/[^']+)'/g)) {
    const target = path.relative(path.join(ROOT, 'src'), path.resolve(path.dirname(file), m[1]));
    const to = target.split(path.sep)[0];
    if (to === from || to.startsWith('..')) continue;
    if (!layerOf.has(from) || !layerOf.has(to)) {
      problems.push(`${path.relative(ROOT, file)}: folder '${layerOf.has(from) ? to : from}' has no layer; add it`);
      continue;
    }
    if (layerOf.get(to) <= layerOf.get(from)) continue;
    const edge = `${from} -> ${to}`;
    upward.push(`${path.relative(ROOT, file)}: ${edge} (${m[1]})`);
    if (to === 'cli') problems.push(`${path.relative(ROOT, file)}: imports ${m[1]}; only src/cli/ may import src/cli/`);
    else if (!ALLOWED_UPWARD[edge])
      problems.push(`${path.relative(ROOT, file)}: imports up the layers (${edge}: ${m[1]})`);
  }
}

const long = [];
for (const file of all) {
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.length > MAX_LINE) long.push(`${path.relative(ROOT, file)}:${i + 1}: ${line.length} characters`);
    });
}
problems.push(...long.map((l) => `${l} (at most ${MAX_LINE})`));

if (process.argv.includes('--report')) {
  const sizes = src
    .map((f) => [fs.readFileSync(f, 'utf8').split('\n').length - 1, path.relative(ROOT, f)])
    .sort((a, b) => b[0] - a[0]);
  console.log(`upward imports: ${upward.length}`);
  for (const u of upward) console.log(`  ${u}`);
  console.log(`lines over ${MAX_LINE} characters: ${long.length}`);
  console.log(
    `largest files in src/: ${sizes
      .slice(0, 5)
      .map(([n, f]) => `${f} (${n})`)
      .join(', ')}`,
  );
  process.exit(0);
}
if (problems.length) {
  for (const p of problems) console.error(p);
  console.error(`check-architecture: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`check-architecture: ok (${src.length} source files, ${upward.length} allowed upward imports)`);
