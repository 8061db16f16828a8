import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { DxError } from '../core/errors.js';
import { asReasonCode } from '../core/reasons.js';
import { providerCap } from '../jobs/options.js';
import {
  DELIVER_MODES,
  gateInputsSchema,
  laneSchema,
  MERGE_STRATEGIES,
  sandboxModeSchema,
  workInputsSchema,
} from '../contract/index.js';
import { assertDeliverable } from '../delivery/job.js';
import { checkNewWorktreePolicy, checkWorktreePolicy, guardPrompt } from '../governance/index.js';
import { workTreeTop } from '../governance/git.js';
import { promptText, readPromptFile, validateBeadsId } from '../jobs/validate.js';
import { createWorktree, worktreeSource, type WorktreeSource } from '../jobs/worktree.js';
import { getProvider, providerNames } from '../providers/index.js';
import { FALLBACK_CHAIN } from '../providers/policy.js';
import { defaultFallback, type ItemSpec } from './decide.js';

/** How an item's work is delivered: an item's own fields win over the manifest's. */
const delivery = {
  deliver: z.enum(DELIVER_MODES).optional(),
  remote: z.string().min(1).optional(),
  merge_strategy: z.enum(MERGE_STRATEGIES).optional(),
  branch_prefix: z.string().min(1).optional(),
};

/**
 * `base` is where a missing worktree starts, the feature-key gate's base, and the branch `deliver: merge` lands
 * on; `gates` the required gates.
 */
const item = z
  .object({
    beads: z.string().min(1),
    prompt: z.string().min(1).optional(),
    prompt_file: z.string().min(1).optional(),
    worktree: z.string().min(1).optional(),
    repo: z.string().min(1).optional(),
    base: gateInputsSchema.shape.base,
    provider: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    lane: laneSchema.optional(),
    sandbox: sandboxModeSchema.optional(),
    fallback_provider: z.string().min(1).nullable().optional(),
    fallback_model: z.string().min(1).optional(),
    gates: gateInputsSchema.shape.required.optional(),
    ...delivery,
    ...gateInputsSchema.omit({ required: true, base: true }).shape,
    ...workInputsSchema.shape,
  })
  .strict()
  .refine((i) => (i.prompt === undefined) !== (i.prompt_file === undefined), {
    message: 'give exactly one of prompt or prompt_file',
    path: ['prompt'],
  });

/** The wave manifest (YAML). Top-level keys are defaults for every item. */
export const manifestSchema = z
  .object({
    repo: z.string().min(1).optional(),
    base: gateInputsSchema.shape.base,
    worktree_root: z.string().min(1).optional(),
    provider: z.string().min(1).optional(),
    sandbox: sandboxModeSchema.optional(),
    fallback_provider: z.string().min(1).nullable().optional(),
    critical: z.boolean().optional(),
    ...workInputsSchema.shape,
    ...delivery,
    items: z.array(item).min(1),
  })
  .strict();

export type Manifest = z.infer<typeof manifestSchema>;

/** Reads and validates a manifest file; a bad one is one line naming the line and the field. */
export function readManifest(file: string): Manifest {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new DxError(
      'manifest_unreadable',
      `manifest ${file} cannot be read; pass an existing YAML file with --manifest`,
    );
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = lines.linePos(e.pos[0]).line;
    throw new DxError(
      'manifest_invalid',
      `${file}:${line}: not valid YAML (${e.message.split('\n')[0]}); fix the file`,
    );
  }
  const parsed = manifestSchema.safeParse(doc.toJS());
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  // the nearest node that exists names the line (a missing field: its parent)
  let line = 1;
  for (let p = issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k)); ; p = p.slice(0, -1)) {
    const node = doc.getIn(p, true) as { range?: [number, number, number] } | undefined;
    if (node?.range) {
      line = lines.linePos(node.range[0]).line;
      break;
    }
    if (!p.length) break;
  }
  const field = issue.path.join('.') || '(top level)';
  throw new DxError(
    'manifest_invalid',
    `${file}:${line}: ${field}: ${issue.message}; fix the manifest (see README, Waves)`,
  );
}

export interface PlannedItem {
  beads: string;
  spec: ItemSpec;
  /** the worktree to create (from repo at base) before the wave is recorded */
  create?: WorktreeSource;
}

/**
 * An item's fallback provider: its own, else the manifest's, else the next of the chain; null: none. An unknown
 * name is refused now, not when the fallback is needed.
 */
