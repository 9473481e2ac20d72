import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TwoPhaseCommitSinkWriter, type SinkWriterContext } from '@weir/core';
import type { ResolvedConnection } from '../connection.ts';
import { commitsKey, fenceKey, parseStageKey, stageKey, stagePattern, type KeyOptions, type SinkName } from '../keys.ts';
import { abortStages } from '../lua/abort.ts';
import { commitTransaction } from '../lua/commit.ts';
import { raiseFence } from '../lua/fence.ts';
import type { SinkTarget, TargetBuffer } from './target.ts';
import { CLOSE_WAIT_MS, MAX_WRITES_IN_FLIGHT, WriteWindow, messageOf, waitAtMost } from './write-window.ts';

/**
 * A transaction of an exactly-once Redis sink, as stored in checkpoints. Its records are staged
 * in the list `<prefix>:stage:<job>:<sink uid>:<subtask>:<name>`; `name` is
 * `<checkpoint it began after>-<nonce>-<seq>`, so that a restore can tell from a stage key alone
 * which subtask began it and whether a checkpoint covers it.
 */
export interface RedisSinkTxn {
  readonly name: string;
  readonly subtask: number;
  readonly beganAfter: number;
  /**
   * Chunks staged so far. Counted synchronously as each chunk is cut, so it is final once the
   * transaction is pre-committed at the barrier, before the state holding it is built: the commit
   * tells a stage that is gone (lost) from one that never existed (0). Missing in transactions
   * that an older Weir stored.
   */
  chunks: number;
}

/** Tuning of the exactly-once writer. */
export interface ExactlyOnceTuning {
  /** Entries per staged chunk, hence per `commit-4.lua` call. */
  readonly chunkSize: number;
  /** Commit markers kept per subtask. */
  readonly keepMarkers: number;
  readonly keys: KeyOptions;
}

/**
 * How long `close()` lets commits in flight finish. A commit moves a few thousand entries per
 * script call, so a checkpoint's transaction takes well under this; past it the commit stops
 * between two calls and the next restore finishes it (commits resume).
 */
export const CLOSE_COMMIT_WAIT_MS = 2_000;

interface OpenTxn<T> {
  readonly buffer: TargetBuffer<T>;
  readonly stage: string;
  /** Number (in the write window) of its latest staging push: pre-commit waits for it. */
  lastWrite: number;
}

/**
 * The exactly-once writer of every Redis sink (two-phase commit on {@link TwoPhaseCommitSinkWriter}):
 *
 * - on open, before anything is restored, committed or removed, `fence-1.lua` raises the sink's
 *   fence to the writer's epoch, or refuses the writer when a later attempt or run has opened the
 *   sink; every commit and abort checks the fence again, so a zombie writer never commits;
 * - records of a transaction are buffered and staged in its stage list, a chunk of `chunkSize`
 *   entries per element, as the buffer fills and at the barrier (pre-commit): durable, invisible;
 *   at most {@link MAX_WRITES_IN_FLIGHT} pushes are in flight (backpressure: `isFull`);
 * - when the checkpoint completes, `commit-4.lua` moves the stage into the target one chunk per
 *   call (each call atomic and bounded), and records the transaction in the subtask's commit
 *   markers, which make any later commit of it a no-op; a stage that is gone before it was
 *   committed fails the commit (`WEIRSTAGELOST`) instead of passing for an empty one;
 * - abort deletes the stage; on restore, stages of this subtask (or of vanished subtasks
 *   `≥ parallelism` with `subtask % parallelism === me`) begun at or after the restored checkpoint
 *   are found with `SCAN` and deleted.
 *
 * Readers of the target see a transaction's entries appear chunk by chunk, in order, each once.
 */
export class ExactlyOnceRedisWriter<T> extends TwoPhaseCommitSinkWriter<T, RedisSinkTxn> {
  readonly #client: Redis;
  readonly #open = new Map<string, OpenTxn<T>>();
  readonly #nonce = randomBytes(4).toString('hex');
  readonly #sink: SinkName;
  readonly #fence: string;
  readonly #window: WriteWindow;
  /** Aborted by `close()`: a commit then stops between two script calls. */
  readonly #closing = new AbortController();
  #seq = 0;

