/**
 * Runs a program's `main` so that `end` (which ends everything the program started) runs once, however it ends:
 * done, failed (one line `<name>: <message>` on stderr, exit code 1), SIGINT (exit code 130) or SIGTERM (143).
 * `interrupted` is what the program says it does on a signal.
 */
export async function runEndingOnce(
  name: string,
  interrupted: string,
  main: () => Promise<void>,
  end: () => Promise<void>,
): Promise<void> {
  let ending: Promise<void> | undefined;
  const endOnce = () => (ending ??= end());
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(signal, () => {
      process.stderr.write(`${name}: ${signal}: ${interrupted}\n`);
      void endOnce().finally(() => process.exit(code));
    });
  }
  try {
    await main();
  } catch (e) {
    process.exitCode = 1;
    // after a signal, the commands it ended fail: that is the interruption, not news
    if (!ending) process.stderr.write(`${name}: ${(e as Error).message.split('\n')[0]}\n`);
  } finally {
    await endOnce();
  }
}
