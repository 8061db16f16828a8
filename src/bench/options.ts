import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DxError } from '../core/errors.js';
import { LIMITS, parseNumber } from '../core/input.js';
import { guardPrompt } from '../governance/index.js';
import { getProvider } from '../providers/index.js';
import { selectPrompts, WORKFLOWS } from './decide.js';
import { promptSetSchema, type Prompt, type PromptSet } from './schemas.js';

/** A benchmark run's inputs: its options, prompt set, workflows and their models, checked before anything runs. */

export const DEFAULT_PROMPTS_FILE = fileURLToPath(new URL('../../configs/bench/prompts.json', import.meta.url));
export const DEFAULT_OUTPUT_DIR = 'artifacts/opencode-dispatch-bench';
export const OPENCODE_WORKFLOWS = ['opencode_run_headless', 'opencode_server_http', 'opencode_server_attach_run'];

export const stamp = () =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');

/** Reads and validates a prompt set: one clear error naming the first problem. */
export function loadPromptSet(file: string): PromptSet {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const why =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `is not JSON (${(e as Error).message})`;
    throw new DxError(
      'prompt_set_invalid',
      `prompts file ${file} ${why}; pass a JSON prompt set with --prompts-file (see dx-runner schema bench-prompts)`,
    );
  }
  const parsed = promptSetSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DxError(
      'prompt_set_invalid',
      `prompts file ${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}; ` +
        'fix it (see dx-runner schema bench-prompts)',
    );
  }
  return parsed.data;
}

export function parseWorkflows(list: string | undefined, fallback: string[]): string[] {
  const wfs = list
    ? [
        ...new Set(
          list
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
      ]
    : fallback;
  const unknown = wfs.filter((w) => !WORKFLOWS[w]);
  if (unknown.length || !wfs.length) {
    throw new DxError(
      'unknown_workflow',
      `unknown workflow(s) ${unknown.join(', ') || '(none given)'}; use: ${Object.keys(WORKFLOWS).join(', ')}`,
    );
  }
  return wfs;
}

/**
 * Each workflow's model: `--model-for wf=model`, else `--model` for the OpenCode workflows, else the
 * provider's own canonical model (another provider never gets OpenCode's model). Undefined when the
 * provider is not registered: preflight reports that.
 */
export function workflowModels(
  workflows: string[],
  model: string | undefined,
  modelFor: Record<string, string>,
): Record<string, string | undefined> {
  return Object.fromEntries(
    workflows.map((wf) => {
      const { provider } = WORKFLOWS[wf];
      if (modelFor[wf]) return [wf, modelFor[wf]];
      if (model && provider === 'opencode') return [wf, model];
      try {
        return [wf, getProvider(provider).defaultModel];
      } catch {
        return [wf, undefined];
      }
    }),
  );
}

export function parseModelFor(pairs: string[], workflows: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const m = /^([^=]+)=(.+)$/.exec(p);
    if (!m || !workflows.includes(m[1]))
      throw new DxError(
        'invalid_model_for',
        `--model-for takes <workflow>=<model> for one of the run's workflows (${workflows.join(', ')}), got '${p}'`,
      );
    out[m[1]] = m[2];
  }
  return out;
}

export interface RunOptions {
  runId: string;
  outputDir: string;
  cwd: string;
  workflows: string[];
  models: Record<string, string | undefined>;
  promptsFile: string;
  promptIds?: string[];
  parallel: number;
  maxRetries: number;
  timeoutSec: number;
  stallThresholdSec: number;
  pollIntervalSec: number;
  dryRun: boolean;
  keepWorktrees: boolean;
  requiredBaseline: string | null;
  env: NodeJS.ProcessEnv;
}

export const runDirOf = (o: Pick<RunOptions, 'outputDir' | 'cwd' | 'runId'>) =>
  path.resolve(o.cwd, o.outputDir, o.runId);

export function validateRunOptions(o: RunOptions): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(o.runId))
    throw new DxError('invalid_run_id', `run id '${o.runId}' must be letters, digits, '.', '_' or '-'`);
  parseNumber('--parallel', o.parallel, { integer: true, min: 1, max: 64 });
  parseNumber('--max-retries', o.maxRetries, { integer: true, min: 0, max: 10 });
  parseNumber('--timeout-sec', o.timeoutSec, { min: 1, max: LIMITS.seconds.max });
  parseNumber('--stall-threshold-sec', o.stallThresholdSec, { min: 1, max: LIMITS.seconds.max });
  parseNumber('--poll-interval-sec', o.pollIntervalSec, { min: 0.1, max: 60 });
}

/** Validates a run's options and prompt set (bad input fails here, before preflight or any job). */
export function prepareRun(o: RunOptions): Prompt[] {
  validateRunOptions(o);
  const set = loadPromptSet(o.promptsFile);
  const prompts = selectPrompts(set.prompts, o.promptIds);
  if (typeof prompts === 'string') throw new DxError('unknown_prompt_id', `${prompts}; see ${o.promptsFile}`);
  for (const p of prompts) {
    try {
      guardPrompt(p.prompt); // before anything is written: a refused secret must not land in the run folder
    } catch (e) {
      if (e instanceof DxError) throw new DxError(e.reasonCode, `prompt ${p.id}: ${e.message}`);
      throw e;
    }
  }
  return prompts;
}
