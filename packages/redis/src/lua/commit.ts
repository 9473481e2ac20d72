import type { Redis } from 'ioredis';
import { defineScript } from '../connection.ts';
import type { TargetKind } from '../sink/target.ts';

/** Keys of `commit-4.lua`, in the header's order. */
export interface CommitKeys {
  /** The transaction's stage list. */
  readonly stage: string;
  /** Commit markers of the subtask that began the transaction. */
  readonly markers: string;
  /** The sink's stream, list or hash. */
  readonly target: string;
  /** The sink's fence (largest epoch a writer opened with). */
  readonly fence: string;
}

export interface CommitArgs {
  readonly txn: string;
  /** The checkpoint the transaction began after (the marker's score). */
  readonly beganAfter: number;
  readonly kind: TargetKind;
  /** Approximate stream MAXLEN; 0 for none. */
  readonly maxLen: number;
  /** Commit markers kept per subtask. */
  readonly keepMarkers: number;
  /** Chunks the transaction staged; -1 when unknown (a transaction stored by an older Weir). */
  readonly chunks: number;
  /** The committing writer's fencing epoch. */
  readonly epoch: number;
}

/** How one call of `commit-4.lua` ended. */
export type CommitStep = 'more' | 'committed' | 'duplicate';

/** The outcome of {@link commitTransaction}. */
export interface CommitResult {
  /** `committed` when this call made the transaction visible, `duplicate` when an earlier one had. */
  readonly outcome: 'committed' | 'duplicate';
  /** Entries written to the target by this call. */
  readonly entries: number;
  /** Script calls (chunks) it took. */
  readonly calls: number;
}

/**
 * Commits a staged transaction: calls `commit-4.lua` once per staged chunk until the stage is
 * exhausted (each call atomic, each bounded by the chunk size), or until the marker shows the
 * transaction was committed before. Safe to repeat and to resume after a crash.
 *
 * Rejects with the script's `WEIRFENCED` (a later writer owns the sink) or `WEIRSTAGELOST` (the
 * stage is gone, uncommitted) error. With `signal`, stops between two calls once it is aborted (the
 * writer is closing): what is left stays staged, and the restore finishes it.
 */
export async function commitTransaction(client: Redis, keys: CommitKeys, args: CommitArgs, signal?: AbortSignal): Promise<CommitResult> {
  const commit = defineScript(client, 'weirCommit', 'commit-4.lua', 4);
  const argv = [args.txn, args.beganAfter, args.kind, args.maxLen, args.keepMarkers, args.chunks, args.epoch];
  let entries = 0;
  for (let calls = 1; ; calls++) {
    if (signal?.aborted === true) {
      throw new Error(`the commit of transaction ${args.txn} stopped after ${calls - 1} of its chunks: the writer closed (a restore finishes it)`);
    }
    const [step, moved] = (await commit([keys.stage, keys.markers, keys.target, keys.fence], argv)) as [CommitStep, number];
    entries += moved;
    if (step === 'more') continue;
    return { outcome: step === 'duplicate' && calls === 1 ? 'duplicate' : 'committed', entries, calls };
  }
}
