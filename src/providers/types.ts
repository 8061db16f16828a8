import type { Lane } from '../contract/index.js';

import type { ReasonCode } from '../core/reasons.js';

/** What every provider adapter offers the core. Adding a provider = one module + one line in registry.ts. */

export interface LaunchRequest {
  lane: Lane;
  /** the shared server, for the attach and server lanes */
  server?: { url: string; password?: string };
  model: string;
  worktree: string;
  beads: string;
  env: NodeJS.ProcessEnv;
  /** explicit binary from the CLI flag; adapters fall back to their env var, the bundled package, then PATH */
  binary?: string;
}

export interface LaunchSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** the prompt reaches the agent on stdin: no argv size limit, and it never shows in `ps` */
  promptVia: 'stdin';
  /** what the command needs on disk first; building a launch only names it, so planning writes nothing */
  setup?: LaunchSetup;
  /** what the CLI needs under the filesystem sandbox beyond the worktree and the repository's git dir */
  sandbox?: SandboxNeeds;
}

/** The system is read-only under the sandbox and /tmp private: what a CLI needs besides. */
export interface SandboxNeeds {
  /** directories the CLI itself writes (its config, data, cache, state): writable, made at launch */
  writable: string[];
  /** files it reads that may lie under /tmp (a config file named by a variable): bound read-only */
  readable: string[];
}

/** A provider's private home and config files, made by the launch step (and a probe) right before the command. */
export interface LaunchSetup {
  /** directories, made owner-only (0700) */
  dirs: string[];
  /** files and their text, rewritten only when the text differs */
  files: Array<{ path: string; text: string }>;
}

/** One observation from the agent's own output, normalised across providers. Every event is a heartbeat. */
export type AgentEvent =
  | { kind: 'session'; sessionId: string }
  /** `text`: what the agent said, when the provider's stream carries it whole (the last one is its answer) */
  | { kind: 'text'; text?: string }
  | { kind: 'tool'; tool: string }
  | { kind: 'step_finish'; final: boolean; tokensIn: number; tokensOut: number }
  | { kind: 'error'; reason: string; message: string }
  /** the provider is retrying a failed model call; counted for fail-fast */
  | { kind: 'retry'; reason: string; message: string };

/**
 * Events that say something (text, a finished tool call or step, an error): "output" for health.
 * Structural markers (a session or step starting) and retried calls are signs of life only.
 */
export const isContent = (e: AgentEvent) =>
  e.kind === 'text' || e.kind === 'tool' || e.kind === 'step_finish' || e.kind === 'error';

/** Where a provider's credentials come from, or why there are none (a reason of kind `credentials`). */
export type AuthCheck = { ok: true; source: string } | { ok: false; reasonCode: ReasonCode; detail: string };

export interface ProviderAdapter {
  readonly name: string;
  /** the CLI it runs: names the `--<cli>-bin` flag and `DX_RUNNER_<CLI>_BIN` (adapters of one CLI share them) */
  readonly cli: string;
  /** live jobs of this provider per host unless DX_RUNNER_MAX_PARALLEL_<PROVIDER> (or a profile) says otherwise */
  readonly defaultMaxParallel: number;
  readonly defaultModel: string;
  /** lanes beyond headless that this provider supports */
  readonly lanes: readonly Lane[];
  /** the environment variable that names a model for this provider (subject to the model policy) */
  readonly modelEnv: string;
  /** how to install the CLI, for error messages */
  readonly installHint: string;
  /** the CLI binary this adapter would run */
  resolveBinary(explicit: string | undefined, env: NodeJS.ProcessEnv): string;
  /**
   * Are credentials for the model present? Reads the environment (and token files) only, no network.
   * Absent for providers whose CLI brings its own configuration (opencode reads its opencode.json).
   */
  checkAuth?(env: NodeJS.ProcessEnv): AuthCheck;
  /** the models the CLI offers (edge: runs the CLI, for at most `boundMs`); null when it cannot tell */
  listModels?(binary: string, env: NodeJS.ProcessEnv, boundMs?: number): Promise<string[] | null>;
  buildLaunch(req: LaunchRequest): LaunchSpec;
  /** one line of the agent's stdout → events (usually 0 or 1, a session id may come along) */
  parseStdoutLine(line: string): AgentEvent[];
  /** one line of the agent's stderr → events (retries and errors the stream does not show) */
  parseStderrLine(line: string): AgentEvent[];
  /** one line of the agent's stdout made readable for `logs`; absent: the OpenCode rendering (report/index.ts) */
  renderLine?(line: string): string;
}
