import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLI_ENTRY as CLI } from '../core/detached.js';
import { formatDuration } from '../core/duration.js';
import { step } from '../core/progress.js';
import { sleep } from '../core/time.js';
import { scratchProject } from '../model-mock/scratch.js';
import { Store } from '../store/index.js';
import { evaluate } from '../jobs/evaluate.js';
import { jobRow, reportOf } from '../report/index.js';
import { colorWanted, renderWatch, runWatch } from '../report/watch.js';

const run = promisify(execFile);

/** What each demo job is asked to do; the `@mock` lines script the bundled model. */
const TASKS = [
  'Add an `add` function.\n@mock write src/add.js export const add = (a, b) => a + b;\\n\n@mock say Added src/add.js',
  'Write release notes, slowly.\n@mock slow 120\n@mock write NOTES.md # Notes\\n\\n- dx-runner demo\\n\n' +
    '@mock say Notes written, streamed word by word so you can watch the job stay healthy',
  'Create a config and its test.\n@mock write config/app.json {"name": "demo"}\\n\n' +
    '@mock write test/config.test.js // checks config/app.json\\n\n@mock say Created config and test',
];

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { stdio: 'pipe' }).toString();

/**
 * The README's first command: a wave of real `opencode` jobs, each in its own linked git worktree,
 * against the scripted model on loopback. Everything lives in one temp folder, printed at the end.
 */
export async function runDemo(opts: { jobs: number }): Promise<void> {
  const count = Math.max(1, Math.min(opts.jobs, 12));
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-runner-demo-'));
  const project = await scratchProject(base, 'demo project');
  const { mock } = project;
  try {
    const home = process.env.DX_RUNNER_HOME ?? path.join(base, 'dx-runner-home');
    const env = project.env(home, {
      // the whole wave at once
      DX_RUNNER_MAX_PARALLEL_OPENCODE: process.env.DX_RUNNER_MAX_PARALLEL_OPENCODE ?? String(count),
    });
    console.log(`scripted model on ${mock.url}; state in ${home}\n`);

    const beads = Array.from({ length: count }, (_, i) => `bd-demo.${i + 1}`);
    const worktrees = beads.map((b) => {
      const wt = project.worktree(b, path.join(base, 'worktrees', b));
      const prompt = path.join(base, `${b}.prompt`);
      fs.writeFileSync(prompt, TASKS[beads.indexOf(b) % TASKS.length]);
      return { bead: b, wt, prompt };
    });

    // the commands first, then their answers: a progress line on a terminal is not cut by a start's output
    for (const { bead, wt, prompt } of worktrees)
      console.log(`$ dx-runner start --provider opencode --beads ${bead} --prompt-file ${prompt} --worktree ${wt}`);
    const answers = await step(`starting ${count} jobs (the first start on a host lists the models)`, () =>
      Promise.all(
        worktrees.map(({ bead, wt, prompt }) =>
          run(
            process.execPath,
            [CLI, 'start', '--provider', 'opencode', '--beads', bead, '--prompt-file', prompt, '--worktree', wt],
            { env },
          ),
        ),
      ),
    );
    for (const { stdout } of answers) process.stdout.write(stdout);

    const store = new Store(home);
    try {
      const started = Date.now();
      const look = () => {
        const now = Date.now();
        if (now - started > 180_000) throw new Error('demo jobs did not finish within 3 minutes; see dx-runner logs');
        return { now, jobs: beads.map((b) => evaluate(store.jobs.latest(b)!, now)) };
      };
      const since = (now: number) => `${((now - started) / 1000).toFixed(1)} s`;
      if (process.stdout.isTTY) {
        // the live view of status --watch, in place; its last frame stays on the screen
        const color = colorWanted(process.env);
        await runWatch(() => {
          const { now, jobs } = look();
          const rows = jobs.map((e) => jobRow(e, now));
          const title = `dx-runner demo: ${count} jobs  t+${since(now)}  (Ctrl-C leaves the view)`;
          return { text: renderWatch(title, rows, color), done: jobs.every((e) => !e.job.active) };
        });
      } else {
        // not a terminal: one line per job that ends
        const ended = new Set<string>();
        while (ended.size < count) {
          const { now, jobs } = look();
          for (const e of jobs.filter((j) => !j.job.active && !ended.has(j.job.beads))) {
            ended.add(e.job.beads);
            console.log(`${e.job.beads} ended: ${e.health.state} (${e.health.reasonCode}) at t+${since(now)}`);
          }
          if (ended.size < count) await sleep(1000);
        }
      }
      const running = beads.filter((b) => store.jobs.latest(b)!.active).length; // Ctrl-C may leave the view early
      console.log(
        running ? `${running} of ${count} jobs still running` : `all ${count} jobs ended in ${since(Date.now())}`,
      );
      console.log('\n--- reports');
      let ok = true;
      for (const { bead, wt } of worktrees) {
        const job = store.jobs.latest(bead)!;
        const r = reportOf(evaluate(job), store.events.list(job.id));
        ok &&= r.state === 'exited_ok';
        console.log(
          `\n${bead}: ${r.state} (${r.reason_code}) exit_code=${r.exit_code} mutations=${r.mutations} ` +
            `duration=${formatDuration(r.duration_sec * 1000)} model=${r.selected_model} ` +
            `tokens=${r.tokens_in}/${r.tokens_out}`,
        );
        console.log(git(wt, 'status', '--short').trimEnd().replace(/^/gm, '    '));
      }
      console.log(
        // the CLI by its path: the demo runs before dx-runner is necessarily on PATH, and npx would cost seconds a call
        `\nInspect it yourself:\n  DX_RUNNER_HOME=${home} node ${CLI} status --all\n` +
          `  DX_RUNNER_HOME=${home} node ${CLI} report --beads ${beads[0]} --format markdown`,
      );
      if (!ok) process.exitCode = 1;
    } finally {
      store.close();
    }
  } finally {
    await mock.close();
  }
}
