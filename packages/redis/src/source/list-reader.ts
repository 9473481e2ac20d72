import type { SourceReaderContext, SourceReaderMetrics } from '@weir/core';
import type { Redis } from 'ioredis';
import type { ResolvedConnection } from '../connection.ts';
import type { DeadLetterFormat } from '../dead-letter/encode.ts';
import type { Decoder } from '../format/format.ts';
import { processingMetaKey, processingRegistryKey } from '../keys.ts';
import { adoptAll } from '../lua/adopt.ts';
import { claim } from '../lua/claim.ts';
import { TOMBSTONE, writeListLetters, type ListLetters, type PositionedLetter } from '../lua/dead-letter.ts';
import { trimTo } from '../lua/trim.ts';
import { FetchingReader, fetchingOptions, type Fetched, type SplitLetter } from './fetching-reader.ts';
import { assignLists, strandedLists, type ListSplit } from './list-splits.ts';
import { RetainedPositions } from './retained-positions.ts';

export interface ListReaderOptions {
  readonly conn: ResolvedConnection;
  readonly list: string;
  readonly consumer: string | undefined;
  readonly batchSize: number;
  readonly pollMs: number;
  readonly decode: Decoder<unknown>;
  readonly deadLetterFormat: DeadLetterFormat;
  readonly deadLetterKey: (source: string) => string;
  readonly recordsPerPoll?: number;
}

/**
 * One processing list as its reader sees it, in absolute offsets (see `trim-2.lua`):
 *
 * ```
 *   trimmed        delivered        readPos              end
 *      │ delivered,  │ fetched, not   │ in the list, not   │
 *      │ not trimmed │ yet delivered  │ yet fetched        │
 *   ───┼─────────────┼────────────────┼────────────────────┼──▶ claims append here
 *      head of the list (index 0)                          tail
 * ```
 */
interface ProcessingList {
  readonly key: string;
  readonly meta: string;
  trimmed: number;
  end: number;
  readPos: number;
  delivered: number;
}

/**
 * One subtask of a list source. Reads (`LRANGE`), claims and trims of its processing lists run one
 * at a time on one connection, so the reader's offsets always match the lists. Input is released
 * (trimmed) only once every checkpoint the job retains (`ctx.retainedCheckpoints`) is past it.
 */
export class RedisListReader<T> extends FetchingReader<T, ListSplit, number> {
  readonly #o: ListReaderOptions;
  readonly #registry: string;
  #lists: ProcessingList[] = [];
  #claimInto = 0;
  /** Recorded in every split of every snapshot: see {@link ListSplit.lists}. */
  #listCount: number | undefined;
  #positions: RetainedPositions<number>;
  #io: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | undefined;

