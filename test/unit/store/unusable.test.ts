import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DxError } from '../../../src/core/errors.js';
import { unusableDatabase } from '../../../src/store/db.js';
import { Store } from '../../../src/store/index.js';

const sqliteError = (code: string) => Object.assign(new Error(`sqlite says ${code}`), { code });

describe('a state database that cannot be used is one clear refusal', () => {
  it.each([
    ['SQLITE_NOTADB', 'state_db_corrupt'],
    ['SQLITE_CORRUPT', 'state_db_corrupt'],
    ['SQLITE_CORRUPT_INDEX', 'state_db_corrupt'],
    ['SQLITE_READONLY', 'state_db_readonly'],
    ['SQLITE_READONLY_DIRECTORY', 'state_db_readonly'],
    ['SQLITE_CANTOPEN', 'state_db_readonly'],
    ['SQLITE_FULL', 'state_disk_full'],
    ['ENOSPC', 'state_disk_full'],
    ['EDQUOT', 'state_disk_full'],
    ['SQLITE_BUSY', null],
    ['ENOENT', null],
  ])('%s → %s', (code, reason) => {
    const e = unusableDatabase('/x/state.db', sqliteError(code));
    if (reason === null) expect(e).toBeInstanceOf(Error);
    // the file, or the folder to free
    else expect(e).toMatchObject({ reasonCode: reason, message: expect.stringContaining('/x') });
    if (reason === null) expect(e).not.toBeInstanceOf(DxError);
  });

  it('the file system refuses to make the database: state_db_readonly; the same refusal elsewhere is not ours', () => {
    const refused = (p: string) =>
      Object.assign(new Error(`EROFS: read-only file system, open '${p}'`), { code: 'EROFS', path: p });
    expect(unusableDatabase('/x/state.db', refused('/x/state.db'))).toMatchObject({ reasonCode: 'state_db_readonly' });
    expect(unusableDatabase('/x/state.db', refused('/y/prompt.md'))).not.toBeInstanceOf(DxError);
  });

  it('a damaged file: state_db_corrupt names the file and the way out, and the file is left as it was', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-damaged-'));
    const file = path.join(home, 'state.db');
    const junk = Buffer.alloc(4096, 7);
    fs.writeFileSync(file, junk);
    expect(() => new Store(home)).toThrow(expect.objectContaining({ reasonCode: 'state_db_corrupt' }));
    expect(fs.readFileSync(file)).toEqual(junk);
    fs.rmSync(home, { recursive: true, force: true });
  });
});
