import { beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../src/core/time.js';
import { cli, cliJson, makeRepo, useSandbox, writePrompt, type Sandbox } from '../helpers.js';

/** Per-provider concurrency caps, enforced atomically across processes. */
describe('concurrency caps', () => {
  const ctx = useSandbox();
  let sb: Sandbox;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    sb = ctx.sb();
    env = { ...sb.env, DX_RUNNER_MAX_PARALLEL_OPENCODE: '2' };
  });

  it('10 simultaneous starts at a cap of 2: exactly 2 run, 8 are refused; --wait queues for a freed slot', async () => {
    const { worktrees } = makeRepo(1);
    const prompt = writePrompt(ctx.prompts(), 'Hold.\n@mock stall 120');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        cli(['start', '--beads', `bd-cap.${i}`, '--prompt-file', prompt, '--worktree', worktrees[0], '--json'], {
          env,
        }),
      ),
    );
    const started = results.filter((r) => r.code === 0);
    const refused = results.filter((r) => r.code !== 0);
    expect(started).toHaveLength(2);
    expect(refused.map((r) => r.code)).toEqual(Array(8).fill(26));
    for (const r of refused) expect(JSON.parse(r.stdout).error.reason_code).toBe('provider_concurrency_cap_exceeded');
    const status = await cliJson<{ jobs: Array<{ beads: string; pid: number | null }> }>(['status'], { env });
    expect(status.jobs.filter((j) => j.pid !== null)).toHaveLength(2);

    let settled = false;
    const waiting = cli(
      [
        'start',
        '--beads',
        'bd-cap.queued',
        '--prompt-file',
        prompt,
        '--worktree',
        worktrees[0],
        '--wait',
        '60',
        '--json',
      ],
      { env },
    ).finally(() => (settled = true));
    const first = (JSON.parse(started[0].stdout) as { beads: string }).beads;
    await sleep(1500);
    expect(settled).toBe(false); // still queued: both slots are taken
    expect((await cli(['stop', '--beads', first], { env })).code).toBe(0);
    expect((await waiting).code).toBe(0);
    for (const b of [(JSON.parse(started[1].stdout) as { beads: string }).beads, 'bd-cap.queued'])
      expect((await cli(['stop', '--beads', b], { env })).code).toBe(0);
  }, 240_000); // eleven real starts; 65 s in a quiet CI run, over 90 s on a loaded host
});
