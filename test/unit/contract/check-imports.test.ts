import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../../src');

/**
 * The packages and src/ modules a module loads when it runs: static imports and re-exports that are not type-only
 * (the compiler erases those), followed through src/; `await import(…)` is loaded later, by the code that needs it.
 */
function loaded(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    const statements = /^(?:import|export)\s+(type\s+)?([^;]*?)\s*from\s+'([^']+)'|^import\s+'([^']+)'/gm;
    for (const m of text.matchAll(statements)) {
      const [, typeOnly, names = '', from = m[4]] = m;
      const specifiers = names
        .replace(/^\{|\}$/g, '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (typeOnly || (names.startsWith('{') && specifiers.every((s) => s.startsWith('type ')))) continue;
      if (from.startsWith('.')) visit(path.resolve(path.dirname(file), from).replace(/\.js$/, '.ts'));
      else seen.add(from);
    }
  };
  visit(entry);
  return seen;
}

describe('what check and status load', () => {
  it('is not zod: the contract and the output schemas reach them as types only', () => {
    // every command loads cli/index.ts; check, status, report, stop, prune and logs load cli/jobs.ts
    const modules = new Set([...loaded(path.join(SRC, 'cli/index.ts')), ...loaded(path.join(SRC, 'cli/jobs.ts'))]);
    expect(modules).toContain(path.join(SRC, 'report/index.ts'));
    expect([...modules].filter((m) => m === 'zod' || m.startsWith('zod/'))).toEqual([]);
    expect([...modules].filter((m) => m.startsWith(path.join(SRC, 'contract')) || m.endsWith('schemas.ts'))).toEqual(
      [],
    );
  });
});
