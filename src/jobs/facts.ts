import fs from 'node:fs';
import path from 'node:path';
import { DxError } from '../core/errors.js';
import { step } from '../core/progress.js';
import { workTreeFacts, workTreeTop } from '../governance/git.js';
import { baselineGate, checkNewWorktreePolicy, checkWorktreePolicy, readAllowedPaths } from '../governance/index.js';
import { which } from '../providers/binary.js';
import type { LaunchSpec } from '../providers/types.js';
import { firstRefusal, modelFacts, providerChecks, type ProviderFacts, type ServerFact } from '../providers/verdict.js';
import { probeHealth, readPassword, serverUrl } from '../server/index.js';
import type { Store } from '../store/index.js';
import type { StartOptions } from './options.js';
import { knownModels } from './models.js';
import {
  chooseProvider,
  type Candidate,
  type Chosen,
  type JobFacts,
  type JobPlan,
  type JobWorktree,
  type SandboxFacts,
} from './plan.js';
import { bwrapWorks } from './sandboxProbe.js';
import { readPrompt, validateBeadsId } from './validate.js';
import { assertSameRepo, decideWorktreeSlot, gitTree, worktreeSource } from './worktree.js';

/** The edge of start: what the plan decides on, read from files, git, the provider CLIs and the shared server. */

/** A fact that cannot be had is kept as its refusal: the plan raises it in its turn. */
function attempt<T>(gather: () => T): T | DxError {
  try {
    return gather();
  } catch (e) {
    if (e instanceof DxError) return e;
    throw e;
  }
}

/** The worktree a job runs in, and whether it is a linked one (for the worktree policy). */
function resolveWorktree(explicit: string | undefined, cwd: string): { path: string; linked: boolean } {
  if (explicit) {
    const abs = path.resolve(cwd, explicit);
    if (!fs.existsSync(abs)) {
      throw new DxError(
        'worktree_missing',
        `worktree ${abs} does not exist; create it (git worktree add ${abs}) or pass another --worktree`,
      );
    }
    if (!fs.statSync(abs).isDirectory())
      throw new DxError(
        'worktree_not_git',
        `worktree ${abs} is not a directory; pass a git worktree's directory with --worktree`,
      );
    const real = fs.realpathSync(abs);
    const tree = workTreeFacts(real);
    if (!tree) {
      throw new DxError(
        'worktree_not_git',
        `worktree ${real} is not a git work tree; pass a git worktree with --worktree (git worktree add <dir>)`,
      );
    }
    return { path: real, linked: tree.linked };
  }
  const tree = workTreeFacts(cwd);
  if (!tree) {
    throw new DxError(
      'worktree_missing',
      `no --worktree given and ${cwd} is not inside a git work tree; pass --worktree <dir>`,
    );
  }
  return { path: fs.realpathSync(cwd), linked: tree.linked };
}

/** The real path of a path that may not exist yet: its nearest existing folder resolved (symlinks), then the rest. */
function realPath(p: string): string {
  if (fs.existsSync(p)) return fs.realpathSync(p);
  const parent = path.dirname(p);
  return parent === p ? p : path.join(realPath(parent), path.basename(p));
}

/**
 * `--worktree-root D`: the worktree is D/<bead>, reused when it is already a worktree of the repository, else
 * planned to be made from it (made at launch, once every check has passed). Its facts are those it will have:
 * a linked worktree at the base commit.
 */
function worktreeAtRoot(opts: StartOptions): JobWorktree {
  const beads = validateBeadsId(opts.beads);
  const slot = realPath(path.join(path.resolve(opts.cwd, opts.worktreeRoot as string), beads));
  const repo = opts.repo ? path.resolve(opts.cwd, opts.repo) : workTreeTop(opts.cwd);
  if (!repo)
    throw new DxError(
      'not_a_git_repo',
      `--worktree-root needs a repository to make ${slot} from: pass --repo <dir>, or run start inside one`,
    );
  const exists = fs.existsSync(slot);
  if (decideWorktreeSlot(slot, exists, exists ? gitTree(slot) : null, repo, gitTree(repo)) === 'reuse')
    return inWorktree(slot, opts);
  const create = worktreeSource(slot, beads, repo, opts.base ?? 'HEAD', opts.branchPrefix);
  return {
    path: slot,
    policy: checkNewWorktreePolicy(slot, create.repo, opts.env),
    baseline:
      opts.requiredBaseline === undefined ? null : baselineGate(create.repo, opts.requiredBaseline, create.commit),
    create,
  };
}

