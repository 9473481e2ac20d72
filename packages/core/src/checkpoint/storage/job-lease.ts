/**
 * One owner per job: a running job holds an exclusive lease on its checkpoint location, so that
 * two runs of one job never write checkpoints, delete each other's, or commit sink output twice.
 *
 * The lease carries a fencing `epoch` that grows with every acquisition: whoever takes a job over
 * gets a larger one, and writes that check it (the `_metadata` of a checkpoint, a sink commit)
 * refuse an older holder, also one that was only paused (a GC pause, a stopped VM) and resumes
 * after it lost the lease.
 */

/** Who holds a lease: enough to name them in an error and to tell whether they are still alive. */
export interface LeaseHolder {
  readonly pid: number;
  readonly host: string;
  /** Epoch milliseconds when the holder acquired the lease. */
  readonly since: number;
}

/** A lease held on a job's checkpoint location. */
export interface JobLease {
  /** The fencing epoch: larger than that of every earlier holder, and every earlier attempt, of this job. */
  readonly epoch: number;
  /**
   * Moves to a new, larger epoch and stores it, so that what the previous attempt of this run
   * left running (a task that did not stop in time) is fenced too. Called once per attempt.
   */
  advance(): Promise<number>;
  readonly holder: LeaseHolder;
  /** Rejects with {@link LeaseLostError} unless this lease is still the job's current one. */
  check(): Promise<void>;
  /** Gives the lease up (idempotent); renewals stop. */
  release(): Promise<void>;
}

/** Another run holds the job's lease. */
export class LeaseConflictError extends Error {
  override readonly name = 'LeaseConflictError';
  constructor(
    readonly jobName: string,
    readonly holder: LeaseHolder,
    readonly where: string,
  ) {
    super(
      `job '${jobName}' is already running: pid ${holder.pid} on ${holder.host} has held ${where} since ` +
        `${new Date(holder.since).toISOString()}; stop it first (a run whose process is gone is taken over)`,
    );
  }
}

/** This run no longer holds the job's lease (another run took it over): it must stop writing. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/**
 * A lease for storages that cannot hold one: it fences nothing across processes, and its epoch
 * comes from the clock (milliseconds, then +1 per attempt), so that it still grows run to run.
 */
export function localLease(holder: LeaseHolder): JobLease {
  let epoch = holder.since;
  return {
    get epoch() {
      return epoch;
    },
    holder,
    advance: async () => (epoch = Math.max(epoch + 1, Date.now())),
    check: async () => {},
    release: async () => {},
  };
}
