import fs from 'node:fs';
import nodePath from 'node:path';
import { DxError } from '../core/errors.js';

/** A bead id becomes part of file paths, so it must never carry a separator or start with a dot. */
const BEADS_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const BEADS_ID_MAX = 128;

export function validateBeadsId(id: string | undefined): string {
  if (!id) throw new DxError('beads_missing', 'no bead id given; pass --beads <id>, e.g. --beads bd-xga8.14');
  if (id.length > BEADS_ID_MAX || !BEADS_ID.test(id)) {
    throw new DxError(
      'invalid_beads_id',
      `bead id '${id}' is not valid; use letters, digits, '.', '_' or '-' and start with a letter or digit ` +
        '(e.g. bd-xga8.14)',
    );
  }
  return id;
}

/** Reads the prompt once, so a file that vanishes or changes between checks cannot slip through. */
export function readPromptFile(path: string | undefined): string {
  if (!path)
    throw new DxError(
      'prompt_file_missing',
      'no prompt given; pass --prompt "<task>" or --prompt-file <path> (--prompt-file - reads stdin)',
    );
  let text: string;
  try {
    if (!fs.statSync(path).isFile()) {
      throw new DxError(
        'prompt_file_unreadable',
        `prompt file ${path} is not a regular file; pass a file with --prompt-file`,
      );
    }
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof DxError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new DxError(
        'prompt_file_missing',
        `prompt file ${path} does not exist; pass an existing file with --prompt-file`,
        'environment',
      );
    }
    throw new DxError(
      'prompt_file_unreadable',
      `prompt file ${path} cannot be read (${code}); fix its permissions or pass another file`,
    );
  }
  if (text.trim() === '') {
    throw new DxError('prompt_file_empty', `prompt file ${path} is empty; write the task into it before starting`);
  }
  return text;
}

/**
 * The task as given: inline (`--prompt`), read from stdin (`--prompt-file -`: the caller read it into `prompt`)
 * or from a file. An empty one is refused wherever it came from.
 */
export function readPrompt(o: { prompt?: string; promptFile?: string }): string {
  if (o.prompt === undefined) return readPromptFile(o.promptFile);
  if (o.prompt.trim() === '') {
    const where = o.promptFile === '-' ? 'stdin (--prompt-file -)' : '--prompt';
    throw new DxError('prompt_empty', `the prompt on ${where} is empty; give the task there`);
  }
  return o.prompt;
}

/** Where a job's task came from, as recorded with it: the prompt file's path, `-` (stdin) or `--prompt`. */
export const promptSource = (o: { prompt?: string; promptFile?: string; cwd: string }): string =>
  o.promptFile === '-' ? '-' : o.prompt !== undefined ? '--prompt' : nodePath.resolve(o.cwd, o.promptFile ?? '');