  constructor(ctx: SourceReaderContext<ListSplit>, o: ListReaderOptions) {
    super(ctx, fetchingOptions(o, o.pollMs));
    this.#o = o;
    this.#registry = processingRegistryKey(o.list, o.consumer);
    const restored = ctx.restoredState;
    for (const s of restored ?? []) {
      if (typeof s?.processingList !== 'string' || !Number.isSafeInteger(s.offset) || s.offset < 0) {
        throw new TypeError(`restored list split is not { processingList, offset }: ${JSON.stringify(s)}`);
      }
    }
    this.#positions = new RetainedPositions(
      ctx.retainedCheckpoints,
      (a, b) => a - b,
      restored === undefined ? undefined : new Map(restored.map((s) => [s.processingList, s.offset])),
    );
  }

  protected get client(): Redis {
    return this.#o.conn.client;
  }

  /**
   * Lag: the queue's length (reported by subtask 0 only, since every subtask claims from the same
   * queue and the job's lag is a sum), plus what this subtask claimed and has not emitted yet.
   * Processing: emitted items its processing lists still hold until a complete checkpoint
   * releases them.
   */
  protected override async readBacklog(): Promise<SourceReaderMetrics> {
    const queued = this.ctx.subtaskIndex === 0 ? await this.client.llen(this.#o.list) : 0;
    let claimed = 0;
    let processing = 0;
    for (const l of this.#lists) {
      claimed += l.end - l.delivered;
      processing += l.delivered - l.trimmed;
    }
    return { lagRecords: queued + claimed, processingRecords: processing };
  }

  async start(): Promise<void> {
    const { list, consumer } = this.#o;
    const assignment = assignLists(list, consumer, this.ctx.subtaskIndex, this.ctx.parallelism, this.ctx.restoredState);
    this.#listCount = assignment.listCount;
    const claimList = assignment.lists[assignment.claimInto].processingList;
    const stranded = strandedLists(assignment, this.ctx.subtaskIndex, await this.client.smembers(this.#registry), list, consumer);
    for (const key of stranded) {
      if (this.closed) return;
      const items = await adoptAll(this.client, { stranded: key, strandedMeta: processingMetaKey(key), into: claimList, registry: this.#registry });
      this.logger.warn(
        { stranded: key, into: claimList, items },
        'adopted a processing list no checkpoint names (a run that died before its first checkpoint claimed into it): its items are delivered again',
      );
    }
    if (assignment.listCount === undefined) {
      this.logger.info('restored from a checkpoint that does not record how many processing lists the job has: stranded lists are not looked for');
    }
    for (const { processingList, from } of assignment.lists) {
      if (this.closed) return;
      const meta = processingMetaKey(processingList);
      const [[e1, trimmedText], [e2, length]] = (await this.client.multi().hget(meta, 'trimmed').llen(processingList).exec()) as [
        [Error | null, string | null],
        [Error | null, number],
      ];
      if (e1 !== null || e2 !== null) throw e1 ?? e2;
      const trimmed = Number(trimmedText ?? 0);
      const end = trimmed + length;
      let at = from === 'head' ? trimmed : from;
      if (at < trimmed) {
        this.logger.warn(
          { processingList, checkpointed: at, trimmed },
          'the processing list was trimmed past the checkpointed offset (a restore from an old savepoint?): its items are gone, reading on from its head',
        );
        at = trimmed;
      }
      if (at > end) {
        throw new Error(
          `processing list ${processingList} ends at offset ${end} but the checkpoint has delivered up to ${at}: ` +
            'the list was changed outside Weir (deleted?); restore from another checkpoint or start fresh',
        );
      }
      this.#lists.push({ key: processingList, meta, trimmed, end, readPos: at, delivered: at });
    }
    this.#claimInto = assignment.claimInto;
    this.logger.info(
      {
        queue: list,
        claimInto: claimList,
        replay: this.#lists.map((l) => ({ list: l.key, from: l.readPos, items: l.end - l.readPos })),
      },
      'reading the list',
    );
    this.startFetching();
  }

  /** Runs `fn` after every Redis call on the processing lists issued before it. */
  #serial<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.#io.then(fn);
    this.#io = run.catch(() => {});
    return run;
  }

  protected fetch(): Promise<readonly Fetched<number>[]> {
    return this.#serial(async () => {
      // Replay first: items a checkpoint has not covered yet, still in a processing list.
      const split = this.#lists.findIndex((l) => l.readPos < l.end);
      if (split >= 0) {
        const l = this.#lists[split];
        const count = Math.min(this.#o.batchSize, l.end - l.readPos);
        const start = l.readPos - l.trimmed;
        const items = await this.client.lrangeBuffer(l.key, start, start + count - 1);
        if (items.length !== count) {
          throw new Error(`processing list ${l.key} holds fewer items than its reader knows of: it was changed outside this reader`);
        }
        const base = l.readPos;
        l.readPos += count;
        return replayed(split, base, items);
      }
      const l = this.#lists[this.#claimInto];
      const items = await claim(this.client, { queue: this.#o.list, processing: l.key, registry: this.#registry }, this.#o.batchSize, l.end - l.trimmed);
      const base = l.end;
      l.end += items.length;
      l.readPos = l.end;
      const split2 = this.#claimInto;
      return items.map((raw, k) => ({ split: split2, position: base + k + 1, raw }));
    });
  }

  protected delivered(split: number, offset: number): void {
    this.#lists[split].delivered = offset;
  }

  protected letterSource(split: number): string {
    return this.#lists[split].key;
  }

  /** A record's position is the offset after it; its letter names the item's own offset. */
  protected letterPosition(position: number): string {
    return String(position - 1);
  }

  /** One `dead-letter-3.lua` call per processing list, in one pipeline: each written item becomes a tombstone. */
  protected writeDeadLetters(letters: readonly SplitLetter<number>[]): Promise<void> {
    const deadLetterList = this.#o.deadLetterKey(this.#o.list);
    const groups: ListLetters[] = [];
    for (let i = 0; i < letters.length; ) {
      const split = letters[i].split;
      const group: PositionedLetter[] = [];
      for (; i < letters.length && letters[i].split === split; i++) group.push({ position: String(letters[i].position - 1), entry: letters[i].entry });
      const l = this.#lists[split];
      groups.push({ deadLetterList, processing: l.key, meta: l.meta, letters: group });
    }
    return writeListLetters(this.client, groups);
  }

  snapshotState(checkpointId: number): ListSplit[] {
    const lists = this.#listCount;
    const states = this.#lists.map((l) => (lists === undefined ? { processingList: l.key, offset: l.delivered } : { processingList: l.key, offset: l.delivered, lists }));
    this.#positions.snapshotted(checkpointId, new Map(states.map((s) => [s.processingList, s.offset])));
    return states;
  }

  /** Trims each processing list up to what every retained checkpoint is past. Never rejects. */
  notifyCheckpointComplete(checkpointId: number): Promise<void> {
    const release = this.#positions.completed(checkpointId);
    if (release === undefined) return Promise.resolve();
    return this.#serial(async () => {
      for (const l of this.#lists) {
        const target = release.releasable.get(l.key);
        if (target === undefined || target <= l.trimmed) continue;
        try {
          l.trimmed = await trimTo(this.client, { processing: l.key, meta: l.meta }, target);
        } catch (e) {
          this.logger.warn({ err: e, processingList: l.key, target }, 'trimming a processing list failed; the next complete checkpoint retries');
        }
      }
    });
  }

  notifyCheckpointAborted(checkpointId: number): void {
    this.#positions.aborted(checkpointId);
  }

  /** Stops fetching, waits for the Redis calls in flight, and closes the connection. Idempotent. */
  override close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await super.close();
        await this.#io;
      } finally {
        await this.#o.conn.close();
      }
    })();
    return this.#closing;
  }
}

/**
 * Replayed items as fetched records. A tombstone (an item already dead-lettered) is marked
 * handled: never emitted nor lettered again, but delivered, so that the list is trimmed past it.
 */
function replayed(split: number, base: number, items: readonly Buffer[]): Fetched<number>[] {
  return items.map((raw, k) =>
    raw.length === TOMBSTONE.length && raw.equals(TOMBSTONE)
      ? { split, position: base + k + 1, raw, handled: true as const }
      : { split, position: base + k + 1, raw },
  );
}
