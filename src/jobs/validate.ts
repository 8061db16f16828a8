import fs from 'node:fs';
import nodePath from 'node:path';
import { DxError } from '../core/errors.js';
import { echo } from '../core/input.js';

/** A bead id becomes part of file paths, so it must never carry a separator or start with a dot. */
const BEADS_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const BEADS_ID_MAX = 128;

/** The one check of a bead id's shape; a refused id is echoed escaped and cut short, so the refusal is one line. */
export function validateBeadsId(id: string | undefined): string {
  if (!id) throw new DxError('beads_missing', 'no bead id given; pass --beads <id>, e.g. --beads bd-xga8.14');
  if (id.length > BEADS_ID_MAX || !BEADS_ID.test(id)) {
    throw new DxError(
      'invalid_beads_id',
      `bead id '${echo(id)}' is not valid; use up to ${BEADS_ID_MAX} letters, digits, '.', '_' or '-', ` +
        'starting with a letter or digit (e.g. bd-xga8.14)',
    );
  }
  return id;
}

/** The largest prompt a job takes, in bytes (a task, not a data file; each run keeps a copy). */
export const PROMPT_MAX_BYTES = 256 * 1024;

const tooLarge = (where: string, bytes: number) =>
  new DxError(
    'prompt_too_large',
    `the prompt in ${where} is ${bytes} bytes, over the ${PROMPT_MAX_BYTES / 1024} KiB limit; ` +
      'give the task itself and point the agent at large files in the worktree',
  );

/** A prompt's bytes as text: at most PROMPT_MAX_BYTES, UTF-8, no NUL (a binary file is not a task). */
export function promptText(where: string, bytes: Buffer): string {
  if (bytes.length > PROMPT_MAX_BYTES) throw tooLarge(where, bytes.length);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = '\0';
  }
  if (text.includes('\0'))
    throw new DxError(
      'prompt_not_text',
      `the prompt in ${where} is not text (binary data, or not UTF-8); give the task as UTF-8 text`,
    );
  return text;
}

/** Reads a prompt stream (stdin) up to one byte over the limit: a huge one is refused without holding it all. */
export async function readPromptStream(where: string, stream: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(b);
    size += b.length;
    if (size > PROMPT_MAX_BYTES) throw tooLarge(where, size);
  }
  return promptText(where, Buffer.concat(chunks));
}

/** Reads the prompt once, so a file that vanishes or changes between checks cannot slip through. */
export function readPromptFile(path: string | undefined): string {
  if (!path)
    throw new DxError(
      'prompt_file_missing',
      'no prompt given; pass --prompt "<task>" or --prompt-file <path> (--prompt-file - reads stdin)',
    );
  let bytes: Buffer;
  try {
    const stat = fs.statSync(path);
    if (!stat.isFile()) {
      throw new DxError(
        'prompt_file_unreadable',
        `prompt file ${path} is not a regular file; pass a file with --prompt-file`,
      );
    }
    if (stat.size > PROMPT_MAX_BYTES) throw tooLarge(path, stat.size);
    bytes = fs.readFileSync(path);
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
  const text = promptText(path, bytes);
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
  const where = o.promptFile === '-' ? 'stdin (--prompt-file -)' : '--prompt';
  if (o.prompt.trim() === '') throw new DxError('prompt_empty', `the prompt on ${where} is empty; give the task there`);
  return promptText(where, Buffer.from(o.prompt));
}

/** Where a job's task came from, as recorded with it: the prompt file's path, `-` (stdin) or `--prompt`. */
export const promptSource = (o: { prompt?: string; promptFile?: string; cwd: string }): string =>
  o.promptFile === '-' ? '-' : o.prompt !== undefined ? '--prompt' : nodePath.resolve(o.cwd, o.promptFile ?? '');
