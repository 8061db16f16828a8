import { describe, expect, it } from 'vitest';
import { commitMessage, commitSubject, requireVerdict, secretRefusal } from '../../../src/delivery/commit.js';
import { parseNumstat } from '../../../src/delivery/diff.js';
import { secretInFile } from '../../../src/governance/secrets.js';

describe("the commit subject, from the agent's final answer", () => {
  const long = 'Add the retry budget to the provider adapter so that rate limits back off instead of failing';
  it.each<[string, string | null, string]>([
    ['its first line', 'Add hello.txt\n\nIt says hello.', 'Add hello.txt'],
    ['blank lines and Markdown marks skipped', '\n\n## Done: wrote hello.txt\n', 'Done: wrote hello.txt'],
    ['a list item', '- Fixed the parser', 'Fixed the parser'],
    ['cut to 72 characters', long, `${long.slice(0, 71).trimEnd()}…`],
    ['nothing said: the bead', null, 'bd-a1: agent changes'],
    ['only blanks: the bead', '  \n \n', 'bd-a1: agent changes'],
  ])('%s', (_case, answer, subject) => {
    const s = commitSubject(answer, 'bd-a1');
    expect(s).toBe(subject);
    expect(s.length).toBeLessThanOrEqual(72);
  });

  it('the message carries both trailers after a blank line', () => {
    expect(commitMessage('Add hello.txt', 'bd-a1', 'opencode/zai/glm-5')).toBe(
      'Add hello.txt\n\nFeature-Key: bd-a1\nAgent: opencode/zai/glm-5\n',
    );
  });
});

describe("--commit require's verdict", () => {
  const start = 'a'.repeat(40);
  const moved = 'b'.repeat(40);
  it.each<[string, { head: string | null; descends: boolean }, boolean, RegExp]>([
    ['HEAD moved past the start HEAD', { head: moved, descends: true }, true, /committed bbbbbbbbbbbb/],
    ['HEAD did not move', { head: start, descends: true }, false, /head_unchanged/],
    ['HEAD moved elsewhere (a reset)', { head: moved, descends: false }, false, /head_not_descendant/],
    ['no HEAD at all', { head: null, descends: false }, false, /no HEAD/],
  ])('%s', (_case, facts, passed, details) => {
    const v = requireVerdict({ startHead: start, ...facts });
    expect(v.passed).toBe(passed);
    expect(v.details).toMatch(details);
    if (!v.passed) expect(v.reasonCode).toBe('no_commit_artifact');
    else expect(v.commit).toBe(moved);
  });
});

describe('the secret guard on the files to commit', () => {
  it.each<[string, string | null, boolean]>([
    ['.env', 'A=1', true],
    ['config/.env.production', 'A=1', true],
    ['certs/server.pem', null, true],
    ['id_rsa.key', null, true],
    ['notes.txt', '-----BEGIN OPENSSH PRIVATE KEY-----\nabc', true],
    ['src/app.ts', `const key = 'sk-ant-${'x'.repeat(30)}';`, true],
    ['src/app.ts', 'export const answer = 42;', false],
    ['environment.md', 'how to set up', false],
    ['image.png', null, false],
  ])('%s → refused: %s', (file, content, refused) => {
    expect(secretInFile(file, content) !== null).toBe(refused);
  });

  it('a refusal lists every file and why, and says what to do', () => {
    expect(secretRefusal([])).toBeNull();
    const r = secretRefusal([
      { path: '.env', why: 'a secret file name' },
      { path: 'k.pem', why: 'a secret file name' },
    ]);
    expect(r).toMatchObject({ passed: false, reasonCode: 'commit_refused_secret' });
    expect(r && !r.passed && r.details).toMatch(/^nothing committed: \.env \(.+\), k\.pem \(.+\); remove them/);
  });
});

describe("diff --stat's numbers", () => {
  it('reads added and removed lines per file; a binary file has none', () => {
    expect(parseNumstat('3\t0\thello.txt\0-\t-\tlogo.png\0' + '0\t2\tdir/with\ttab.txt\0')).toEqual([
      { path: 'hello.txt', added: 3, removed: 0 },
      { path: 'logo.png', added: null, removed: null },
      { path: 'dir/with\ttab.txt', added: 0, removed: 2 },
    ]);
    expect(parseNumstat('')).toEqual([]);
  });
});
