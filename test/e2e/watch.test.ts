import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cli, cliJson, makeRepo, tmpDir, useSandbox, waitFor, writePrompt, type Sandbox } from '../helpers.js';

/** The live views in a real terminal: tmux runs them, capture-pane reads the screen. */
describe('live view (status --watch, wave status --watch)', () => {
  const ctx = useSandbox();
  let sb: Sandbox;
  let env: NodeJS.ProcessEnv;
  const socket = `dx-watch-${process.pid}`;
  const tmux = (...args: string[]) =>
    execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const screen = (name: string, escapes = false) =>
    tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', `${name}:`);
  const altScreen = (name: string) => tmux('display-message', '-p', '-t', `${name}:`, '#{alternate_on}').trim() === '1';
  /** runs the command in a 120x30 terminal; the pane stays after it exits and says how it exited */
  const open = (name: string, args: string[], extraEnv: Record<string, string> = {}) => {
    const script = path.join(tmpDir('tmux'), 'run.sh');
    const vars = { DX_RUNNER_HOME: sb.home, TERM: 'xterm-256color', ...extraEnv };
    fs.writeFileSync(
      script,
      `${Object.entries(vars)
        .map(([k, v]) => `export ${k}='${v}'`)
        .join('\n')}\n'${process.execPath}' '${CLI}' ${args.join(' ')}\necho "EXITED $?"\nsleep 600\n`,
    );
    tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '30', `bash ${script}`);
  };

  beforeAll(() => {
    sb = ctx.sb();
    env = { ...sb.env, DX_RUNNER_MAX_PARALLEL_OPENCODE: '1' };
    delete env.NO_COLOR;
  });
  afterAll(() => {
    try {
      tmux('kill-server');
    } catch {
      // no server left
    }
  });

  it('wave status --watch redraws in colour on the alternate screen, left clean when the wave ends', async () => {
    const { repo } = makeRepo(0);
    const prompt = writePrompt(ctx.prompts(), 'Hold.\n@mock stall 120');
    const started = await cliJson<{ wave: number }>(
      [
        'wave',
        'start',
        '--items',
        'bd-v.1,bd-v.2',
        '--prompt-file',
        prompt,
        '--worktree-root',
        path.join(tmpDir('wave'), 'wts'),
        '--repo',
        repo,
      ],
      { env },
    );
    expect(started._code).toBe(0);
    open('wave', ['wave', 'status', '--watch', '--wave', String(started.wave)]);
    const view = await waitFor('the live wave view', () => {
      const s = screen('wave');
      return /bd-v\.1\s+opencode\s+(launching|slow_start|waiting_first_output|healthy)/.test(s) &&
        /bd-v\.2\s+opencode\s+queued/.test(s)
        ? s
        : undefined;
    });
    expect(view).toContain(`wave ${started.wave}: running`);
    expect(view).toMatch(/BEAD\s+PROVIDER\s+STATE\s+ELAPSED\s+BYTES\s+MUT\s+LAST EVENT/);
    expect(altScreen('wave')).toBe(true);
    // oxlint-disable-next-line no-control-regex -- the escape sequence that colours a state is what is checked
    expect(screen('wave', true)).toMatch(/\x1b\[\d*;?\d*m/); // coloured states
    // the elapsed cell reads `42 s` or `1 min 5 s`
    const elapsed = () => {
      const m = /bd-v\.1\s+opencode\s+\S+\s+(?:(\d+) min )?(\d+) s/.exec(screen('wave'));
      return m ? Number(m[1] ?? 0) * 60 + Number(m[2]) : undefined;
    };
    const first = await waitFor('the elapsed time of bd-v.1', elapsed);
    await waitFor('the view to refresh in place', () => ((elapsed() ?? 0) > first ? true : undefined));

    expect((await cli(['wave', 'stop', '--wave', String(started.wave)], { env })).code).toBe(0);
    const after = await waitFor('the view to exit', () => {
      const s = screen('wave');
      return s.includes('EXITED 0') ? s : undefined;
    });
    expect(altScreen('wave')).toBe(false);
    // the last frame stays on the normal screen, once, above the shell's next line
    expect(after).toContain(`wave ${started.wave}: stopped`);
    expect(after.match(/BEAD\s+PROVIDER/g)).toHaveLength(1);
    expect(after).toMatch(/bd-v\.2\s+opencode\s+cancelled/);
  });

  it('status --watch: no colour under NO_COLOR, screen back on Ctrl-C; not a terminal: one plain print', async () => {
    open('jobs', ['status', '--watch', '--all'], { NO_COLOR: '1' });
    const view = await waitFor('the live job view', () => {
      const s = screen('jobs');
      return /bd-v\.1\s+opencode\s+stopped/.test(s) ? s : undefined;
    });
    expect(view).toContain('dx-runner status');
    // oxlint-disable-next-line no-control-regex -- no colour escape sequence may reach a non-colour screen
    expect(screen('jobs', true)).not.toMatch(/\x1b\[\d+m/);
    expect(altScreen('jobs')).toBe(true);
    tmux('send-keys', '-t', 'jobs:', 'C-c');
    await waitFor('the view to exit', () => (screen('jobs').includes('EXITED 0') ? true : undefined));
    expect(altScreen('jobs')).toBe(false);

    const plain = await cli(['status', '--watch', '--all'], { env });
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain('\x1b');
    expect(plain.stdout).toMatch(/bd-v\.1\s+opencode\s+stopped/);
    expect(plain.stdout.match(/BEAD\s+PROVIDER/g)).toHaveLength(1);
  });
});
