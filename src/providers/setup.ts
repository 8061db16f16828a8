import fs from 'node:fs';
import { writeFileAtomic } from '../core/files.js';
import type { LaunchSetup } from './types.js';

const writeIfChanged = (file: string, text: string) => {
  try {
    if (fs.readFileSync(file, 'utf8') === text) return;
  } catch {
    // absent: write it
  }
  writeFileAtomic(file, text); // concurrent launches each rename a whole file
};

/** Makes what a launch needs on disk (the edge: a provider's buildLaunch only names it). */
export function prepareSetup(setup: LaunchSetup | undefined): void {
  for (const dir of setup?.dirs ?? []) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const f of setup?.files ?? []) writeIfChanged(f.path, f.text);
}
