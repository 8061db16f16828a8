import type { Reporter, RunnerTestFile, RunnerTask } from 'vitest';

/** Ends the run with a plain `tests: N passed, N failed` line that any CI log reader understands. */
export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = []): void {
    let passed = 0;
    let failed = 0;
    const walk = (t: RunnerTask) => {
      if (t.type === 'test') {
        if (t.result?.state === 'pass') passed++;
        else if (t.result?.state === 'fail') failed++;
      } else for (const c of t.tasks) walk(c);
    };
    files.forEach(walk);
    process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
  }
}
