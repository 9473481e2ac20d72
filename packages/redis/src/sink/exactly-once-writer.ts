import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TwoPhaseCommitSinkWriter, type SinkWriterContext } from '@weir/core';
import type { ResolvedConnection } from '../connection.ts';
import { commitsKey, parseStageKey, stageKey, stagePattern, type KeyOptions, type SinkName } from '../keys.ts';
import { commitTransaction } from '../lua/commit.ts';
import type { SinkTarget, TargetBuffer } from './target.ts';

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
}

/** Tuning of the exactly-once writer. */
export interface ExactlyOnceTuning {
  /** Entries per staged chunk, hence per `commit-3.lua` call. */
  readonly chunkSize: number;
  /** Commit markers kept per subtask. */
  readonly keepMarkers: number;
  readonly keys: KeyOptions;
}

interface OpenTxn<T> {
  readonly buffer: TargetBuffer<T>;
  /** RPUSHes of chunks staged before the barrier, in order. */
  staging: Promise<void>;
  staged: number;
}

/**
 * The exactly-once writer of every Redis sink (two-phase commit on {@link TwoPhaseCommitSinkWriter}):
 *
 * - records of a transaction are buffered and staged in its stage list, a chunk of `chunkSize`
 *   entries per element, as the buffer fills and at the barrier (pre-commit): durable, invisible;
 * - when the checkpoint completes, `commit-3.lua` moves the stage into the target one chunk per
 *   call (each call atomic and bounded), and records the transaction in the subtask's commit
 *   markers, which make any later commit of it a no-op;
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
  #seq = 0;
  #failure: unknown;

  constructor(
    readonly connection: ResolvedConnection,
    readonly target: SinkTarget<T>,
    readonly tuning: ExactlyOnceTuning,
    ctx: SinkWriterContext,
  ) {
    super(ctx);
    this.#client = connection.client;
    this.#sink = { job: ctx.jobName, uid: ctx.operatorUid };
  }

  protected beginTransaction(): RedisSinkTxn {
    const txn: RedisSinkTxn = {
      name: `${this.lastCheckpointId}-${this.#nonce}-${this.#seq++}`,
      subtask: this.context.subtaskIndex,
      beganAfter: this.lastCheckpointId,
    };
    this.#open.set(txn.name, { buffer: this.target.newBuffer(), staging: Promise.resolve(), staged: 0 });
    return txn;
  }

  protected invoke(txn: RedisSinkTxn, value: T): void {
    if (this.#failure !== undefined) throw this.#failure;
    const open = this.#open.get(txn.name)!;
    open.buffer.add(value);
    if (open.buffer.size >= this.tuning.chunkSize) this.#stage(txn, open);
  }

  protected async preCommit(txn: RedisSinkTxn): Promise<void> {
    const open = this.#open.get(txn.name);
    if (open === undefined) return;
    while (open.buffer.size > 0) this.#stage(txn, open);
    await open.staging;
    if (this.#failure !== undefined) throw this.#failure;
  }

  protected async commit(txn: RedisSinkTxn): Promise<void> {
    const open = this.#open.get(txn.name);
    this.#open.delete(txn.name);
    // Begun and committed in this process without a single record: nothing staged, nothing to mark.
    if (open !== undefined && open.staged === 0 && open.buffer.size === 0) return;
    const result = await commitTransaction(
      this.#client,
      {
        stage: stageKey(this.#sink, txn.subtask, txn.name, this.tuning.keys),
        markers: commitsKey(this.#sink, txn.subtask, this.tuning.keys),
        target: this.target.key,
      },
      {
        txn: txn.name,
        beganAfter: txn.beganAfter,
        kind: this.target.kind,
        maxLen: this.target.maxLen,
        keepMarkers: this.tuning.keepMarkers,
      },
    );
    this.context.logger.debug({ txn: txn.name, ...result }, 'committed a Redis sink transaction');
  }

  protected async abort(txn: RedisSinkTxn): Promise<void> {
    const open = this.#open.get(txn.name);
    this.#open.delete(txn.name);
    if (open !== undefined) await open.staging;
    await this.#client.unlink(stageKey(this.#sink, txn.subtask, txn.name, this.tuning.keys));
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
    for (let i = 0; i < lingering.length; i += 1000) await this.#client.unlink(...lingering.slice(i, i + 1000));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#open.values()].map((o) => o.staging));
    await this.connection.close();
  }

  /** Stages one chunk of the open transaction, after the chunks before it. */
  #stage(txn: RedisSinkTxn, open: OpenTxn<T>): void {
    const chunk = open.buffer.takeChunk(this.tuning.chunkSize);
    if (chunk === undefined) return;
    open.staged++;
    const key = stageKey(this.#sink, txn.subtask, txn.name, this.tuning.keys);
    // One connection keeps the RPUSHes in order; each failure is caught at once (no unhandled rejection).
    const pushed = this.#client.rpush(key, chunk).then(
      () => undefined,
      (err: unknown) => {
        this.#failure ??= new Error(`staging a transaction of Redis sink ${this.#sink.uid} failed: ${String(err)}`, { cause: err });
      },
    );
    open.staging = Promise.all([open.staging, pushed]).then(() => undefined);
  }
}
