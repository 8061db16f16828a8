import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers.js';

/**
 * What a command of the built CLI loads before it runs: the bundle's entry and the chunk of its command module,
 * with every chunk they import statically (a dynamic `import()` is paid only by the path that takes it). esbuild
 * heads each module it bundles with its path as a comment (`// src/store/index.ts`, `// node_modules/zod/…`).
 */
const DIST = path.dirname(path.dirname(CLI));
const files = fs.readdirSync(DIST, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));

/** The modules a built file holds, and the packages it imports from node_modules. */
function contents(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const bundled = [...text.matchAll(/^\/\/ (?:.*\/)?(src\/\S+|node_modules\/\S+)$/gm)].map((m) => m[1]);
  const external = [...text.matchAll(/^import\s[^"]*?from\s+"([^."][^"]*)";$/gm)].map((m) => m[1]);
  return [...bundled, ...external];
}

/** The built files a built file imports statically. */
const staticImports = (file: string): string[] =>
  [...fs.readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^"]*?"(\.\.?\/[^"]+)";$/gm)].map((m) =>
    path.resolve(path.dirname(file), m[1]),
  );

/** Every module loading these built files loads. */
function loadedBy(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...entries];
  while (todo.length) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    todo.push(...staticImports(file));
  }
  return new Set([...seen].flatMap(contents));
}

/** The built file holding a source module. */
function holding(source: string): string {
  const file = files.map((f) => path.join(DIST, f)).find((f) => contents(f).includes(source));
  if (!file) throw new Error(`no built file holds ${source}`);
  return file;
}

/** What running a command loads: the CLI's entry, then the chunks of the modules it imports as it runs. */
const commandLoads = (...modules: string[]) => loadedBy([CLI, ...modules.map(holding)]);
const has = (loaded: Set<string>, name: string) => [...loaded].some((m) => m === name || m.includes(`${name}/`));

describe('what a command of the built CLI loads', () => {
  it.each([
    // check, status, report, stop, prune, logs: a job's record and health, no provider, no policy, no schema
    [
      'src/cli/jobs.ts',
      ['node_modules/zod', 'node_modules/yaml', '@opencode-ai/sdk', 'src/providers/index.ts', 'src/jobs/finalize.ts'],
    ],
    // start (its command, then the job's start): the providers and the policy, never the schemas (zod), the
    // profiles' YAML or the server SDK
    [
      'src/cli/start.ts',
      ['node_modules/zod', 'node_modules/yaml', '@opencode-ai/sdk', 'src/profiles/index.ts'],
      'src/jobs/start.ts',
    ],
  ])('%s loads none of %j', (module, heavy, then?: string) => {
    const loaded = commandLoads(module, ...(then ? [then] : []));
    expect(heavy.filter((m) => has(loaded, m))).toEqual([]);
  });

  it('reads the graph it checks: start does load the providers and finalize, check the store', () => {
    const start = commandLoads('src/cli/start.ts', 'src/jobs/start.ts');
    expect(has(start, 'src/providers/index.ts') && has(start, 'src/jobs/finalize.ts')).toBe(true);
    expect(has(commandLoads('src/cli/jobs.ts'), 'src/store/index.ts')).toBe(true);
    expect(has(commandLoads('src/cli/index.ts'), 'node_modules/commander')).toBe(true);
    expect(has(commandLoads('src/cli/schemas.ts'), 'node_modules/zod')).toBe(true);
  });

  it('every file lies one folder under dist/, where the paths modules compute from their own URL hold', () => {
    expect(files.filter((f) => f.split(path.sep).length !== 2)).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['cli/index.js', 'bench/perf.js', 'faults/index.js']));
  });
});
