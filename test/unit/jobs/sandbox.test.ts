import { describe, expect, it } from 'vitest';
import type { SandboxMode } from '../../../src/contract/names.js';
import { DxError } from '../../../src/core/errors.js';
import type { Lane } from '../../../src/contract/names.js';
import { bwrapArgs, decideSandbox, sandboxDenial, sandboxedSpec } from '../../../src/jobs/sandbox.js';

/** bwrap's binds as [flag, path] pairs, in order (the fixed head and tail left out). */
const binds = (args: string[]) => {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < args.length; i++)
    if (args[i] === '--bind' || args[i] === '--ro-bind') {
      if (args[i + 1] !== '/') out.push([args[i], args[i + 1]]);
      i += 2;
    }
  return out;
};

describe('decideSandbox: the asked mode, the lane and whether bwrap works', () => {
  it.each<[SandboxMode, Lane, boolean | undefined, string]>([
    ['auto', 'headless', true, 'bwrap'],
    ['auto', 'headless', false, 'off'],
    ['bwrap', 'headless', true, 'bwrap'],
    ['bwrap', 'headless', false, 'sandbox_unavailable'],
    ['off', 'headless', undefined, 'off'],
    ['off', 'attach', undefined, 'off'],
    ['auto', 'attach', undefined, 'not_applicable'],
    ['auto', 'server', undefined, 'not_applicable'],
    ['bwrap', 'attach', undefined, 'sandbox_lane_unsupported'],
    ['bwrap', 'server', undefined, 'sandbox_lane_unsupported'],
  ])('%s on %s (bwrap works: %s) → %s', (asked, lane, works, expected) => {
    let got: string;
    try {
      got = decideSandbox(asked, lane, works).mode;
    } catch (e) {
      got = e instanceof DxError ? e.reasonCode : String(e);
    }
    expect(got).toBe(expected);
  });

  it('auto without bwrap says how to get it; a refusal is one line naming the fix', () => {
    expect(decideSandbox('auto', 'headless', false).reason).toContain('apt-get install bubblewrap');
    expect(() => decideSandbox('bwrap', 'headless', false)).toThrow(/install it \(apt-get install bubblewrap\)/);
    expect(() => decideSandbox('bwrap', 'attach', undefined)).toThrow(/use --lane headless/);
  });
});

describe('bwrapArgs: the system read-only, a private /tmp, the writable paths bound over it', () => {
  it('starts read-only with a private /tmp and ends with its own pid namespace', () => {
    const args = bwrapArgs({ writable: [], readable: [] });
    expect(args.slice(0, 9)).toEqual(['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp']);
    expect(args.slice(-3)).toEqual(['--unshare-pid', '--die-with-parent', '--']);
  });

  it.each<[string, { writable: string[]; readable: string[] }, Array<[string, string]>]>([
    ['one worktree', { writable: ['/tmp/wt'], readable: [] }, [['--bind', '/tmp/wt']]],
    [
      'outer paths first, inner and repeated ones dropped',
      {
        writable: ['/home/u/.cache/opencode', '/tmp/repo/.git', '/tmp/repo/.git/worktrees/a', '/tmp/repo/.git'],
        readable: [],
      },
      [
        ['--bind', '/tmp/repo/.git'],
        ['--bind', '/home/u/.cache/opencode'],
      ],
    ],
    [
      'read-only only under /tmp, and not inside a writable path',
      { writable: ['/tmp/home/x'], readable: ['/tmp/home/opencode.json', '/etc/cfg.json', '/tmp/home/x/a.json'] },
      [
        ['--ro-bind', '/tmp/home/opencode.json'],
        ['--bind', '/tmp/home/x'],
      ],
    ],
    [
      'relative paths are ignored',
      { writable: ['wt', '/tmp/wt/../wt2'], readable: ['bin/opencode'] },
      [['--bind', '/tmp/wt2']],
    ],
  ])('%s', (_name, paths, expected) => {
    expect(binds(bwrapArgs(paths))).toEqual(expected);
  });
});

describe('sandboxedSpec: the provider command under bwrap', () => {
  const spec = {
    command: '/opt/bin/opencode',
    args: ['run', '--format', 'json'],
    setup: { dirs: ['/tmp/home/claude'], files: [] },
    sandbox: { writable: ['/home/u/.local/share/opencode'], readable: ['/tmp/home/opencode.json'] },
  };

  it('binds the worktree, the git dir and the provider paths, then runs the command as it was', () => {
    const s = sandboxedSpec(spec, '/tmp/agents/bd-1', '/tmp/repo/.git');
    expect(s.command).toBe('bwrap');
    expect(s.args.slice(s.args.indexOf('--') + 1)).toEqual(['/opt/bin/opencode', 'run', '--format', 'json']);
    expect(binds(s.args)).toEqual([
      ['--ro-bind', '/tmp/home/opencode.json'],
      ['--bind', '/tmp/agents/bd-1'],
      ['--bind', '/tmp/repo/.git'],
      ['--bind', '/home/u/.local/share/opencode'],
    ]);
  });

  it("makes the provider's writable dirs at launch, beside its own setup", () => {
    expect(sandboxedSpec(spec, '/tmp/wt', null).setup.dirs).toEqual([
      '/tmp/home/claude',
      '/home/u/.local/share/opencode',
    ]);
  });
});

describe('sandboxDenial: a refused write in a line of the agent output', () => {
  it.each<[string, string, string | null]>([
    [
      'a shell error in an opencode tool result',
      '{"type":"tool_use","part":{"state":{"output":"/bin/sh: 1: cannot create /var/tmp/x.txt: ' +
        'Read-only file system\\n"}}}',
      '/bin/sh: 1: cannot create /var/tmp/x.txt: Read-only file system',
    ],
    [
      'a Claude Code tool result',
      '{"type":"user","message":{"content":[{"type":"tool_result","content":"bash: /etc/zz: Read-only file system"}]}}',
      'bash: /etc/zz: Read-only file system',
    ],
    ['no denial', '{"type":"text","part":{"text":"done"}}', null],
  ])('%s', (_name, line, expected) => {
    expect(sandboxDenial(line)).toBe(expected);
  });
});
