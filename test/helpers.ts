import { execFile, execFileSync } from 'node:child_process';
import { chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exitCodeFor } from '../src/cli/exit.js';
import { SCHEMAS } from '../src/cli/schemas.js';
import { DxError } from '../src/core/errors.js';
import type { ReasonCode } from '../src/core/reasons.js';
import { sleep } from '../src/core/time.js';
import { modelsKey } from '../src/jobs/models.js';
import { emptySummary, foldEvent, type OutputSummary } from '../src/health/index.js';
import { claudeEnv, geminiEnv, opencodeConfig, startMockModel, type MockModelServer } from '../src/model-mock/index.js';
import { resolveOpencodeBinary } from '../src/providers/opencode.js';
import type { AgentEvent } from '../src/providers/types.js';
import type { ReportOutput } from '../src/report/schemas.js';
import type { WaveReportOutput, WaveStatusOutput } from '../src/report/waveSchemas.js';

import { CLI, xdgEnv } from './testEnv.js';

export { CLI };

export const tmpDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `dx-${prefix}-`));

/** The non-empty lines of a file in test/fixtures/ (output captured from real runs). */
export const fixtureLines = (name: string): string[] =>
  fs
    .readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean);

/** What the supervisor makes of output lines: each parsed into events, all folded into one summary. */
export const foldLines = (lines: string[], parse: (line: string) => AgentEvent[]): OutputSummary =>
  lines.flatMap(parse).reduce(foldEvent, emptySummary());

/** A git repository with one commit, and `n` linked worktrees of it. */
export function makeRepo(worktrees = 0): { repo: string; worktrees: string[] } {
  const repo = tmpDir('repo');
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { stdio: 'pipe' });
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'README.md'), '# test repo\n');
  git(repo, 'add', '.');
  git(repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init');
  const wts = Array.from({ length: worktrees }, (_, i) => {
    const wt = path.join(tmpDir('wt'), `wt${i}`);
    git(repo, 'worktree', 'add', '-q', '-b', `job${i}`, wt);
    return wt;
  });
  return { repo, worktrees: wts };
}

export interface Sandbox {
  env: NodeJS.ProcessEnv;
  home: string;
  mock: MockModelServer;
  close(): Promise<void>;
}

/**
 * A private dx-runner home, and OpenCode, cc-glm and gemini pointed at a fresh scripted model on loopback.
 * OpenCode's own data lives in one shared temp dir per run, as it would for one operator; gemini's
 * lives in the dx-runner home (`<home>/gemini`, the provider's default). The home already holds opencode's model
 * list, as after a first start; a test of the first start uses a home of its own.
 */
export async function sandbox(script?: string): Promise<Sandbox> {
  const mock = await startMockModel({ script });
  const home = tmpDir('home');
  const cfg = path.join(home, 'opencode.json');
  // a private home, as dx-runner keeps it
  fs.writeFileSync(cfg, JSON.stringify(opencodeConfig(mock.url)), { mode: 0o600 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DX_RUNNER_HOME: home,
    OPENCODE_CONFIG: cfg,
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    ...xdgEnv(),
    npm_config_offline: 'true', // nothing the agent does may reach beyond loopback
    ...geminiEnv(mock.url),
    DX_RUNNER_MAX_PARALLEL_OPENCODE: '16', // tests run many jobs at once on purpose; the cap has its own test
    ...claudeEnv(mock.url, 'cc-glm'), // cc-glm's endpoint and token (read by cc-glm only)
  };
  // the model list a home holds after its first start, listed once per run (test/globalSetup.ts)
  const listed = inject('opencodeModels');
  if (listed.length) {
    fs.mkdirSync(path.join(home, 'cache'), { mode: 0o700 });
    const models = { key: modelsKey(resolveOpencodeBinary(undefined, env), env), at: Date.now(), models: listed };
    fs.writeFileSync(path.join(home, 'cache', 'opencode-models.json'), JSON.stringify(models), { mode: 0o600 });
  }
  return { env, home, mock, close: () => mock.close() };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A dx-runner command; `input`, when given, is what its stdin holds. */
export function cli(
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd?: string; input?: string },
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: opts.env, cwd: opts.cwd ?? os.tmpdir() },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export async function cliJson<T = Record<string, unknown>>(
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd?: string; input?: string },
): Promise<T & { _code: number }> {
  const r = await cli([...args, '--json'], opts);
  try {
    return { ...(JSON.parse(r.stdout) as T), _code: r.code };
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
}

export function writePrompt(dir: string, text: string): string {
  const p = path.join(dir, `prompt-${Math.random().toString(36).slice(2)}.txt`);
  fs.writeFileSync(p, text);
  return p;
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  // polls soon, then every second: a poll is often a CLI call, and a test waiting minutes for a real agent
  // would otherwise spend the CPU that agent needs (a third of the suite's, on two cores)
  for (let pause = 250; ; pause = Math.min(1000, pause * 1.5)) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(pause);
  }
}

