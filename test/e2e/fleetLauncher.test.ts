import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DxError } from '../../src/core/errors.js';
import { fleetJobData } from '../../src/fleet/client.js';
import { Launcher } from '../../src/fleet/launcher.js';
import { CLI, finishedReport, freePort, makeRepo, sandbox, tmpDir, waitFor, type Sandbox } from '../helpers.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { stdio: 'pipe' }).toString();

/**
 * A worker's launcher as the worker drives it: the real `dx-runner __fleet-launch` process, a bare repository as
 * the shared remote, real opencode against the scripted model; a remote that never answers is a loopback port
 * that takes connections and says nothing.
 */
describe('the fleet launcher', () => {
  let sb: Sandbox;
  let remote: string;
  let launcher: Launcher;
  let silent: net.Server;
  const held = new Set<net.Socket>();
  let silentUrl: string;

  beforeAll(async () => {
    sb = await sandbox();
    const { repo } = makeRepo();
    remote = path.join(tmpDir('remote'), 'shared.git');
    git(repo, 'clone', '-q', '--bare', repo, remote);
    launcher = new Launcher({ home: sb.home, repoCache: tmpDir('repo-cache'), env: sb.env, cli: CLI });
    const port = await freePort();
    silent = net.createServer((s) => held.add(s).size && s.on('close', () => held.delete(s)));
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    silentUrl = `git://127.0.0.1:${port}/shared.git`;
  });

  afterAll(async () => {
    await launcher?.close();
    for (const s of held) s.destroy();
    silent?.close();
    await sb?.close();
  });

  const job = (beads: string, repo: string, task = '@mock say ok') =>
    fleetJobData({ beads, prompt: task, repo }, Date.now());
  /** the refusal a start came back with (it fails the test when it started) */
  const refusal = (p: Promise<unknown>) =>
    p.then(
      (l) => expect.fail(`started: ${JSON.stringify(l)}`),
      (e: unknown) => e as DxError,
    );

  it('a refusal comes back as the DxError it was, with its reason code; the launcher goes on', async () => {
    const pid = launcher.pid;
    const unreachable = await refusal(
      launcher.launch(job('bd-ln.1', path.join(tmpDir('gone'), 'x.git')), 1, undefined),
    );
    expect(unreachable).toBeInstanceOf(DxError);
    expect(unreachable).toMatchObject({ reasonCode: 'fleet_repo_unreachable' });
    expect(unreachable.message).toMatch(/^cannot fetch main from .*; check --repo/);
    // refusals of the local start itself (the model is not one opencode lists), after the worktrees are made:
    // starts at once on one clone, each fetching it and adding its worktree
    const beads = ['bd-ln.2a', 'bd-ln.2b', 'bd-ln.2c', 'bd-ln.2d'];
    const refused = await Promise.all(
      beads.map((b) => refusal(launcher.launch({ ...job(b, remote), model: 'nowhere/no-such-model' }, 1, undefined))),
    );
    expect(refused.map((e) => [e.reasonCode, e.message.slice(0, 60)])).toEqual(
      beads.map(() => ['model_unavailable', expect.any(String)]),
    );
    expect(launcher.pid).toBe(pid);
  });

  it('the launcher killed mid-start: that start is refused; the next start spawns another to start it', async () => {
    const first = launcher.pid as number;
    // its fetch waits on a remote that never answers
    const hanging = refusal(launcher.launch(job('bd-ln.3', silentUrl), 1, undefined));
    process.kill(first, 'SIGKILL');
    const lost = await hanging;
    expect(lost).toMatchObject({ reasonCode: 'internal_error' });
    expect(lost.message).toBe('the launcher ended (SIGKILL) before it answered the start of bd-ln.3');
    expect(launcher.pid).toBeNull();
    for (const s of held) s.destroy(); // the killed launcher's git fetch ends with its connection

    const started = await launcher.launch(
      job('bd-ln.4', remote, '@mock write ln.txt done\n@mock say ok'),
      2,
      undefined,
    );
    expect(launcher.pid).not.toBe(first);
    expect(started).toMatchObject({ branch: 'fleet/bd-ln.4/a2' });
    expect(await finishedReport('bd-ln.4', sb.env)).toMatchObject({ outcome_state: 'success' });
    // its supervisor pushes the branch once the outcome is recorded
    const pushed = () => git(remote, 'branch', '--list', 'fleet/bd-ln.4/a2').trim() || undefined;
    await waitFor('bd-ln.4 pushed', pushed);
    expect(git(remote, 'show', 'fleet/bd-ln.4/a2:ln.txt').trim()).toBe('done');
  });
});
