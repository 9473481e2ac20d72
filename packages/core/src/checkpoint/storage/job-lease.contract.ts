import type { JobLease } from './job-lease.ts';

/**
 * What every {@link JobLease} owes a run that restarts under load: `advance()` round after round,
 * with `check()` called on every turn of the event loop while each advance is under way (its
 * renewal timer runs meanwhile too). Rejects if any check or advance does: a lease that took its
 * own epoch, seen a moment early or late, for a takeover. The file system and Redis leases'
 * tests both run it.
 */
export async function checkThroughAdvances(lease: JobLease, rounds = 30): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const advancing = lease.advance();
    const checks: Promise<void>[] = [];
    let done = false;
    void advancing.finally(() => (done = true));
    while (!done) {
      checks.push(lease.check());
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all([advancing, ...checks]);
  }
}