  constructor(
    readonly connection: ResolvedConnection,
    readonly target: SinkTarget<T>,
    readonly tuning: ExactlyOnceTuning,
    ctx: SinkWriterContext,
  ) {
    super(ctx);
    this.#client = connection.client;
    this.#sink = { job: ctx.jobName, uid: ctx.operatorUid };
    this.#fence = fenceKey(this.#sink, tuning.keys);
    this.#window = new WriteWindow(
      MAX_WRITES_IN_FLIGHT,
      (err) => new Error(`staging a transaction of Redis sink ${ctx.operatorUid} failed: ${messageOf(err)}`, { cause: err }),
    );
  }

  get isFull(): boolean {
    return this.#window.isFull;
  }

  whenWritable(): Promise<void> {
    return this.#window.whenWritable();
  }

  /** Staging pushes sent and not yet acknowledged (never above the cap): for tests and metrics. */
  get stagingPushesInFlight(): number {
    return this.#window.inFlight;
  }

  override async open(): Promise<void> {
    await raiseFence(this.#client, this.#fence, this.context.epoch);
    await super.open();
  }

  protected beginTransaction(): RedisSinkTxn {
    const txn: RedisSinkTxn = {
      name: `${this.lastCheckpointId}-${this.#nonce}-${this.#seq++}`,
      subtask: this.context.subtaskIndex,
      beganAfter: this.lastCheckpointId,
      chunks: 0,
    };
    const stage = stageKey(this.#sink, txn.subtask, txn.name, this.tuning.keys);
    this.#open.set(txn.name, { buffer: this.target.newBuffer(), stage, lastWrite: 0 });
    return txn;
  }

  protected invoke(txn: RedisSinkTxn, value: T): void {
    const failure = this.#window.failure;
    if (failure !== undefined) throw failure;
    const open = this.#open.get(txn.name)!;
    open.buffer.add(value);
    if (open.buffer.size >= this.tuning.chunkSize) this.#stage(txn, open);
  }

  protected async preCommit(txn: RedisSinkTxn): Promise<void> {
    const open = this.#open.get(txn.name);
    if (open === undefined) return;
    // Synchronous up to here: txn.chunks is final before snapshotState builds the state.
    while (open.buffer.size > 0) this.#stage(txn, open);
    // Acknowledged, not merely settled: a writer closed mid-checkpoint (its attempt failing) drops
    // pushes it had queued, and the checkpoint must not count on a stage that was never written.
    await this.#window.acknowledged(open.lastWrite);
  }

  protected async commit(txn: RedisSinkTxn): Promise<void> {
    this.#open.delete(txn.name);
    // Nothing was staged: nothing to move, no marker needed.
    if (txn.chunks === 0) return;
    let result;
    try {
      result = await commitTransaction(
        this.#client,
        {
          stage: stageKey(this.#sink, txn.subtask, txn.name, this.tuning.keys),
          markers: commitsKey(this.#sink, txn.subtask, this.tuning.keys),
          target: this.target.key,
          fence: this.#fence,
        },
        {
          txn: txn.name,
          beganAfter: txn.beganAfter,
          kind: this.target.kind,
          maxLen: this.target.maxLen,
          keepMarkers: this.tuning.keepMarkers,
          // A transaction stored by an older Weir has no count: -1 keeps the old reading of a missing stage.
          chunks: typeof txn.chunks === 'number' ? txn.chunks : -1,
          epoch: this.context.epoch,
        },
        this.#closing.signal,
      );
    } catch (e) {
      throw new Error(`committing transaction ${txn.name} of Redis sink ${this.#sink.uid} to ${this.target.key} failed: ${messageOf(e)}`, { cause: e });
    }
    this.context.logger.debug({ txn: txn.name, ...result }, 'committed a Redis sink transaction');
  }

  protected async abort(txn: RedisSinkTxn): Promise<void> {
    const open = this.#open.get(txn.name);
    this.#open.delete(txn.name);
    // Its pushes first: a push landing after the delete would re-create the stage.
    if (open !== undefined) await this.#window.whenDone(open.lastWrite);
    await abortStages(this.#client, this.#fence, [stageKey(this.#sink, txn.subtask, txn.name, this.tuning.keys)], this.context.epoch);
  }

  protected async abortLingering(restoredCheckpointId: number | undefined): Promise<void> {
    const me = this.context.subtaskIndex;
    const parallelism = this.context.parallelism;
    const lingering: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.#client.scan(cursor, 'MATCH', stagePattern(this.#sink, this.tuning.keys), 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const parsed = parseStageKey(key, this.#sink, this.tuning.keys);
        if (parsed === undefined) continue;
        const beganAfter = Number(parsed.txn.slice(0, parsed.txn.indexOf('-')));
        const mine = parsed.subtask === me || (parsed.subtask >= parallelism && parsed.subtask % parallelism === me);
        // Restored transactions, which another subtask may be committing now, began before the restored checkpoint.
        if (mine && Number.isInteger(beganAfter) && (restoredCheckpointId === undefined || beganAfter >= restoredCheckpointId)) {
          lingering.push(key);
        }
      }
    } while (cursor !== '0');
    if (lingering.length === 0) return;
    this.context.logger.info({ stages: lingering }, 'removing Redis sink stages of transactions that no checkpoint covers');
    for (let i = 0; i < lingering.length; i += 1000) {
      await abortStages(this.#client, this.#fence, lingering.slice(i, i + 1000), this.context.epoch);
    }
  }

  /**
   * Lets commits in flight finish (at most {@link CLOSE_COMMIT_WAIT_MS}), then stops any that is
   * left between two script calls, waits (bounded) for staging pushes, and closes the connection
   * if Weir built it, so that nothing of this writer runs after it is closed. (The base class's
   * `close()` waits for commits without a bound: not called.)
   */
  override async close(): Promise<void> {
    await waitAtMost(this.whenCommitted(), CLOSE_COMMIT_WAIT_MS);
    this.#closing.abort();
    this.#window.close();
    await waitAtMost(this.#window.whenIdle(), CLOSE_WAIT_MS);
    await this.connection.close();
  }

  /** Cuts one chunk of the open transaction and queues its push, after the chunks before it. */
  #stage(txn: RedisSinkTxn, open: OpenTxn<T>): void {
    const chunk = open.buffer.takeChunk(this.tuning.chunkSize);
    if (chunk === undefined) return;
    txn.chunks++;
    // One connection keeps the RPUSHes in order; the window catches each failure (no unhandled rejection).
    open.lastWrite = this.#window.push(() => this.#client.rpush(open.stage, chunk));
  }
}
