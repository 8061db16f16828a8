import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MERGE_STRATEGIES, type DeliveryResult } from '../contract/delivery.js';
import { identity } from './commit.js';
import { deliveryResults, git, overBase, value } from './land.js';

/**
 * The fleet's landing: an item's branch, pushed to the shared remote by the host that ran it, lands on the
 * remote's base branch from a clone kept for it: fetched, put over the base and verified (overBase, as on one
 * host), then pushed to the base as a fast-forward only, the item's branch with it in one atomic push, so the
 * branch then holds exactly what landed. That makes a second landing a no-op: a branch whose head the base already
 * contains is landed (a driver that died after the push, before recording it, is taken over without landing twice).
 */

export const remoteLandingSchema = z.object({
  /** the shared remote (URL or path) */
  remote: z.string(),
  /** the landing clone (made when missing); one landing at a time in it */
  clone: z.string(),
  branch: z.string(),
  base: z.string(),
  strategy: z.enum(MERGE_STRATEGIES),
  verify: z.string().optional(),
});
export type RemoteLanding = z.infer<typeof remoteLandingSchema>;

/** A push the remote refused (its base moved meanwhile) is fetched and tried again, this many times in all. */
const PUSH_TRIES = 3;

/** What the remote holds before a landing: the branch's head, the base's, and whether the base contains the branch. */
export interface RemoteRefs {
  branchHead: string | null;
  baseHead: string | null;
  contained: boolean;
}

/** Pure: what a landing does given the remote's refs. */
export function landingStep(r: RemoteRefs): 'no_base' | 'no_branch' | 'landed' | 'land' {
  if (!r.baseHead) return 'no_base';
  if (!r.branchHead) return 'no_branch';
  return r.contained ? 'landed' : 'land';
}

/** Fetches the base and the branch from the remote into the clone and reads them. */
function remoteRefs(req: RemoteLanding): RemoteRefs {
  const head = (branch: string) => {
    git(req.clone, 'fetch', '-q', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`);
    return value(git(req.clone, 'rev-parse', '--verify', '-q', `refs/remotes/origin/${branch}^{commit}`));
  };
  const baseHead = head(req.base);
  const branchHead = head(req.branch);
  const contained =
    !!baseHead && !!branchHead && git(req.clone, 'merge-base', '--is-ancestor', branchHead, baseHead).ok;
  return { branchHead, baseHead, contained };
}

/** Lands the branch on the remote's base; never throws for git's no (the result says why). */
export function landOnRemote(req: RemoteLanding): DeliveryResult {
  const { done, failed } = deliveryResults('merge', req.branch);

  if (!fs.existsSync(path.join(req.clone, '.git'))) {
    fs.rmSync(req.clone, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(req.clone), { recursive: true });
    const cloned = git(path.dirname(req.clone), 'clone', '-q', '--no-checkout', req.remote, req.clone);
    if (!cloned.ok) return failed('fleet_repo_unreachable', `cannot clone the shared remote: ${cloned.line}`);
    // a rebase commits: dx-runner's identity when the host has none configured, as a job's own commit
    const who = identity(req.clone);
    for (let i = 1; i < who.length; i += 2) git(req.clone, 'config', ...(who[i].split('=') as [string, string]));
  }
  for (let tries = 1; ; tries++) {
    const refs = remoteRefs(req);
    const step = landingStep(refs);
    if (step === 'no_base')
      return failed('base_missing', `the shared remote has no branch ${req.base} to land on; push it, or name another`);
    if (step === 'no_branch')
      return failed('nothing_to_deliver', `the shared remote has no branch ${req.branch} to land`);
    const sha = refs.branchHead as string;
    if (step === 'landed')
      return done({ result: 'landed', detail: `${req.base} holds ${sha.slice(0, 12)} already`, ref: req.base, sha });
    // a clean checkout of the branch: whatever a landing killed midway left here is discarded
    git(req.clone, req.strategy, '--abort');
    git(req.clone, 'checkout', '-q', '-f', '-B', 'dx-landing', sha);
    git(req.clone, 'clean', '-q', '-fdx');
    const over = overBase({ ...req, worktree: req.clone }, refs.baseHead as string);
    if ('reasonCode' in over) return failed(over.reasonCode, over.detail, over.conflicts);
    // no `+` on the base: the remote takes it as a fast-forward only
    const pushed = git(
      req.clone,
      'push',
      '-q',
      '--atomic',
      'origin',
      `${over.head}:refs/heads/${req.base}`,
      `+${over.head}:refs/heads/${req.branch}`,
    );
    if (pushed.ok)
      return done({
        result: 'landed',
        detail: `${req.base} fast-forwarded to ${over.head.slice(0, 12)}`,
        ref: req.base,
        sha: over.head,
      });
    if (tries >= PUSH_TRIES)
      return failed(
        'base_moved',
        `${req.base} kept moving on the shared remote while ${req.branch} landed (${pushed.line}); land it again`,
      );
  }
}
