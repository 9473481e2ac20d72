import type { InputStatus, Logger, SourceOutput, SourceReader, SourceReaderContext, SourceReaderMetrics } from '@weir/core';
import { encodeDeadLetter, sourceLetter, type DeadLetterFormat } from '../dead-letter/encode.ts';
import type { Decoder } from '../format/format.ts';

/** One record as read from Redis, not yet decoded. */
export interface Fetched<P> {
  /** Index of the split it belongs to (in the reader's own split list). */
  readonly split: number;
  /** Its position in the split: delivering it moves the split there. */
  readonly position: P;
  readonly raw: Buffer;
  /** Set when the raw record could not even be taken out of what Redis returned (e.g. a missing field). */
  readonly problem?: string;
  /**
   * Set for a record that was handled before (an item already dead-lettered, left as a tombstone):
   * nothing is emitted, but delivering it moves the split past it, so that it is released too.
   */
  readonly handled?: true;
}

/** The encoded letter of an undecodable record, and where the record is. */
export interface SplitLetter<P> {
  readonly split: number;
  readonly position: P;
  readonly entry: string | Buffer;
}

/** Records a reader emits per `pollNext` call by default: about a channel batch. */
export const RECORDS_PER_POLL = 512;

/** Dead letters are logged at most this often (with a count), not once per record. */
const LETTER_LOG_INTERVAL_MS = 10_000;

/** Consecutive undecodable records written to the dead-letter list in one round trip. */
const LETTERS_PER_WRITE = 256;

/** How often a reader reads its backlog in Redis for metrics (one small round trip). */
const BACKLOG_EVERY_MS = 1000;

export interface FetchingReaderOptions {
  readonly decode: Decoder<unknown>;
  /** Records kept fetched ahead of the task. */
  readonly capacity: number;
  /** Wait after a fetch that found nothing (0: fetch blocks by itself). */
  readonly idleMs: number;
  readonly deadLetterFormat: DeadLetterFormat;
  /** Dead-letter list of a source name. */
  readonly deadLetterKey: (source: string) => string;
  /** Records per `pollNext`; default {@link RECORDS_PER_POLL} (tests use 1 to snapshot inside a fetched batch). */
  readonly recordsPerPoll?: number;
}

/** What every Redis source's options give the fetching loop. */
export interface FetchingSourceOptions {
  readonly decode: Decoder<unknown>;
  readonly batchSize: number;
  readonly deadLetterFormat: DeadLetterFormat;
  readonly deadLetterKey: (source: string) => string;
  readonly recordsPerPoll?: number;
}

/** The loop's options for a source: four fetches of `batchSize` ahead (at least 1,024 records). */
export function fetchingOptions(o: FetchingSourceOptions, idleMs: number): FetchingReaderOptions {
  const { decode, deadLetterFormat, deadLetterKey, recordsPerPoll } = o;
  return { decode, capacity: Math.max(4 * o.batchSize, 1024), idleMs, deadLetterFormat, deadLetterKey, recordsPerPoll };
}

/**
 * The part every Redis source reader shares: a background loop fetches records from Redis into a
 * local buffer (one round trip at a time, at most `capacity` records ahead), and `pollNext` drains
 * that buffer into the task without ever waiting. It reports `'nothing-available'` while the buffer
 * is empty and wakes the task (`isAvailable`) when the loop brings more.
 *
 * Positions move only when a record is delivered, so a snapshot taken between two polls covers
 * exactly the records emitted so far. A record that cannot be decoded is delivered to its
 * dead-letter list instead: the reader stops there until Redis has acknowledged the letter, and
 * only then moves past it, so no checkpoint covers a record whose letter might be lost. Letters
 * are written by the subclass idempotently per source position (a Lua script that also records
 * what it wrote), so a replay after a restore writes none twice: exactly once per position.
 *
 * ```
 *   Redis ──fetch()──▶ [ chunk | chunk | chunk ]  ──pollNext()──▶ task ──▶ delivered(split, position)
 *                       ▲ head                  ▲ tail (≤ capacity records)
 * ```
 */
