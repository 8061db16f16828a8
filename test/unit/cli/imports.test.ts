import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * What a command loads before it runs is most of what it costs: the modules a command's module imports
 * statically (a dynamic `import()` is paid only by the path that takes it), read from the sources.
 */
const SRC = path.resolve(import.meta.dirname, '../../../src');

/** The value imports of one source file: `import type` and `export type` load nothing. */
function staticImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;'"]*?\bfrom\s+'([^']+)'/gm),
    ...text.matchAll(/^import\s+'([^']+)'/gm),
  ].map((m) => m[1]);
  return specs.map((s) =>
    s.startsWith('.') ? path.resolve(path.dirname(file), s).replace(/\.js$/, '.ts') : s.replace(/^node:.*/, 'node:'),
  );
}

/** Every module (a source file, or a package by name) that loading `entry` loads. */
function loadedBy(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [path.join(SRC, entry)];
  while (todo.length) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    if (path.isAbsolute(file)) todo.push(...staticImports(file));
  }
  return new Set([...seen].map((f) => (path.isAbsolute(f) ? path.relative(SRC, f) : f)));
}

const HEAVY = ['zod', 'yaml', '@opencode-ai/sdk', 'providers/index.ts', 'governance/index.ts', 'jobs/finalize.ts'];

describe('what a command loads', () => {
  it.each([
    // check, status, report, stop, prune, logs: a job's record and health, no provider, no policy, no schema
    ['cli/jobs.ts', HEAVY],
    // start: the providers and the policy, never the schemas (zod), the profiles' YAML or the server SDK
    ['cli/start.ts', ['zod', 'yaml', '@opencode-ai/sdk', 'profiles/index.ts']],
    ['jobs/start.ts', ['zod', 'yaml', '@opencode-ai/sdk', 'profiles/index.ts']],
    // every command: the entry itself
    ['cli/index.ts', HEAVY],
  ])('%s loads none of %j', (entry, heavy) => {
    const loaded = loadedBy(entry);
    expect(heavy.filter((m) => loaded.has(m))).toEqual([]);
  });

  it('reads the graph it checks: start does load the providers and finalize', () => {
    const loaded = loadedBy('jobs/start.ts');
    expect(loaded.has('providers/index.ts')).toBe(true);
    expect(loaded.has('jobs/finalize.ts')).toBe(true);
    expect(loadedBy('cli/jobs.ts').has('store/index.ts')).toBe(true);
  });
});
