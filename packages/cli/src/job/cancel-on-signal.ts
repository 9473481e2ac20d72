import type { JobClient } from '@weir/core';

/** Exit code of a run stopped by a second signal: 128 + SIGINT, as shells report an interrupt. */
export const FORCED_EXIT_CODE = 130;

/**
 * SIGINT and SIGTERM cancel the job cleanly (its result then resolves 'cancelled', exit code 0);
 * a second signal, or one before the job was submitted, exits at once with 130. Install this
 * before submitting: a signal that comes before any handler would kill the process outright.
 * Returns a function that removes the handlers.
 */
export function cancelOnSignal(client: () => JobClient | undefined, say: (line: string) => void): () => void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    received++;
    const job = client();
    if (job === undefined || received > 1) {
      say(`${signal}${received > 1 ? ' again' : ''}: exiting without waiting for the job to stop`);
      process.exit(FORCED_EXIT_CODE);
    }
    say(`${signal}: cancelling job '${job.jobName}' (send it again to exit at once)`);
    job.cancel();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
