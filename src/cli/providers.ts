import { Command } from 'commander';
import { getProvider } from '../providers/index.js';
import { decideProviderModel } from '../providers/verdict.js';
import { DxError } from '../core/errors.js';
import { EXIT, preflightExitCode } from './exit.js';
import { addBinaryOptions, explicitBinary, type BinaryFlags } from './binaries.js';
import { nonBlank, print, printJson } from './shared.js';

interface PreflightFlags extends BinaryFlags {
  provider?: string;
  profile?: string;
  model?: string;
  worktree?: string;
  allowModelOverride?: boolean;
  strict?: boolean;
  probe: boolean;
  json?: boolean;
}

/**
 * The provider and model a preflight or probe checks: flags > profile > environment (under the model policy) >
 * canonical, decided as start decides it.
 */
async function resolveModel(
  o: { provider?: string; profile?: string; model?: string; allowModelOverride?: boolean; strict?: boolean },
  env: NodeJS.ProcessEnv,
) {
  const { withProfile } = await import('../jobs/options.js');
  const profile = o.profile ? (await import('../profiles/index.js')).loadProfile(o.profile, env).profile : undefined;
  const ask = withProfile(
    { provider: o.provider, model: o.model, allowModelOverride: o.allowModelOverride, env, cwd: process.cwd() },
    profile,
  );
  const adapter = getProvider(ask.provider ?? 'opencode');
  return { adapter, ask, decision: decideProviderModel(adapter, ask, env), strict: !!o.strict || !!profile?.strict };
}

export function registerProviderCommands(program: Command): void {
  const preflightCommand = program
    .command('preflight')
    .description(
      'can this provider run a job now? binary, model policy, credentials, model offered, a live probe, ' +
        'worktree policy; exit 0 pass, 21 fail, 28 model override blocked',
    )
    .option('--provider <name>', "provider (default: the profile's, else opencode)")
    .option(
      '--profile <name>',
      'check with a profile: its provider, model, allowed models, override permission and strictness',
    )
    .option('--model <id>', 'model to check (default: the canonical model)', nonBlank('--model'))
    .option('--worktree <dir>', 'also check this worktree against the worktree policy')
    .option('--allow-model-override', 'let the provider model variable (OPENCODE_MODEL) override the canonical model')
    .option('--strict', 'warnings (a probe timeout, an unlisted model list) fail the preflight')
    .option('--no-probe', 'skip the live model call');
  addBinaryOptions(preflightCommand)
    .option(
      '--json',
      'JSON: {provider, model, passed, exit_code, findings:[{check, status, code, detail, next_action}]}',
    )
    .action(async (o: PreflightFlags) => {
      // loaded by these commands only, keeping the others' start-up lean
      const { preflightFindings } = await import('../providers/preflight.js');
      const { gatherPreflight } = await import('../jobs/probe.js');
      const { checkWorktreePolicy } = await import('../governance/index.js');
      const env = process.env;
      const { adapter, ask, strict } = await resolveModel(o, env);
      const facts = await gatherPreflight(adapter, {
        model: ask.model,
        allowModelOverride: ask.allowModelOverride,
        allowedModels: ask.allowedModels,
        binary: explicitBinary(adapter.name, o),
        probe: o.probe,
        worktree: o.worktree ? checkWorktreePolicy(o.worktree, env) : null,
        env,
      });
      const findings = preflightFindings(facts, strict);
      const model = facts.model;
      const exitCode = preflightExitCode(findings);
      if (o.json) printJson({ provider: adapter.name, model, passed: exitCode === 0, exit_code: exitCode, findings });
      else {
        for (const f of findings) {
          const status = { ok: 'OK  ', warn: 'WARN', error: 'FAIL' }[f.status];
          const next = f.next_action !== '-' ? ` (next: ${f.next_action})` : '';
          print(`${status} ${f.check.padEnd(13)} ${f.code}: ${f.detail}${next}`);
        }
        print(
          exitCode === 0
            ? '=== Preflight PASSED ==='
            : `=== Preflight FAILED (${findings.filter((f) => f.status === 'error').length} error(s)) ===`,
        );
      }
      process.exitCode = exitCode;
    });

  const probeCommand = program
    .command('probe')
    .description('one live call to the model through the provider CLI; exit 0 healthy, 1 not')
    .option('--provider <name>', "provider (default: the profile's, else opencode)")
    .option('--profile <name>', "probe the profile's provider and model")
    .option('--model <id>', 'model (default: the canonical model)', nonBlank('--model'));
  addBinaryOptions(probeCommand)
    .option('--json', 'JSON: {provider, model, ok, reason, ms}')
    .action(async (o: { provider?: string; profile?: string; model?: string; json?: boolean } & BinaryFlags) => {
      const { probeTimeoutMs, runProbe } = await import('../jobs/probe.js');
      const { adapter, decision } = await resolveModel(o, process.env);
      if (!decision.ok) throw new DxError(decision.reasonCode, decision.detail);
      const r = await runProbe(
        adapter,
        decision.model,
        process.env,
        explicitBinary(adapter.name, o),
        probeTimeoutMs(process.env),
      );
      if (o.json) printJson({ provider: adapter.name, model: decision.model, ...r });
      else
        print(
          r.ok
            ? `OK: ${adapter.name}/${decision.model} is healthy (${r.ms} ms)`
            : `FAILED: ${adapter.name}/${decision.model} is not responding (${r.reason})`,
        );
      process.exitCode = r.ok ? EXIT.ok : EXIT.error;
    });
}
