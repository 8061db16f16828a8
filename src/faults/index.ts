import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeFixtures } from './badInput.js';
import { corpusFigures, secretFigure } from './cheap.js';
import { met, summary, table, targetText, type Figure } from './figures.js';

/**
 * `npm run faults [-- --quick] [-- --json]`: the fault figures, each printed as it is measured, then a table
 * (figure, value, target, ok); `--json` prints the table as JSON on stdout (progress goes to stderr). Not a
 * test: nothing is asserted, but the exit code is 1 when a target is missed (2 for a bad flag). Whatever way it
 * ends (done, failed, SIGINT, SIGTERM), it ends every job, agent and server it started and removes its files.
 */
const { values: flags } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
});
const out = (s: string) => (flags.json ? process.stderr : process.stdout).write(`${s}\n`);

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-runner-faults-'));
const cleanups: Array<() => Promise<void>> = [];
let ending: Promise<void> | undefined;
/** Ends what the figures started (latest first) and removes the scratch folder, once, however it ends. */
const end = () =>
  (ending ??= (async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    fs.rmSync(base, { recursive: true, force: true });
  })());
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(signal, () => {
    process.stderr.write(`faults: ${signal}: ending what it started\n`);
    void end().finally(() => process.exit(code));
  });
}

const figures: Figure[] = [];
function emit(batch: Figure[]): void {
  for (const f of batch) {
    figures.push(f);
    const value = `${f.value} / ${f.of}`.padStart(9);
    out(`  ${f.label.padEnd(40)} ${value}   target ${targetText(f)}${met(f) ? '' : '  MISSED'}`);
    for (const m of f.misses.slice(0, 10)) out(`      ${m}`);
  }
}

async function main(): Promise<void> {
  out(
    `dx-runner faults${flags.quick ? ' (quick)' : ''}: ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`,
  );
  const fx = makeFixtures(fs.mkdtempSync(path.join(base, 'fixtures-')));
  emit(await corpusFigures(fx, process.env));
  emit([await secretFigure(fx, process.env)]);
}

try {
  await main();
} catch (e) {
  // after a signal, the commands it ended fail: that is the interruption, not news
  if (!ending) process.stderr.write(`faults: ${(e as Error).message.split('\n')[0]}\n`);
  process.exitCode = 1;
} finally {
  await end();
}
if (figures.length) {
  out('');
  out(table(figures));
  if (flags.json) process.stdout.write(`${JSON.stringify(summary(figures, flags.quick), null, 2)}\n`);
  if (!figures.every(met)) process.exitCode = 1;
}
