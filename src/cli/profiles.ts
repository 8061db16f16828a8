import { Command } from 'commander';
import type { ProfileShowOutput, ProfilesOutput } from '../report/profileSchemas.js';
import { print, printJson } from './shared.js';

export function registerProfileCommands(program: Command): void {
  program
    .command('profiles')
    .description(
      "list the profiles (the user's config directory, then the shipped ones), or show one with its effective settings",
    )
    .option('--show <name>', 'one profile: as written, and the settings a job started with it gets (flags still win)')
    .option('--json', 'JSON (dx-runner schema profiles / profile-show)')
    .action(async (o: { show?: string; json?: boolean }) => {
      const { listProfiles, loadProfile } = await import('../profiles/index.js');
      const env = process.env;
      if (o.show) {
        const { effectiveProfile } = await import('../jobs/options.js');
        const loaded = loadProfile(o.show, env);
        const effective = effectiveProfile(loaded.profile, env);
        if (o.json) {
          printJson({
            name: loaded.name,
            file: loaded.file,
            profile: loaded.profile,
            effective,
          } satisfies ProfileShowOutput);
          return;
        }
        print(`${loaded.name}  (${loaded.file})`);
        if (loaded.profile.description) print(`  ${loaded.profile.description}`);
        const t = effective.thresholds_sec;
        for (const [k, v] of [
          ['provider', effective.provider],
          [
            'model',
            `${effective.model}${effective.allowed_models ? ` (only: ${effective.allowed_models.join(', ')})` : ''}`,
          ],
          ['lane', effective.lane],
          ['fallback', effective.fallback.join(' → ') || 'none'],
          ['strict preflight', String(effective.strict)],
          ['max parallel', String(effective.max_parallel)],
          [
            'thresholds',
            `startup grace ${t.startup_grace}s, stall ${t.stall}s, no-op window ${t.no_op_window}s, ` +
              `max runtime ${t.max_runtime}s, no-mutation ${t.no_mutation_timeout}s`,
          ],
          ['gates', effective.gates.join(', ') || 'none'],
        ])
          print(`  ${k.padEnd(17)} ${v}`);
        return;
      }
      const rows = listProfiles(env).map((p) => {
        try {
          const { profile } = loadProfile(p.file, env);
          return { ...p, provider: profile.provider, description: profile.description ?? null, error: null };
        } catch (e) {
          return { ...p, provider: null, description: null, error: (e as Error).message };
        }
      });
      if (o.json) printJson({ profiles: rows } satisfies ProfilesOutput);
      else if (!rows.length) print('(no profiles found)');
      else
        for (const r of rows)
          print(`${r.name.padEnd(20)} ${(r.provider ?? 'INVALID').padEnd(12)} ${r.error ?? r.description ?? ''}`);
    });
}
