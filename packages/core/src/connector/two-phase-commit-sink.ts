import PQueue from 'p-queue';
import type { SinkWriter, SinkWriterContext } from './sink.ts';

/** One writer's state in a checkpoint: transactions pre-committed for checkpoints, and the one open. */
export interface TwoPhaseCommitState<Txn> {
  /** The checkpoint this state was taken for. */
  readonly checkpointId: number;
  /** `[checkpointId, transaction]`, ascending: staged, durable, waiting for their checkpoint to complete. */
  readonly pending: readonly (readonly [number, Txn])[];
  /** The transaction records after the barrier went to; never committed from a restore. */
  readonly current: Txn;
}

/**
 * Base of exactly-once sinks (Flink's TwoPhaseCommitSinkFunction). Records go into the current
 * transaction; at barrier n it is pre-committed (made durable, still invisible) and a new one
 * begins; when checkpoint n completes, every transaction up to n is committed. On restore, the
 * pending transactions of the restored checkpoint are committed (that checkpoint is complete) and
 * its open one is aborted, then `abortLingering` removes whatever later, never-checkpointed
 * transactions left behind.
 *
 * Requirements on subclasses: `commit` is idempotent (a commit may be repeated after a crash) and
 * transactions are plain data (they are stored in checkpoints).
 */
export abstract class TwoPhaseCommitSinkWriter<T, Txn> implements SinkWriter<T> {
  #current!: Txn;
  readonly #pending: [number, Txn][] = [];
  readonly #preCommits = new Map<number, Promise<void>>();
  /** Commits run here, one at a time and in checkpoint order, off the task's loop. */
  readonly #commits = new PQueue({ concurrency: 1 });
  readonly #committing = new Set<number>();
  #commitError: unknown = undefined;

  constructor(readonly context: SinkWriterContext) {}

  /** Starts a transaction: records written until the next barrier belong to it. */
  protected abstract beginTransaction(): Txn;
  /** Adds a record to a transaction (buffer it; no I/O per record). */
  protected abstract invoke(txn: Txn, value: T): void;
  /** Makes the transaction's data durable without making it visible. */
  protected abstract preCommit(txn: Txn): Promise<void>;
  /** Makes a pre-committed transaction visible. Must be idempotent. */
  protected abstract commit(txn: Txn): Promise<void>;
  /** Discards a transaction's staged data. Must be idempotent. */
  protected abstract abort(txn: Txn): Promise<void>;
  /**
   * Removes data staged by transactions that no restored state names: those begun at or after
   * checkpoint `restoredCheckpointId` (or at any time, when nothing was restored) by this subtask,
   * or by subtasks that no longer exist (index ≥ parallelism). Name transactions so that this can
   * be told from their names: another subtask may be committing a restored transaction of an old
   * subtask with your index at the same moment.
   */
  protected abstract abortLingering(restoredCheckpointId: number | undefined): Promise<void>;

  /** The checkpoint the writer's state was restored from (transactions begun after it are lingering). */
  protected restoredCheckpointId: number | undefined;
  /** The latest checkpoint this writer snapshotted (or restored): a transaction begins after it. */
  protected lastCheckpointId = 0;

  async open(): Promise<void> {
    const restored = (this.context.restoredState ?? []) as TwoPhaseCommitState<Txn>[];
    for (const state of restored) {
      this.restoredCheckpointId = Math.max(this.restoredCheckpointId ?? 0, state.checkpointId);
      for (const [, txn] of state.pending) await this.commit(txn);
      await this.abort(state.current);
    }
    this.lastCheckpointId = this.restoredCheckpointId ?? 0;
    await this.abortLingering(this.restoredCheckpointId);
    this.#current = this.beginTransaction();
  }

  write(value: T): void {
    this.invoke(this.#current, value);
  }

  snapshotState(checkpointId: number): unknown[] {
    this.#throwIfCommitFailed();
    const txn = this.#current;
    this.#pending.push([checkpointId, txn]);
    const preCommitted = this.preCommit(txn);
    // Awaited by completeSnapshot and by the commit; when an earlier pre-commit failed, neither
    // may reach this one, and its rejection must not be unhandled (that would end the process).
    preCommitted.catch(() => {});
    this.#preCommits.set(checkpointId, preCommitted);
    this.lastCheckpointId = checkpointId;
    this.#current = this.beginTransaction();
    const state: TwoPhaseCommitState<Txn> = { checkpointId, pending: this.#pending.slice(), current: this.#current };
    return [state];
  }

  async completeSnapshot(checkpointId: number): Promise<void> {
    // Every transaction still pending is in this checkpoint's state and is committed when it
    // completes: a failed pre-commit of an earlier (declined) checkpoint must decline this one too.
    for (const [id, preCommitted] of [...this.#preCommits]) if (id <= checkpointId) await preCommitted;
  }

  /**
   * Commits every transaction up to checkpoint n, in order, in the background: the task keeps
   * processing while Redis or the disk does the work. A transaction stays in the pending list
   * (and so in every snapshot) until its commit has finished, so a crash mid-commit is repaired by
   * the restore committing it again. A failed commit fails the task at its next checkpoint step.
   */
  notifyCheckpointComplete(checkpointId: number): void {
    this.#throwIfCommitFailed();
    // Transactions of aborted checkpoints before n are covered by n too: commit them with it.
    for (const entry of this.#pending) {
      const [id, txn] = entry;
      if (id > checkpointId) break;
      if (this.#committing.has(id)) continue;
      this.#committing.add(id);
      const preCommitted = this.#preCommits.get(id);
      this.#commits
        .add(async () => {
          await preCommitted;
          await this.commit(txn);
          this.#pending.splice(this.#pending.indexOf(entry), 1);
          this.#preCommits.delete(id);
          this.#committing.delete(id);
        })
        .catch((e: unknown) => {
          this.#commitError ??= e;
        });
    }
  }

  /**
   * Waits for the commits in flight (a commit must not outlive its attempt: the next attempt may
   * be committing the same transactions). Subclasses that close connections call this first.
   */
  async close(): Promise<void> {
    await this.#commits.onIdle();
  }

  /** Resolves when every commit started so far has finished (or failed). */
  async whenCommitted(): Promise<void> {
    await this.#commits.onIdle();
    this.#throwIfCommitFailed();
  }

  #throwIfCommitFailed(): void {
    if (this.#commitError !== undefined) throw this.#commitError;
  }

  /**
   * End of input. With checkpointing, a final checkpoint has completed before the input ends, so
   * this commits only what operators emitted while finishing; without it, everything is committed now.
   */
  async flush(endOfInput: boolean): Promise<void> {
    if (!endOfInput) return;
    await this.whenCommitted();
    const txn = this.#current;
    await this.preCommit(txn);
    for (const [, pending] of this.#pending.splice(0)) await this.commit(pending);
    await this.commit(txn);
    this.#current = this.beginTransaction();
  }
}