export abstract class FetchingReader<T, S, P> implements SourceReader<T, S> {
  /** Fetched chunks; `#chunks[#head]` is being drained from `#index`. */
  #chunks: Fetched<P>[][] = [];
  #head = 0;
  #index = 0;
  #buffered = 0;
  #failure: unknown = undefined;
  #deadLettering = false;
  #lettersUnlogged = 0;
  #lettersLoggedAt = 0;
  /** The letter write in flight (settled, never rejects). */
  #lettering: Promise<void> | undefined;
  #closed = false;
  #loop: Promise<void> | undefined;
  #available: { promise: Promise<void>; resolve: () => void } | undefined;
  #room: (() => void) | undefined;
  #idle: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  #backlog: SourceReaderMetrics = {};
  #backlogReadAt = 0;
  #readingBacklog = false;
  readonly #decode: Decoder<unknown>;
  protected readonly logger: Logger;
  /** Uid of the source operator, named in dead letters. */
  protected readonly operatorUid: string;

  constructor(
    protected readonly ctx: SourceReaderContext<S>,
    readonly options: FetchingReaderOptions,
  ) {
    this.#decode = options.decode;
    this.logger = ctx.logger;
    this.operatorUid = ctx.operatorUid ?? 'source';
  }

  /** One round trip: the records fetched, oldest first; an empty array when there was nothing. */
  protected abstract fetch(): Promise<readonly Fetched<P>[]>;
  /** A record of `split` was delivered (emitted or dead-lettered): the split is now at `position`. */
  protected abstract delivered(split: number, position: P): void;
  /** What a letter names as its `source`: the stream, or the processing list, of a split. */
  protected abstract letterSource(split: number): string;
  /** What a letter names as its `position`: a stream entry id, an item's absolute offset. */
  protected abstract letterPosition(position: P): string;
  /**
   * Writes letters of undecodable records (in split order per split) idempotently per position:
   * a letter whose position was dead-lettered before is not written again. Resolves once Redis
   * has acknowledged every one.
   */
  protected abstract writeDeadLetters(letters: readonly SplitLetter<P>[]): Promise<void>;

  /**
   * The backlog in Redis (queue length, processing lists), read beside fetching at most once per
   * {@link BACKLOG_EVERY_MS}; `metrics()` returns the last reading. Left out by a reader that cannot
   * tell its backlog exactly.
   */
  protected readBacklog?(): Promise<SourceReaderMetrics>;

  metrics(): SourceReaderMetrics {
    return this.#backlog;
  }

  /** Fetched records not yet emitted (part of the lag). */
  protected get buffered(): number {
    return this.#buffered;
  }

