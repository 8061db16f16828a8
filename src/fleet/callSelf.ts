import { spawn } from 'node:child_process';
import { DxError } from '../core/errors.js';
import { CLI_ENTRY } from '../core/detached.js';
import { errorSchema } from '../report/schemas.js';
import { refusalOf } from './launcher.js';

/**
 * Runs `dx-runner <command> --json` in a process of its own, `input` on its stdin, and gives its answer; its
 * refusal comes back as a DxError. Sync git work (a landing and its verify command) goes there, off the worker's
 * event loop and its lock renewals.
 */
export function callSelf(command: string, input: unknown, env: NodeJS.ProcessEnv, what: string): Promise<unknown> {
  const child = spawn(process.execPath, [CLI_ENTRY, command, '--json'], {
    env: { ...env, DX_RUNNER_QUIET: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stdin.end(JSON.stringify(input));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      try {
        const answer: unknown = JSON.parse(out);
        if (code === 0) return resolve(answer);
        reject(refusalOf(errorSchema.parse(answer).error));
      } catch {
        reject(new DxError('internal_error', `${what} ended ${code} without an answer`));
      }
    });
  });
}