/**
 * The report of a job once its outcome is recorded; up to 180 s: a real opencode job has taken over 60 s to end
 * on a loaded two-core host, the first one listing the models.
 */
export const finishedReport = (beads: string, env: NodeJS.ProcessEnv) =>
  waitFor(
    `${beads} to finish`,
    async () => {
      const r = await cliJson<ReportOutput>(['report', '--beads', beads], { env });
      return r.outcome_state ? r : undefined;
    },
    180_000,
  );

/** A wave manifest in a fresh folder (`dir`): a fresh repository (`repo:`), `worktree_root:`, then `lines`. */
export function waveManifest(lines: string[]): { repo: string; dir: string; manifest: string } {
  const { repo } = makeRepo(0);
  const dir = tmpDir('wave');
  const manifest = path.join(dir, 'wave.yaml');
  fs.writeFileSync(manifest, [`repo: ${repo}`, `worktree_root: ${path.join(dir, 'wts')}`, ...lines].join('\n'));
  return { repo, dir, manifest };
}

/** Starts the wave of `manifest` (with `flags`), waits for it to be done and returns its report (schema-checked). */
export async function finishedWave(
  manifest: string,
  env: NodeJS.ProcessEnv,
  flags: string[] = [],
): Promise<WaveReportOutput & { _code: number }> {
  const json = <T>(args: string[]) => cliJson<T>(args, { env });
  const started = await json<WaveStatusOutput>(['wave', 'start', '--manifest', manifest, ...flags]);
  expect(started._code, JSON.stringify(started)).toBe(0);
  const wave = String(started.wave);
  await waitFor(
    'the wave to finish',
    async () =>
      (await json<WaveStatusOutput>(['wave', 'status', '--wave', wave])).state === 'done' ? true : undefined,
    200_000,
  );
  const report = await json<WaveReportOutput>(['wave', 'report', '--wave', wave]);
  SCHEMAS['wave-report'].parse(report);
  return report;
}

/** PIDs of live processes in a process group (from /proc), zombies excluded. */
export function groupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (f[0] !== 'Z' && Number(f[2]) === pgid) pids.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Asserts a process group is wholly gone; when it is not, the failure names each process left (ps). */
export function expectGroupGone(pgid: number): void {
  const left = groupMembers(pgid);
  const ps = () => {
    try {
      return execFileSync('ps', ['-o', 'pid,ppid,pgid,stat,etime,args', '-p', left.join(',')], { encoding: 'utf8' });
    } catch {
      return 'ps: gone meanwhile';
    }
  };
  expect(left, left.length ? `left in group ${pgid}:\n${ps()}` : '').toEqual([]);
}

/** Registers a sandbox (and a prompts folder) for the enclosing describe block; `env()` is its env plus `extra`. */
export function useSandbox(extra: NodeJS.ProcessEnv = {}): {
  sb: () => Sandbox;
  prompts: () => string;
  env: () => NodeJS.ProcessEnv;
} {
  let sb: Sandbox;
  let prompts: string;
  beforeAll(async () => {
    sb = await sandbox();
    prompts = tmpDir('prompts');
  });
  afterAll(() => sb.close());
  return { sb: () => sb, prompts: () => prompts, env: () => ({ ...sb.env, ...extra }) };
}

/** A chat request to the scripted model at `url` as an agent sends it (streamed, offering a tool), plus `extra`. */
export const agentChat = (url: string, content: string, extra: object = {}) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'glm-5',
      stream: true,
      tools: [{ type: 'function', function: { name: 'write' } }],
      messages: [{ role: 'user', content }],
      ...extra,
    }),
  });

/** A TCP port nobody listens on right now (the kernel's pick on 127.0.0.1). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A credentials check as `start` answers it: a failure also gets the exit code the CLI gives its reason. */
export const withExitCode = (r: { ok: boolean; reasonCode?: ReasonCode } | undefined) =>
  r && !r.ok && r.reasonCode ? { ...r, exitCode: exitCodeFor(new DxError(r.reasonCode, '')) } : r;

/**
 * Opens a report file in headless Chromium (Debian's, as npm test's pretest installs it), takes a full-page
 * screenshot beside it (`<file>.png`, checked to be more than a blank page) and hands the page to `check`.
 */
export async function inChromium(file: string, check: (page: Page) => Promise<void>): Promise<void> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`file://${file}`);
    const shot = `${file}.png`;
    await page.screenshot({ path: shot, fullPage: true });
    expect(fs.statSync(shot).size).toBeGreaterThan(5000);
    await check(page);
  } finally {
    await browser.close();
  }
}
