import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { commandErrorLine, DxError } from '../core/errors.js';
import { createWorktree } from '../jobs/worktree.js';
import { redactUrl } from './connection.js';

const run = promisify(execFile);

/** A remote's folder name in the cache. */
const keyOf = (url: string) => createHash('sha256').update(url).digest('hex').slice(0, 16);

/**
 * A host's clones of the shared remotes (`--repo-cache`): one bare clone per remote URL, fetched before each
 * attempt, that the attempts' worktrees are linked to. Its `origin` is the remote, where each attempt's branch
 * is pushed. git steps on the clones run one at a time: a fetch holds a clone's locks, and it reads every
 * worktree's HEAD, which fails while another worktree is being added (`bad object worktrees/<name>/HEAD`).
 */
export class RepoCache {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {}

  /** A new worktree on `branch` at the commit `base` is on the remote now, of the clone of `url` (made if missing). */
  addWorktree(url: string, base: string, beads: string, worktree: string, branch: string): Promise<void> {
    const next = this.chain.then(async () => {
      const { clone, commit } = await this.fetch(url, base);
      await createWorktree(beads, worktree, { repo: clone, base: commit, branch });
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Where a fleet wave's merge queue lands its items (delivery/remote.ts makes it): its own clone of `url`. */
  landingClone = (url: string, wave: number) => path.join(this.dir, 'landing', `${keyOf(url)}-w${wave}`);

  private async fetch(url: string, base: string) {
    const clone = path.join(this.dir, keyOf(url));
    try {
      if (!fs.existsSync(path.join(clone, 'HEAD'))) {
        fs.mkdirSync(this.dir, { recursive: true });
        fs.rmSync(clone, { recursive: true, force: true });
        await run('git', ['clone', '-q', '--bare', url, clone]);
      }
      await run('git', ['-C', clone, 'fetch', '-q', 'origin', base]);
      const { stdout } = await run('git', ['-C', clone, 'rev-parse', 'FETCH_HEAD^{commit}']);
      return { clone, commit: stdout.trim() };
    } catch (e) {
      throw new DxError(
        'fleet_repo_unreachable',
        `cannot fetch ${base} from ${redactUrl(url)}: ${commandErrorLine(e).replaceAll(url, redactUrl(url))}; ` +
          'check --repo and that this host can reach it',
      );
    }
  }
}