export function itemFallback(it: Manifest['items'][number], m: Manifest, provider: string): string | null {
  const fb =
    it.fallback_provider !== undefined
      ? it.fallback_provider
      : m.fallback_provider !== undefined
        ? m.fallback_provider
        : defaultFallback(provider, FALLBACK_CHAIN, providerNames());
  return fb ? getProvider(fb).name : null;
}

/** Manifest → validated items (absolute paths). Reads prompts and checks everything; changes nothing. */
export function planWave(m: Manifest, baseDir: string): PlannedItem[] {
  const seen = new Set<string>();
  const abs = (p: string | undefined) => (p === undefined ? undefined : path.resolve(baseDir, p));
  return m.items.map((it, i) => {
    const beads = validateBeadsId(it.beads);
    if (seen.has(beads))
      throw new DxError('manifest_invalid', `items.${i}.beads: bead ${beads} is listed twice; list each bead once`);
    seen.add(beads);
    const promptFile = abs(it.prompt_file);
    guardPrompt(
      it.prompt === undefined ? readPromptFile(promptFile) : promptText(`items.${i}.prompt`, Buffer.from(it.prompt)),
    );
    const provider = getProvider(it.provider ?? m.provider ?? 'opencode').name;
    const fb = itemFallback(it, m, provider);
    const root = abs(m.worktree_root);
    const worktree = abs(it.worktree) ?? (root ? path.join(root, beads) : undefined);
    if (!worktree)
      throw new DxError(
        'worktree_missing',
        `items.${i} (${beads}) has no worktree; give it one, or a worktree_root (--worktree-root)`,
        'input',
      );
    const create = fs.existsSync(worktree)
      ? undefined
      : worktreeSource(
          worktree,
          beads,
          abs(it.repo ?? m.repo) ?? workTreeTop(baseDir) ?? undefined,
          it.base ?? m.base ?? 'HEAD',
          it.branch_prefix ?? m.branch_prefix,
        );
    const deliver = it.deliver ?? m.deliver;
    const base = it.base ?? m.base;
    const policy =
      deliver && deliver !== 'none'
        ? {
            mode: deliver,
            remote: it.remote ?? m.remote ?? 'origin',
            strategy: it.merge_strategy ?? m.merge_strategy ?? 'rebase',
            ...(base && base !== 'HEAD' ? { base } : {}),
          }
        : undefined;
    assertDeliverable(create?.repo ?? worktree, policy);
    const spec: ItemSpec = {
      prompt: it.prompt,
      promptFile,
      worktree,
      provider,
      model: it.model,
      lane: it.lane,
      sandbox: it.sandbox ?? m.sandbox,
      fallbackProvider: fb,
      fallbackModel: it.fallback_model,
      gates: it.gates,
      featureKey: it.feature_key,
      base: it.base ?? m.base,
      branch: it.branch,
      allowedPathsFile: abs(it.allowed_paths_file),
      mutationBudget: it.mutation_budget,
      signoffFile: it.signoff_file,
      commit: it.commit ?? m.commit,
      verifyCmd: it.verify_cmd ?? m.verify_cmd,
      verifyTimeoutSec: it.verify_timeout_sec ?? m.verify_timeout_sec,
      ...(policy ? { delivery: policy } : {}),
      cwd: baseDir,
    };
    return { beads, spec, create };
  });
}

/**
 * Every item's worktree against the worktree policy (one to be made: under an allowed prefix or beside its
 * repository), and every provider's cap variable, before anything is made or recorded: one line names the first
 * refused item and how many more there are.
 */
export function checkWave(items: readonly PlannedItem[], env: NodeJS.ProcessEnv): void {
  for (const p of new Set(items.flatMap((it) => [it.spec.provider, it.spec.fallbackProvider ?? []].flat())))
    providerCap(p, env);
  const refused = items.flatMap((it, i) => {
    const v = it.create
      ? checkNewWorktreePolicy(it.spec.worktree, it.create.repo, env)
      : checkWorktreePolicy(it.spec.worktree, env);
    return v.passed ? [] : [{ i, beads: it.beads, v }];
  });
  if (!refused.length) return;
  const [first] = refused;
  const more = refused.length > 1 ? ` (and ${refused.length - 1} more items refused)` : '';
  throw new DxError(
    asReasonCode(first.v.reason_code),
    `items.${first.i} (${first.beads}): ${first.v.details}${more}; nothing was recorded`,
  );
}

/** Creates the missing worktrees as linked git worktrees on the job's branch (`<prefix>/<bead id>`). */
export async function createWorktrees(items: readonly PlannedItem[]): Promise<void> {
  for (const it of items)
    if (it.create && !fs.existsSync(it.spec.worktree)) await createWorktree(it.beads, it.spec.worktree, it.create);
}
