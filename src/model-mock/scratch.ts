import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { opencodeConfig, startMockModel, type MockModelServer } from './index.js';

/** A scratch project for real opencode jobs against the scripted model: the demo, the bench, the fault figures. */
export interface ScratchProject {
  mock: MockModelServer;
  /** `<base>/repo`: a git repository on `main` with one commit (a README) */
  repo: string;
  /**
   * The environment of dx-runner with state home `home` and of opencode pointed at the scripted model (its config
   * `<base>/opencode.json`, its data under `<base>/xdg`), plus `extra`.
   */
  env(home: string, extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** adds a linked worktree of the repository at `dir`, on a new branch `branch`; returns `dir` */
  worktree(branch: string, dir: string): string;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { stdio: 'pipe' });

/** Starts the scripted model and makes the project under `base`; the README's title is `title`. */
export async function scratchProject(base: string, title: string): Promise<ScratchProject> {
  const repo = path.join(base, 'repo');
  fs.mkdirSync(repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'README.md'), `# ${title}\n`);
  git(repo, 'add', '.');
  git(repo, '-c', 'user.name=dx-runner', '-c', 'user.email=dx-runner@localhost', 'commit', '-qm', 'initial commit');
  const mock = await startMockModel();
  const config = path.join(base, 'opencode.json');
  fs.writeFileSync(config, JSON.stringify(opencodeConfig(mock.url)), { mode: 0o600 });
  const env = (home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    DX_RUNNER_HOME: home,
    OPENCODE_CONFIG: config,
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    XDG_DATA_HOME: path.join(base, 'xdg', 'data'),
    XDG_CONFIG_HOME: path.join(base, 'xdg', 'config'),
    XDG_CACHE_HOME: path.join(base, 'xdg', 'cache'),
    ...extra,
  });
  const worktree = (branch: string, dir: string) => {
    git(repo, 'worktree', 'add', '-q', '-b', branch, dir);
    return dir;
  };
  return { mock, repo, env, worktree };
}
