import fs from 'node:fs';
import path from 'node:path';
import type { LaunchSetup } from './types.js';

const writeIfChanged = (file: string, text: string) => {
  try {
    if (fs.readFileSync(file, 'utf8') === text) return;
  } catch {
    // absent: write it
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`; // concurrent launches each rename a whole file
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
};

/** Makes what a launch needs on disk (the edge: a provider's buildLaunch only names it). */
export function prepareSetup(setup: LaunchSetup | undefined): void {
  for (const dir of setup?.dirs ?? []) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const f of setup?.files ?? []) writeIfChanged(f.path, f.text);
}
