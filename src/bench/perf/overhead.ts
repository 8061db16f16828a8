import fs from 'node:fs';
import path from 'node:path';
import { CLI_ENTRY as CLI } from '../../core/detached.js';
import { resolveOpencodeBinary } from '../../providers/opencode.js';
import { git, median, ms, rawOpencode, run, waitDone, type PerfSetup } from './kit.js';

/** What dx-runner adds to the agents' own time: the same work through dx-runner and as raw `opencode run`. */

/** A wave of 6 jobs started at once (one per worktree) vs the same 6 raw `opencode run`. */
export async function waveOverhead(p: PerfSetup, reps: number): Promise<void> {
  const { env, prompt, wts } = p;
  const viaRunner: number[] = [];
  const raw: number[] = [];
  const bin = resolveOpencodeBinary(undefined, env);
  for (let r = 0; r < reps; r++) {
    for (const wt of wts) fs.rmSync(path.join(wt, 'out.txt'), { force: true });
    const beads = wts.map((_, i) => `bd-wave.${r}.${i}`);
    let t0 = process.hrtime.bigint();
    await Promise.all(
      beads.map((b, i) =>
        run(process.execPath, [CLI, 'start', '--beads', b, '--prompt-file', prompt, '--worktree', wts[i]], { env }),
      ),
    );
    await waitDone(env.DX_RUNNER_HOME as string, beads);
    viaRunner.push(ms(t0));

    for (const wt of wts) fs.rmSync(path.join(wt, 'out.txt'), { force: true });
    t0 = process.hrtime.bigint();
    await Promise.all(wts.map((wt) => rawOpencode(bin, wt, prompt, env)));
    raw.push(ms(t0));
  }
  p.emit('wave6_runner_ms', median(viaRunner));
  p.emit('wave6_raw_ms', median(raw));
  p.emit('wave6_ratio', Number((median(viaRunner) / median(raw)).toFixed(3)));
}

/**
 * The governed benchmark's overhead: `bench governed` with 12 prompts on the headless workflow at parallel 6
 * (preflight without the probe, baseline gate, a worktree and a supervised job per attempt, collect,
 * summarize, HTML) vs the same 12 prompts as raw `opencode run` at parallel 6 in 12 worktrees.
 */
export async function governedOverhead({ base, env, emit }: PerfSetup, reps: number): Promise<void> {
  const repo = path.join(base, 'repo');
  const dir = path.join(base, 'governed');
  const prompts = Array.from({ length: 12 }, (_, i) => ({
    id: `p${i}`,
    category: 'latency',
    title: `edit ${i}`,
    prompt: `Write out${i}.txt.\n@mock write out${i}.txt bench ${i}\\n\n@mock say done`,
    success_hints: ['done'],
  }));
  fs.mkdirSync(dir, { recursive: true });
  const promptsFile = path.join(dir, 'prompts.json');
  fs.writeFileSync(promptsFile, JSON.stringify({ version: 1, name: 'perf', prompts }));
  const rawWts = prompts.map((p) => {
    const wt = path.join(dir, 'raw-wt', p.id);
    git(repo, 'worktree', 'add', '-q', '--detach', wt, 'HEAD');
    fs.writeFileSync(path.join(dir, `${p.id}.prompt`), p.prompt);
    return wt;
  });
  const bin = resolveOpencodeBinary(undefined, env);
  const governed: number[] = [];
  const raw: number[] = [];
  for (let r = 0; r < reps; r++) {
    let t0 = process.hrtime.bigint();
    await run(
      process.execPath,
      [
        CLI,
        'bench',
        'governed',
        '--workflows',
        'opencode_run_headless',
        '--prompts-file',
        promptsFile,
        '--parallel',
        '6',
        '--no-probe',
        '--required-baseline',
        'HEAD',
        '--run-id',
        `perf${r}`,
        '--output-dir',
        path.join(dir, 'runs'),
        '--cwd',
        repo,
      ],
      { env, maxBuffer: 64 << 20 },
    );
    governed.push(ms(t0));
    for (const wt of rawWts) git(wt, 'clean', '-fdq');
    t0 = process.hrtime.bigint();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < prompts.length; i = next++)
        await rawOpencode(bin, rawWts[i], path.join(dir, `${prompts[i].id}.prompt`), env);
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    raw.push(ms(t0));
  }
  emit('governed12_ms', median(governed));
  emit('governed12_raw_ms', median(raw));
  emit('governed12_ratio', Number((median(governed) / median(raw)).toFixed(3)));
}
