import fs from 'node:fs';
import path from 'node:path';
import { DxError } from '../core/errors.js';
import { guardPrompt } from '../governance/index.js';
import { promptText, readPromptFile, validateBeadsId } from '../jobs/validate.js';
import { getProvider } from '../providers/index.js';
import { DEFAULT_BRANCH_PREFIX } from '../contract/delivery.js';
import { initialDispatch } from '../wave/decide.js';
import { itemFallback, readManifest, type Manifest } from '../wave/manifest.js';
import type { FleetWaveItem } from './waveData.js';
import { checkBranchPrefix, FLEET_BRANCH_PREFIX } from './names.js';

/**
 * `wave start --fleet`: the same manifest (or --items with --prompt-file) as a local wave, read and checked
 * the same way before anything reaches the engine. Each host makes its item's worktree from the shared remote
 * and pushes its branch, so the fields that name a local worktree, lane or gate have no meaning here and are
 * refused rather than ignored; `deliver: merge` lands each item on its base on that remote (the merge queue).
 */

export interface FleetWaveOptions {
  manifest?: string;
  items?: string;
  promptFile?: string;
  repo?: string;
  base?: string;
  provider?: string;
  critical?: boolean;
  fromBeads?: boolean;
  branchPrefix?: string;
  /** refused: a local wave's flags */
  worktreeRoot?: string;
  limit?: number;
  cwd: string;
}

/** The manifest fields a fleet wave honours; any other is refused by name. */
const FLEET_FIELDS = new Set([
  'beads',
  'prompt',
  'prompt_file',
  'provider',
  'model',
  'fallback_provider',
  'fallback_model',
  'verify_cmd',
  'base',
  'repo',
  'critical',
  'branch_prefix',
  'deliver',
  'merge_strategy',
  'items',
]);

export interface FleetWavePlan {
  critical: boolean;
  repo: string;
  branchPrefix: string;
  items: FleetWaveItem[];
}

function refuseLocalFields(m: Manifest): void {
  const where = [
    ...Object.keys(m).map((k) => k),
    ...m.items.flatMap((it, i) => Object.keys(it).map((k) => `items.${i}.${k}`)),
  ];
  const bad = where.find((k) => !FLEET_FIELDS.has(k.split('.').pop() as string));
  if (bad)
    throw new DxError(
      'manifest_invalid',
      `${bad}: not for a fleet wave (each host makes its worktree from --repo and pushes the branch); ` +
        'remove it, or run the wave on this host without --fleet',
    );
}

/** A local path given as the shared remote is made absolute (a git URL is kept as given). */
const remoteOf = (repo: string, baseDir: string) =>
  fs.existsSync(path.resolve(baseDir, repo)) ? path.resolve(baseDir, repo) : repo;

/** Reads and checks the wave; changes nothing. */
export function planFleetWave(o: FleetWaveOptions): FleetWavePlan {
  if (o.fromBeads)
    throw new DxError('wave_input_conflict', '--from-beads is not for a fleet wave; pass --manifest or --items');
  if (o.worktreeRoot !== undefined || o.limit !== undefined)
    throw new DxError(
      'wave_input_conflict',
      `${o.worktreeRoot !== undefined ? '--worktree-root' : '--limit'} is not for a fleet wave (each host makes ` +
        'its worktree from --repo); leave it out',
    );
  if (o.manifest && o.items) throw new DxError('wave_input_conflict', 'give one of --manifest or --items');
  let m: Manifest;
  let baseDir = o.cwd;
  if (o.manifest) {
    const file = path.resolve(o.cwd, o.manifest);
    m = readManifest(file);
    baseDir = path.dirname(file);
    refuseLocalFields(m);
  } else if (o.items) {
    if (!o.promptFile)
      throw new DxError('prompt_file_missing', '--items needs --prompt-file <path> (the task for every bead)');
    const ids = o.items
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    m = { items: ids.map((beads) => ({ beads, prompt_file: o.promptFile })) };
  } else {
    throw new DxError(
      'wave_input_missing',
      'nothing to run: pass --manifest <wave.yaml>, or --items bd-a,bd-b --prompt-file <file>',
    );
  }
  const repo = o.repo ?? m.repo;
  if (!repo)
    throw new DxError(
      'wave_input_missing',
      'a fleet wave needs the shared remote its hosts clone; pass --repo <git url> or give repo: in the manifest',
    );
  const critical = Boolean(o.critical || m.critical);
  const seen = new Set<string>();
  const items = m.items.map((it, i): FleetWaveItem => {
    const beads = validateBeadsId(it.beads);
    if (seen.has(beads))
      throw new DxError('manifest_invalid', `items.${i}.beads: bead ${beads} is listed twice; list each bead once`);
    seen.add(beads);
    const prompt =
      it.prompt === undefined
        ? readPromptFile(path.resolve(baseDir, it.prompt_file as string))
        : promptText(`items.${i}.prompt`, Buffer.from(it.prompt));
    guardPrompt(prompt);
    const provider = getProvider(o.provider ?? it.provider ?? m.provider ?? 'opencode').name;
    const fallbackProvider = itemFallback(it, m, provider);
    const first = initialDispatch({ provider, fallbackProvider }, critical);
    return {
      beads,
      prompt,
      provider: first.provider,
      model: it.model,
      fallbackProvider,
      fallbackModel: it.fallback_model,
      verifyCmd: it.verify_cmd ?? m.verify_cmd,
      base: o.base ?? it.base ?? m.base ?? 'main',
      dispatch: 0,
      fallbackReason: first.fallbackReason,
      state: 'queued',
      reasonCode: null,
      host: null,
      attempt: null,
      branch: null,
      commit: null,
      delivery: null,
      deliver: it.deliver ?? m.deliver,
      mergeStrategy: it.merge_strategy ?? m.merge_strategy,
      finishedAt: null,
      landing: null,
    };
  });
  const prefix = o.branchPrefix ?? m.branch_prefix ?? FLEET_BRANCH_PREFIX;
  return {
    critical,
    repo: remoteOf(repo, baseDir),
    branchPrefix: checkBranchPrefix(prefix, DEFAULT_BRANCH_PREFIX),
    items,
  };
}
