import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  cliJson,
  expectGroupGone,
  freePort,
  makeRepo,
  type Sandbox,
  useSandbox,
  waitFor,
  writePrompt,
} from '../helpers.js';

interface ServeStatus {
  running: boolean;
  healthy: boolean;
  url: string;
  pid: number;
  restarts: number;
  password_file: string;
}

/** The shared `opencode serve` lane: a managed server, jobs over HTTP via the SDK, and attach clients. */
describe('server lane through a real opencode serve', () => {
  const ctx = useSandbox();
  let sb: Sandbox;
  let prompts: string;
  let port: number;
  beforeAll(async () => {
    sb = ctx.sb();
    prompts = ctx.prompts();
    port = await freePort();
  });
  afterAll(async () => {
    await cli(['serve', 'stop'], { env: sb.env });
  });

  const json = <T = Record<string, unknown>>(args: string[]) => cliJson<T>(args, { env: sb.env });
  // a server-lane job under load (sessions of one server beside another e2e file on two cores) has taken over
  // 90 s; a job that does not finish says where it stopped
  const finished = async (beads: string) => {
    let last: unknown;
    try {
      return await waitFor(
        `${beads} to finish`,
        async () => {
          const r = await json<{
            outcome_state: string | null;
            state: string;
            reason_code: string;
            execution_mode: string;
            session_id: string | null;
            retries: number;
          }>(['report', '--beads', beads]);
          last = r;
          return r.outcome_state ? r : undefined;
        },
        180_000,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}; its last report: ${JSON.stringify(last)}`, { cause: e });
    }
  };

  it('refuses a non-loopback address and a lane without a server', async () => {
    expect(await json(['serve', 'start', '--hostname', '0.0.0.0', '--port', String(port)])).toMatchObject({
      error: { reason_code: 'non_loopback_refused' },
      _code: 2,
    });
    const wt = makeRepo(1).worktrees[0];
    const r = await json([
      'start',
      '--lane',
      'server',
      '--beads',
      'bd-nosrv',
      '--prompt-file',
      writePrompt(prompts, 'x'),
      '--worktree',
      wt,
    ]);
    expect(r).toMatchObject({ error: { reason_code: 'opencode_attach_missing_url' }, _code: 27 });
  });

  it('serve start: healthy on loopback, basic auth required, secret in a 0600 file', async () => {
    const s = await json<ServeStatus>(['serve', 'start', '--port', String(port)]);
    expect(s).toMatchObject({ running: true, healthy: true, url: `http://127.0.0.1:${port}` });
    expect(fs.statSync(s.password_file).mode & 0o777).toBe(0o600);
    expect((await fetch(`${s.url}/global/health`)).status).toBe(401);
    expect(await json(['serve', 'status'])).toMatchObject({ healthy: true, _code: 0 });
  });

  it('with the managed server up, a first start lists the models through its API, not the CLI', async () => {
    fs.rmSync(path.join(sb.home, 'cache'), { recursive: true, force: true });
    const wt = makeRepo(1).worktrees[0];
    const args = ['start', '--dry-run', '--beads', 'bd-models', '--prompt-file', writePrompt(prompts, 'x')];
    const r = await cli([...args, '--worktree', wt], { env: sb.env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('dx-runner: listing opencode models from the managed server (first start on this host)');
    expect(r.stderr).not.toContain('dx-runner: listing opencode models (');
    const cache = JSON.parse(fs.readFileSync(path.join(sb.home, 'cache', 'opencode-models.json'), 'utf8'));
    expect(cache.models).toContain('zhipuai-coding-plan/glm-5');
  });

  it('3 server-lane jobs in parallel each edit their own worktree; stop aborts only its own session', async () => {
    const { worktrees } = makeRepo(4);
    const beads = worktrees.slice(0, 3).map((_, i) => `bd-srv.${i}`);
    const starts = await Promise.all(
      beads.map((b, i) =>
        json([
          'start',
          '--lane',
          'server',
          '--beads',
          b,
          '--prompt-file',
          writePrompt(prompts, `Job ${i}.\n@mock write out-${i}.txt from ${b}\\n\n@mock say done ${i}`),
          '--worktree',
          worktrees[i],
        ]),
      ),
    );
    for (const r of starts) expect(r, JSON.stringify(r)).toMatchObject({ _code: 0 });
    const slow = await json<{ pid: number }>([
      'start',
      '--lane',
      'server',
      '--beads',
      'bd-srv.slow',
      '--prompt-file',
      writePrompt(prompts, 'Slow.\n@mock stall 120'),
      '--worktree',
      worktrees[3],
    ]);
    expect(slow, JSON.stringify(slow)).toMatchObject({ _code: 0 });
    // under load (three sessions and another e2e file on two cores) its session has taken over a minute to open;
    // a run that ends without one says why instead of waiting out the deadline
    let slowReport: { log_file?: string; state?: string } = {};
    const slowRun = await waitFor(
      'the slow session id, or its end',
      async () => {
        const r = await json<{
          session_id: string | null;
          outcome_state: string | null;
          reason_code: string;
          state: string;
          log_file: string;
        }>(['report', '--beads', 'bd-srv.slow']);
        slowReport = r;
        return r.session_id || r.outcome_state ? r : undefined;
      },
      180_000,
    ).catch((e: Error) => {
      // where the job stands: its state, and the tails of its supervisor's log and the agent's stderr
      const dir = path.dirname(slowReport.log_file ?? '.');
      const tail = (f: string) =>
        fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8').slice(-1500) : '(none)';
      throw new Error(
        `${e.message}; state ${slowReport.state}; supervisor.log: ${tail('supervisor.log')}; ` +
          `agent.err: ${tail('agent.err')}; agent.out: ${tail('agent.out')}`,
        { cause: e },
      );
    });
    expect(slowRun.session_id, `the slow job ended without a session: ${slowRun.reason_code}`).toEqual(
      expect.any(String),
    );
    const slowSession = slowRun.session_id as string;
    expect(await json(['stop', '--beads', 'bd-srv.slow'])).toMatchObject({
      state: 'stopped',
      reason_code: 'manual_stop',
    });
    expectGroupGone(slow.pid);
    // once stop returned, the server no longer works on the session (it lists the sessions of the directory asked)
    const { url } = await json<ServeStatus>(['serve', 'status']);
    const password = fs.readFileSync(path.join(sb.home, 'server', 'password'), 'utf8');
    const status = (await (
      await fetch(`${url}/session/status?directory=${encodeURIComponent(worktrees[3])}`, {
        headers: { authorization: `Basic ${Buffer.from(`opencode:${password}`).toString('base64')}` },
      })
    ).json()) as Record<string, { type: string }>;
    expect(status[slowSession]?.type ?? 'idle').toBe('idle');

    for (const [i, b] of beads.entries()) {
      const r = await finished(b);
      expect(r).toMatchObject({ state: 'exited_ok', execution_mode: 'server' });
      expect(fs.readFileSync(path.join(worktrees[i], `out-${i}.txt`), 'utf8')).toBe(`from ${b}\n`);
      expect(fs.existsSync(path.join(worktrees[(i + 1) % 3], `out-${i}.txt`))).toBe(false);
    }
  }, 480_000);

  it('an attach-lane job runs as a light client of the same server', async () => {
    const wt = makeRepo(1).worktrees[0];
    await json([
      'start',
      '--lane',
      'attach',
      '--beads',
      'bd-attach',
      '--prompt-file',
      writePrompt(prompts, 'Attach.\n@mock write attached.txt yes\\n\n@mock say ok'),
      '--worktree',
      wt,
    ]);
    expect(await finished('bd-attach')).toMatchObject({ state: 'exited_ok', execution_mode: 'attach' });
    expect(fs.readFileSync(path.join(wt, 'attached.txt'), 'utf8')).toBe('yes\n');
  });

  it('attach-lane stop aborts its session on the server: the command there ends, nothing writes later', async () => {
    const wt = makeRepo(1).worktrees[0];
    const prompt = writePrompt(prompts, 'Slow.\n@mock bash sleep 20; echo late > notes-late.txt\n@mock say done');
    await json(['start', '--lane', 'attach', '--beads', 'bd-attach-stop', '--prompt-file', prompt, '--worktree', wt]);
    // the command runs under the server, not under the job: found by its working directory
    const sleepsIn = (dir: string) =>
      fs.readdirSync('/proc').filter((p) => {
        try {
          return (
            fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('sleep\0') &&
            fs.realpathSync(`/proc/${p}/cwd`) === fs.realpathSync(dir)
          );
        } catch {
          return false;
        }
      });
    await waitFor('the command to run on the server', () => (sleepsIn(wt).length > 0 ? true : undefined), 180_000);

    const stop = await json<{ ended: { sessions_aborted: number; left: number } }>([
      'stop',
      '--beads',
      'bd-attach-stop',
    ]);
    expect(stop).toMatchObject({ state: 'stopped', ended: { sessions_aborted: 1, left: 0 } });
    await waitFor('the command to end', () => (sleepsIn(wt).length === 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 22_000)); // past the command's 20 s
    expect(fs.existsSync(path.join(wt, 'notes-late.txt'))).toBe(false);
  }, 300_000);

  it('killing the server mid-job: server_lost, the server restarted, the watchdog re-dispatches the job', async () => {
    const wt = makeRepo(1).worktrees[0];
    const before = await json<ServeStatus>(['serve', 'status']);
    await json([
      'start',
      '--lane',
      'server',
      '--beads',
      'bd-lost',
      '--prompt-file',
      writePrompt(prompts, 'Survive.\n@mock stall 6\n@mock write survived.txt yes\\n\n@mock say ok'),
      '--worktree',
      wt,
    ]);
    await waitFor(
      'the session to start',
      async () => (await json<{ session_id: string | null }>(['report', '--beads', 'bd-lost'])).session_id ?? undefined,
    );
    process.kill(before.pid, 'SIGKILL');

    const lost = await finished('bd-lost');
    expect(lost).toMatchObject({ state: 'exited_err', reason_code: 'server_lost' });
    expect((await json(['check', '--beads', 'bd-lost'])).next_action).toBe(
      'check_dx_runner_serve_status_then_let_watchdog_redispatch',
    );
    const after = await waitFor('the keeper to restart the server', async () => {
      const s = await json<ServeStatus>(['serve', 'status']);
      return s.healthy && s.pid !== before.pid ? s : undefined;
    });
    expect(after.restarts).toBe(before.restarts + 1);

    const pass = await cli(['watchdog', '--once', '--json', '--max-retries', '1'], { env: sb.env });
    expect((JSON.parse(pass.stdout) as { jobs: Array<{ beads: string; action: string }> }).jobs).toContainEqual(
      expect.objectContaining({ beads: 'bd-lost', action: 'restarted' }),
    );
    await waitFor(
      'the re-dispatched run to finish',
      async () =>
        (await json<{ state: string }>(['check', '--beads', 'bd-lost'])).state === 'exited_ok' ? true : undefined,
      60_000,
    );
    expect(await json(['report', '--beads', 'bd-lost'])).toMatchObject({ retries: 1, execution_mode: 'server' });
    expect(fs.readFileSync(path.join(wt, 'survived.txt'), 'utf8')).toBe('yes\n');
  });

  // last: it kills the shared server again (its keeper restarts it)
  it('an attach client whose server is killed while it waits at the model ends server_lost', async () => {
    const wt = makeRepo(1).worktrees[0];
    const before = await json<ServeStatus>(['serve', 'status']);
    const prompt = writePrompt(prompts, 'Wait.\n@mock stall 300');
    await json(['start', '--lane', 'attach', '--beads', 'bd-attach-lost', '--prompt-file', prompt, '--worktree', wt]);
    // the client names its session only with its first output: the server says when the turn is under way
    const password = fs.readFileSync(before.password_file, 'utf8');
    const authorization = `Basic ${Buffer.from(`opencode:${password}`).toString('base64')}`;
    const query = `${before.url}/session/status?directory=${encodeURIComponent(wt)}`;
    await waitFor(
      'the session to wait at the model',
      async () => {
        const busy = (await (await fetch(query, { headers: { authorization } })).json()) as Record<string, unknown>;
        return Object.keys(busy).length > 0 ? true : undefined;
      },
      180_000,
    );
    process.kill(before.pid, 'SIGKILL');

    expect(await finished('bd-attach-lost')).toMatchObject({
      state: 'exited_err',
      reason_code: 'server_lost',
      execution_mode: 'attach',
    });
    expect((await json(['check', '--beads', 'bd-attach-lost'])).next_action).toBe(
      'check_dx_runner_serve_status_then_let_watchdog_redispatch',
    );
  }, 420_000);
});