  #maybeReadBacklog(): void {
    if (this.readBacklog === undefined || this.#readingBacklog) return;
    const now = Date.now();
    if (now - this.#backlogReadAt < BACKLOG_EVERY_MS) return;
    this.#backlogReadAt = now;
    this.#readingBacklog = true;
    // Metrics only: a failed reading keeps the last one (a real outage fails the fetch anyway).
    this.readBacklog().then(
      (m) => {
        this.#backlog = m;
        this.#readingBacklog = false;
      },
      () => {
        this.#readingBacklog = false;
      },
    );
  }

  /** Starts the fetch loop; subclasses call it at the end of `start()` (not after `close()`). */
  protected startFetching(): void {
    if (!this.#closed) this.#loop = this.#run();
  }

  protected get closed(): boolean {
    return this.#closed;
  }

  pollNext(output: SourceOutput<T>): InputStatus {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#deadLettering) return 'nothing-available';
    const decode = this.#decode;
    let budget = this.options.recordsPerPoll ?? RECORDS_PER_POLL;
    while (budget > 0 && this.#buffered > 0) {
      const chunk = this.#chunks[this.#head];
      const r = chunk[this.#index];
      let value: T;
      if (r.handled === true) {
        this.#take();
        this.delivered(r.split, r.position);
        continue;
      }
      if (r.problem !== undefined) {
        this.#deadLetter();
        return 'nothing-available';
      }
      try {
        value = decode(r.raw) as T;
      } catch {
        this.#deadLetter();
        return 'nothing-available';
      }
      this.#take();
      output.collect(value);
      this.delivered(r.split, r.position);
      budget--;
    }
    return this.#buffered > 0 ? 'more' : 'nothing-available';
  }

  isAvailable(): Promise<void> {
    if (this.#failure !== undefined || (this.#buffered > 0 && !this.#deadLettering)) return Promise.resolve();
    if (this.#available === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#available = { promise, resolve };
    }
    return this.#available.promise;
  }

  /** Stops the fetch loop and waits for it (and for a letter write in flight). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#room?.();
    this.#wakeIdle();
    this.interruptFetch();
    await this.#loop;
    await this.#lettering;
  }

  /** Unblocks a fetch in progress on close (the stream source disconnects its blocking connection). */
  protected interruptFetch(): void {}

  /** Fails the reader: the next `pollNext` throws `error` (the task fails and the job restarts). */
  protected fail(error: unknown): void {
    if (this.#failure === undefined) this.#failure = error;
    this.#signal();
  }

  #take(): void {
    this.#buffered--;
    if (++this.#index === this.#chunks[this.#head].length) {
      this.#chunks[this.#head] = [];
      this.#head++;
      this.#index = 0;
      if (this.#head === this.#chunks.length) {
        this.#chunks = [];
        this.#head = 0;
      } else if (this.#head >= 64) {
        this.#chunks = this.#chunks.slice(this.#head);
        this.#head = 0;
      }
    }
    if (this.#room !== undefined && this.#buffered <= this.options.capacity / 2) {
      const room = this.#room;
      this.#room = undefined;
      room();
    }
  }

  /**
   * The record at the head cannot be decoded: writes a letter for it and for the undecodable ones
   * right after it, and delivers them once Redis has acknowledged.
   */
  #deadLetter(): void {
    if (this.#closed) return;
    const letters: SplitLetter<P>[] = [];
    const records: Fetched<P>[] = [];
    let chunk = this.#head;
    let index = this.#index;
    for (let n = 0; n < this.#buffered && letters.length < LETTERS_PER_WRITE; n++) {
      const r = this.#chunks[chunk][index];
      if (r.handled === true) break;
      let error: unknown = r.problem;
      if (error === undefined) {
        try {
          this.#decode(r.raw);
          break;
        } catch (e) {
          error = e;
        }
      }
      const letter = sourceLetter(r.raw, error, this.operatorUid, this.letterSource(r.split), this.letterPosition(r.position));
      letters.push({ split: r.split, position: r.position, entry: encodeDeadLetter(letter, this.options.deadLetterFormat) });
      records.push(r);
      if (++index === this.#chunks[chunk].length) {
        chunk++;
        index = 0;
      }
    }
    this.#deadLettering = true;
    this.#lettering = this.writeDeadLetters(letters).then(
      () => {
        this.#deadLettering = false;
        for (const r of records) {
          this.#take();
          this.delivered(r.split, r.position);
        }
        this.#reportLetters(records.length, this.letterSource(records[0].split));
        this.#signal();
      },
      (e: unknown) => {
        if (!this.#closed) this.fail(e);
      },
    );
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      if (this.#buffered >= this.options.capacity) {
        // Full (the task is backpressured): wait for room, waking now and then to read the backlog,
        // which is when the lag matters most.
        await new Promise<void>((resolve) => {
          const timer = this.readBacklog === undefined ? undefined : setTimeout(resolve, BACKLOG_EVERY_MS);
          this.#room = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#maybeReadBacklog();
        continue;
      }
      this.#maybeReadBacklog();
      let fetched: readonly Fetched<P>[];
      try {
        fetched = await this.fetch();
      } catch (e) {
        if (!this.#closed) this.fail(e);
        return;
      }
      if (this.#closed) return;
      if (fetched.length > 0) {
        this.#chunks.push(fetched as Fetched<P>[]);
        this.#buffered += fetched.length;
        this.#signal();
      } else if (this.options.idleMs > 0) {
        await new Promise<void>((resolve) => {
          this.#idle = { timer: setTimeout(resolve, this.options.idleMs), resolve };
        });
        this.#idle = undefined;
      }
    }
  }

  /**
   * Logs dead letters at most once per {@link LETTER_LOG_INTERVAL_MS}, with how many since the
   * last line: a stream of bad input must not flood the log with a line per record.
   */
  #reportLetters(records: number, source: string): void {
    this.#lettersUnlogged += records;
    const now = Date.now();
    if (now - this.#lettersLoggedAt < LETTER_LOG_INTERVAL_MS) return;
    this.logger.warn({ records: this.#lettersUnlogged, source }, `${this.#lettersUnlogged} undecodable record(s) sent to the dead-letter list`);
    this.#lettersUnlogged = 0;
    this.#lettersLoggedAt = now;
  }

  #wakeIdle(): void {
    if (this.#idle !== undefined) {
      clearTimeout(this.#idle.timer);
      this.#idle.resolve();
    }
  }

  #signal(): void {
    const a = this.#available;
    if (a !== undefined) {
      this.#available = undefined;
      a.resolve();
    }
  }
}
