import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { runnerHome } from '../core/home.js';
import { DxError } from '../core/errors.js';
import { stateFacts, stateFindings } from '../store/check.js';
import type { StateBackupOutput, StateCheckOutput } from '../report/stateSchemas.js';
import { EXIT } from './exit.js';
import { print, printJson, withStore } from './shared.js';

const MARK = { ok: 'ok   ', warn: 'warn ', error: 'ERROR' } as const;

/** `dx-runner state check|backup`: the operator's view of the state home, and a copy of its database. */
export function registerStateCommands(program: Command): void {
  const state = program
    .command('state')
    .description('the state home: check it (database, run folders, file modes) or back its database up');

  state
    .command('check')
    .description(
      'read-only: database integrity and schema version, run folders and records that lost each other, ' +
        'files others may read; exit 0 fine (warnings allowed), 1 a problem',
    )
    .option('--json', 'JSON output (dx-runner schema state-check)')
    .action((o: { json?: boolean }) => {
      const home = runnerHome();
      const findings = stateFindings(stateFacts(home));
      const out: StateCheckOutput = { home, ok: findings.every((f) => f.status !== 'error'), findings };
      if (o.json) printJson(out);
      else
        print(
          [
            `state home ${home}`,
            ...findings.flatMap((f) => [
              `${MARK[f.status]} ${f.check}: ${f.detail}`,
              ...(f.status === 'ok' ? [] : f.paths.map((p) => `        ${p}`)),
            ]),
          ].join('\n'),
        );
      if (!out.ok) process.exitCode = EXIT.error;
    });

  state
    .command('backup')
    .description("a consistent copy of the state database, taken while jobs run (SQLite's online backup)")
    .option('--output <file>', 'where to write it; must not exist (default: <home>/backups/state-<UTC time>.db)')
    .option('--json', 'JSON output (dx-runner schema state-backup)')
    .action((o: { output?: string; json?: boolean }) =>
      withStore(async (store, home) => {
        const stamp = new Date()
          .toISOString()
          .replace(/[-:]/g, '')
          .replace(/\.\d+Z$/, 'Z');
        const output = path.resolve(o.output ?? path.join(home, 'backups', `state-${stamp}.db`));
        if (!o.output) fs.mkdirSync(path.dirname(output), { recursive: true, mode: 0o700 });
        try {
          await store.backup(output);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EEXIST')
            throw new DxError('output_exists', `${output} already exists; name a new file with --output`);
          if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')
            throw new DxError(
              'output_unwritable',
              `cannot write ${output} (${code}); pass a writable file with --output`,
            );
          throw e;
        }
        const result: StateBackupOutput = { output, bytes: fs.statSync(output).size };
        if (o.json) printJson(result);
        else print(output);
      }),
    );
}
