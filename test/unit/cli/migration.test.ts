import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrationMarkdown, REASON_RENAMES } from '../../../src/cli/migration.js';

const PROVIDER = /^(opencode|cc_glm|claude_code|gemini)_/;
const root = path.resolve(import.meta.dirname, '../../..');

/** Every .ts file under src/, but the migration tables themselves. */
const sources = (dir = path.join(root, 'src')): string =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .map((d) => {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) return sources(p);
      return d.name.endsWith('.ts') && !/cli\/(migration|deprecated)\.ts$/.test(p) ? fs.readFileSync(p, 'utf8') : '';
    })
    .join('\n');

describe('migration notes', () => {
  it("the README's section is the text dx-runner migration prints", () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const block = /<!-- migration:begin[^>]*-->\n([\s\S]*?)<!-- migration:end -->/.exec(readme)?.[1];
    expect(block, 'README has the generated migration block').toBeDefined();
    expect(block).toBe(`${migrationMarkdown()}\n`);
  });

  const src = sources();
  const codes = (cell: string) =>
    cell
      .replace(/\(.*\)/, '')
      .split(/[,/]/)
      .map((c) => c.trim())
      .filter((c) => /^[a-z][a-z0-9_]*$/.test(c));

  it.each(REASON_RENAMES.filter(([, now]) => codes(now).length))('%s → %s: dx-runner emits the new code', (_o, now) => {
    // a provider-named code is built from its provider's prefix: `${prefix}_auth_or_quota_blocked`
    for (const code of codes(now))
      expect(src, code).toMatch(new RegExp(`\\b${code}\\b|}${code.replace(PROVIDER, '_')}\\b`));
  });

  // a code renamed only in one place (a start refusal) still exists for the rest: "(start)" marks those
  it.each(REASON_RENAMES.filter(([old]) => !old.includes('(')))('%s is no longer emitted', (old) => {
    for (const code of codes(old)) expect(src, code).not.toMatch(new RegExp(`'${code}'`));
  });
});
