import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runEndingOnce } from '../core/ending.js';
import { makeFixtures, type Fixtures } from './badInput.js';
import { corpusFigures, secretFigure } from './cheap.js';
import { met, summary, table, targetText, type Figure } from './figures.js';
import { escapeFigures, orphanFigures } from './escapes.js';
import { concurrencyFigures, killFigures } from './kills.js';
import { makeRig, type Rig } from './rig.js';

/**
 * `npm run faults [-- <figure>…] [--quick] [--json]`: the fault figures (all by default, or those named),
 * each printed as it is measured, then a table (figure, value, target, ok); `--json` prints the table as JSON
 * on stdout (progress goes to stderr). Not a test: nothing is asserted, but the exit code is 1 when a target is
 * missed (2 for an unknown figure). The figures:
 *   corpus      the bad-input corpus (corpus.ts), each row judged: clear, unclear, stack trace, record left
 *   secrets     one fabricated sample per secret-catalog shape: recognised, refused by start, redacted
 *   kills       kill -9 of the supervisor, the agent, both, and start mid-way (20 trials, 4 at once; --quick 8)
 *   concurrent  40 starts of distinct beads and 20 of one bead at cap 2 (--quick 16 and 8)
 *   escapes     shell and write-tool writes outside the worktree under --sandbox bwrap
 *   orphans     agents that run `sleep 30; echo late > f` (also by setsid and nohup), then stop
 * Whatever way it ends (done, failed, SIGINT, SIGTERM), it ends every job, agent and server it started and
 * removes its files.
 */
const { values: flags, positionals } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const quick = flags.quick;
const out = (s: string) => (flags.json ? process.stderr : process.stdout).write(`${s}\n`);

const figures: Figure[] = [];
function emit(batch: Figure[]): void {
  for (const f of batch) {
    figures.push(f);
    const value = `${f.value} / ${f.of}`.padStart(9);
    out(`  ${f.label.padEnd(40)} ${value}   target ${targetText(f)}${met(f) ? '' : '  MISSED'}`);
    for (const m of f.misses.slice(0, 10)) out(`      ${m}`);
  }
}

type Measure = (ctx: { fx: () => Fixtures; rig: () => Promise<Rig> }) => Promise<Figure[]>;
const FIGURES: Record<string, Measure> = {
  corpus: ({ fx }) => corpusFigures(fx(), process.env),
  secrets: async ({ fx }) => [await secretFigure(fx(), process.env)],
  kills: async ({ rig }) => killFigures(await rig(), quick ? 8 : 20, out),
  concurrent: async ({ rig }) => concurrencyFigures(await rig(), quick ? 16 : 40, quick ? 8 : 20),
  escapes: async ({ rig }) => escapeFigures(await rig()),
  orphans: async ({ rig }) => orphanFigures(await rig()),
};
const unknown = positionals.filter((f) => !(f in FIGURES));
if (unknown.length) {
  process.stderr.write(`faults: no figure named ${unknown.join(', ')}; pick from ${Object.keys(FIGURES).join(', ')}\n`);
  process.exit(2);
}

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-runner-faults-'));
const cleanups: Array<() => Promise<void>> = [];

async function main(): Promise<void> {
  out(`dx-runner faults${quick ? ' (quick)' : ''}: ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`);
  let fixtures: Fixtures | undefined;
  let rig: Promise<Rig> | undefined;
  const ctx = {
    fx: () => (fixtures ??= makeFixtures(fs.mkdtempSync(path.join(base, 'fixtures-')))),
    rig: () =>
      (rig ??= makeRig(fs.mkdtempSync(path.join(base, 'rig-'))).then((r) => {
        cleanups.push(() => r.close());
        return r;
      })),
  };
  for (const name of positionals.length ? positionals : Object.keys(FIGURES)) {
    out(`${name}:`);
    emit(await FIGURES[name](ctx));
  }
}

// ends what the figures started (latest first) and removes the scratch folder
await runEndingOnce('faults', 'ending what it started', main, async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  fs.rmSync(base, { recursive: true, force: true });
});
if (figures.length) {
  out('');
  out(table(figures));
  if (flags.json) process.stdout.write(`${JSON.stringify(summary(figures, quick), null, 2)}\n`);
  if (!figures.every(met)) process.exitCode = 1;
}
