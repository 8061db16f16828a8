import { Command } from 'commander';
import { getProvider } from '../providers/index.js';
import { policyModel } from '../providers/policy.js';
import { CliError, EXIT } from './errors.js';
import { print, printJson } from './shared.js';

interface PreflightFlags {
  provider: string;
  model?: string;
  worktree?: string;
  allowModelOverride?: boolean;
  strict?: boolean;
  probe: boolean;
  opencodeBin?: string;
  json?: boolean;
}

export function registerProviderCommands(program: Command): void {
  program
    .command('preflight')
    .description('can this provider run a job now? binary, model policy, model offered, a live probe, worktree policy; exit 0 pass, 21 fail, 28 model override blocked')
    .option('--provider <name>', 'provider', 'opencode')
    .option('--model <id>', 'model to check (default: the canonical model)')
    .option('--worktree <dir>', 'also check this worktree against the worktree policy')
    .option('--allow-model-override', 'let the provider model variable (OPENCODE_MODEL) override the canonical model')
    .option('--strict', 'warnings (a probe timeout, an unlisted model list) fail the preflight')
    .option('--no-probe', 'skip the live model call')
    .option('--opencode-bin <path>', 'opencode binary')
    .option('--json', 'JSON: {provider, model, passed, exit_code, findings:[{check, status, code, detail, next_action}]}')
    .action(async (o: PreflightFlags) => {
      // loaded by these commands only, keeping the others' start-up lean
      const { gatherPreflight, preflightExit, preflightFindings } = await import('../providers/preflight.js');
      const { checkWorktreePolicy } = await import('../governance/index.js');
      const adapter = getProvider(o.provider);
      const env = process.env;
      const facts = await gatherPreflight(adapter, {
        model: o.model,
        allowModelOverride: o.allowModelOverride,
        binary: o.opencodeBin,
        probe: o.probe,
        worktree: o.worktree ? checkWorktreePolicy(o.worktree, env) : null,
        env,
      });
      const findings = preflightFindings(facts, !!o.strict);
      const model = facts.model;
      const exitCode = preflightExit(findings);
      if (o.json) printJson({ provider: adapter.name, model, passed: exitCode === 0, exit_code: exitCode, findings });
      else {
        for (const f of findings) print(`${{ ok: 'OK  ', warn: 'WARN', error: 'FAIL' }[f.status]} ${f.check.padEnd(13)} ${f.code}: ${f.detail}${f.next_action !== '-' ? ` (next: ${f.next_action})` : ''}`);
        print(exitCode === 0 ? '=== Preflight PASSED ===' : `=== Preflight FAILED (${findings.filter((f) => f.status === 'error').length} error(s)) ===`);
      }
      process.exitCode = exitCode;
    });

  program
    .command('probe')
    .description('one live call to the model through the provider CLI; exit 0 healthy, 1 not')
    .option('--provider <name>', 'provider', 'opencode')
    .option('--model <id>', 'model (default: the canonical model)')
    .option('--opencode-bin <path>', 'opencode binary')
    .option('--json', 'JSON: {provider, model, ok, reason, ms}')
    .action(async (o: { provider: string; model?: string; opencodeBin?: string; json?: boolean }) => {
      const { probeTimeoutMs, runProbe } = await import('../providers/preflight.js');
      const adapter = getProvider(o.provider);
      const decision = policyModel(adapter, o.model, false, process.env);
      if (!decision.ok) throw new CliError(decision.reasonCode, decision.detail, EXIT.modelOverrideBlocked);
      const r = await runProbe(adapter, decision.model, process.env, o.opencodeBin, probeTimeoutMs(process.env));
      if (o.json) printJson({ provider: adapter.name, model: decision.model, ...r });
      else print(r.ok ? `OK: ${adapter.name}/${decision.model} is healthy (${r.ms} ms)` : `FAILED: ${adapter.name}/${decision.model} is not responding (${r.reason})`);
      process.exitCode = r.ok ? EXIT.ok : EXIT.error;
    });
}
