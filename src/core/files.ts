import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes a whole file or nothing: a temporary file of this process, then a rename, so a reader (or a writer
 * racing in another process) never sees half of it. The folder is made private (0700) and the file 0600.
 */
export function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** A JSON file's content, or null when it is absent or not JSON (a cache that can always be rebuilt). */
export function readJsonFile<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}
