/**
 * What a benchmark must undo however it ends (success, an error, Ctrl-C): its server processes,
 * its database, its PostgreSQL and its temp folder. Each step is registered where the thing is
 * made, so a run that fails half-way undoes exactly what it got to.
 */
type Step = () => unknown;

const steps: Step[] = [];
let running: Promise<void> | null = null;

/**
 * Registers a step; the last registered runs first, so servers stop before the database they
 * use is dropped, and PostgreSQL stops before its folder is removed.
 */
export function atCleanup(step: Step): void {
  steps.push(step);
}

/** Runs the registered steps once (a signal during the clean-up does not start a second one). */
export function cleanUp(): Promise<void> {
  running ??= (async () => {
    for (let step = steps.pop(); step; step = steps.pop()) {
      try {
        await step();
      } catch (e) {
        console.log(`clean-up: ${e}`);
      }
    }
  })();
  return running;
}

/**
 * Runs a benchmark's main with the clean-up after it, also on SIGINT/SIGTERM (exit 130);
 * an error is printed and makes the exit code 1.
 */
export async function runBench(main: () => Promise<void>): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`\n${signal}: cleaning up`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
  try {
    await main();
  } catch (e) {
    process.exitCode = 1;
    console.error(e);
  } finally {
    await cleanUp();
  }
}
