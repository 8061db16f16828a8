import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { envNumber } from '../core/input.js';
import { step } from '../core/progress.js';
import { emptySummary, foldEvent, type OutputSummary } from '../health/index.js';
import type { PreflightFacts, ProbeResult } from '../providers/preflight.js';
import { prepareSetup } from '../providers/setup.js';
import type { ProviderAdapter } from '../providers/types.js';
import { modelFacts, type ModelAsk } from '../providers/verdict.js';

// The edge of a preflight: the binary's version, the model list and a live probe — a short real run of the
// agent, its output folded as a job's is. The findings are decided from these facts in providers/preflight.ts.
export const probeTimeoutMs = (env: NodeJS.ProcessEnv) =>
  envNumber(env, 'DX_RUNNER_PROBE_TIMEOUT_SEC', { positive: true, max: 3_600 }, 45) * 1000;

/** Gathers a preflight's facts at the edge (`preflight` and `bench governed` share it). */
export async function gatherPreflight(
  adapter: ProviderAdapter,
  o: ModelAsk & {
    binary?: string;
    probe: boolean;
    worktree: PreflightFacts['worktree'];
    env: NodeJS.ProcessEnv;
  },
): Promise<PreflightFacts> {
  const { model, policyRefusal } = modelFacts(adapter, o, o.env);
  const binary = adapter.resolveBinary(o.binary, o.env);
  const version = await step(`asking the ${adapter.cli} CLI its version`, () => binaryVersion(binary, o.env));
  const auth = adapter.checkAuth?.(o.env) ?? null;
  // a listing takes seconds (~25 s on a busy host): say so at once
  const listing = () =>
    step(`listing ${adapter.name} models`, () => adapter.listModels!(binary, o.env), { afterMs: 0 });
  return {
    provider: adapter.name,
    model,
    binary,
    version,
    models: adapter.listModels ? (version ? await listing() : null) : undefined,
    // without credentials the launch cannot even be built: the auth finding says why
    probe:
      version && o.probe && auth?.ok !== false
        ? await runProbe(adapter, model, o.env, o.binary, probeTimeoutMs(o.env))
        : null,
    auth,
    policyRefusal,
    worktree: o.worktree,
  };
}

/**
 * A missing binary fails at once; the bound only ends a CLI that hangs. It is generous because a large CLI's
 * start (gemini: ~2.5 s of CPU) can take over 15 s on a busy host, and a slow answer is not a missing binary.
 */
const VERSION_TIMEOUT_MS = 60_000;

function binaryVersion(binary: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(binary, ['--version'], { env, timeout: VERSION_TIMEOUT_MS }, (err, stdout) =>
      resolve(err ? null : stdout.trim().split('\n')[0] || null),
    );
  });
}

/**
 * The live call: the provider's own launch, with a one-line prompt, in a scratch git repo, read through
 * its own event parser. Fails on an error event, a non-zero exit, no final answer, or the timeout.
 */
export const runProbe = (
  adapter: ProviderAdapter,
  model: string,
  env: NodeJS.ProcessEnv,
  binary: string | undefined,
  timeoutMs: number,
): Promise<ProbeResult> =>
  step(`probing ${adapter.name}/${model} (a one-line live call)`, () =>
    probeOnce(adapter, model, env, binary, timeoutMs),
  );

function probeOnce(
  adapter: ProviderAdapter,
  model: string,
  env: NodeJS.ProcessEnv,
  binary: string | undefined,
  timeoutMs: number,
): Promise<ProbeResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-runner-probe-'));
  execFile('git', ['init', '-q', dir], () => undefined);
  const spec = adapter.buildLaunch({ lane: 'headless', model, worktree: dir, beads: 'dx-runner-probe', env, binary });
  prepareSetup(spec.setup);
  const t0 = Date.now();
  return new Promise((resolve) => {
    let summary: OutputSummary = emptySummary();
    const child = spawn(spec.command, spec.args, {
      cwd: dir,
      env: spec.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdin.end('Reply with the single word READY.');
    let buf = '';
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) for (const e of adapter.parseStdoutLine(l)) summary = foldEvent(summary, e);
    });
    child.stderr.on('data', (c: Buffer) => {
      for (const l of c.toString('utf8').split('\n'))
        for (const e of adapter.parseStderrLine(l)) summary = foldEvent(summary, e);
    });
    const finish = (r: ProbeResult) => {
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
      resolve(r);
    };
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
      finish({ ok: false, reason: summary.errorReason ?? summary.retryReason ?? 'probe_timeout', ms: Date.now() - t0 });
    }, timeoutMs);
    child.on('error', () => finish({ ok: false, reason: `${adapter.name}_binary_missing`, ms: Date.now() - t0 }));
    child.on('exit', (code) => {
      const ok = code === 0 && summary.completed && !summary.errorReason;
      finish({ ok, reason: ok ? null : (summary.errorReason ?? `exit_${code}`), ms: Date.now() - t0 });
    });
  });
}