/** An existing worktree with the policy's verdict and the required baseline's (when asked). */
const inWorktree = (worktree: string, opts: StartOptions, linked?: boolean): JobWorktree => ({
  path: worktree,
  policy: checkWorktreePolicy(worktree, opts.env, linked),
  baseline: opts.requiredBaseline === undefined ? null : baselineGate(worktree, opts.requiredBaseline),
});

/** The job's facts: its prompt, its worktree with the policy's and the baseline gate's verdicts, the allow-list. */
export function gatherJobFacts(opts: StartOptions): JobFacts {
  return {
    prompt: attempt(() => readPrompt(opts)),
    worktree: attempt(() => {
      if (opts.worktreeRoot) return worktreeAtRoot(opts);
      const { path: worktree, linked } = resolveWorktree(opts.worktree, opts.cwd);
      if (opts.repo) {
        const repo = path.resolve(opts.cwd, opts.repo);
        assertSameRepo(worktree, gitTree(worktree), repo, gitTree(repo));
      }
      return inWorktree(worktree, opts, linked);
    }),
    ...(opts.allowedPathsFile ? { allowedPaths: readAllowedPaths(path.resolve(opts.cwd, opts.allowedPathsFile)) } : {}),
  };
}

/** Where start's provider facts come from: the caller's store (the managed server) and the dx-runner home. */
export interface Edge {
  store: Store;
  home: string;
}

/** How long start waits for a listening server's health check (a busy server answers slowly, a down one never). */
const SERVER_HEALTH_TIMEOUT_MS = 15_000;

/** The shared server a job attaches to: --attach URL (credentials from the environment), else the managed one. */
async function sharedServer({ store, home }: Edge, opts: StartOptions): Promise<ServerFact> {
  let target: { url: string; password?: string };
  if (opts.attachUrl) {
    target = { url: opts.attachUrl.replace(/\/+$/, ''), password: opts.env.OPENCODE_SERVER_PASSWORD };
  } else {
    const managed = store.servers.active();
    if (!managed) return null;
    target = { url: serverUrl(managed), password: readPassword(home) };
  }
  // a server that is down refuses the connection at once; one that is busy (sessions booting in other worktrees)
  // has taken seconds to answer its health check, and is no reason to refuse the job: it gets 15 s
  const health = await step(`checking the opencode server at ${target.url}`, () =>
    probeHealth(target.url, target.password ?? '', SERVER_HEALTH_TIMEOUT_MS),
  );
  return { ...target, healthy: !!health?.healthy };
}

/**
 * One candidate's facts, gathered in the order its checks decide (model, credentials, lane and server, launch,
 * binary, model list) and no further than the first refusal: a refused provider costs no listing, no probe.
 */
async function gatherProvider(edge: Edge, job: JobPlan, { adapter, opts, lane }: Candidate): Promise<ProviderFacts> {
  const f: ProviderFacts = { ...modelFacts(adapter, opts, opts.env), auth: adapter.checkAuth?.(opts.env) ?? null };
  const refused = () => firstRefusal(providerChecks(adapter, f, lane)) !== undefined;
  if (refused()) return f;
  if (lane !== 'headless') {
    f.server = await sharedServer(edge, opts);
    if (refused()) return f;
  }
  const server = f.server ? { url: f.server.url, password: f.server.password } : undefined;
  const binary = opts.binaryFor?.(adapter.name);
  const request = { lane, server, model: f.model, worktree: job.worktree, beads: job.beads, env: opts.env, binary };
  f.launch = attempt(() => adapter.buildLaunch(request));
  if (refused()) return f;
  const spec = f.launch as LaunchSpec;
  f.binary = { command: spec.command, found: which(spec.command, spec.env) !== null };
  if (refused()) return f;
  f.models = await knownModels(edge, adapter, adapter.resolveBinary(binary, opts.env), opts.env);
  return f;
}

/** Gathers the candidates' facts one provider at a time, until the plan has chosen (or refused the job). */
export async function gatherChoice(edge: Edge, job: JobPlan): Promise<Chosen> {
  const facts: ProviderFacts[] = [];
  for (;;) {
    const choice = chooseProvider(job, facts);
    if (!('next' in choice)) return choice;
    facts.push(await gatherProvider(edge, job, choice.next));
  }
}

/**
 * What the sandbox decision needs: bwrap probed only for a headless job that may get it, and the git dir only
 * when the job will be confined (the sandbox keeps it writable).
 */
export function gatherSandbox(job: JobPlan, lane: Candidate['lane'], home: string): SandboxFacts {
  if (job.sandbox === 'off' || lane !== 'headless') return { gitCommonDir: null };
  if (!bwrapWorks(job.opts.env, home)) return { bwrapWorks: false, gitCommonDir: null };
  return { bwrapWorks: true, gitCommonDir: gitTree(job.create?.repo ?? job.worktree)?.commonDir ?? null };
}
