import {
  CHECKPOINT_HISTORY_RECORD,
  decodeCheckpointHistory,
  encodeCheckpointHistory,
  type CheckpointHistory,
} from './checkpoint-history.ts';
import type { CheckpointLogger, Clock, Timer } from './coordinator.ts';
import type { CheckpointStorage } from './storage/checkpoint-storage.ts';

/** The part of a checkpoint storage the history is kept in. */
export type HistoryStorage = Required<Pick<CheckpointStorage, 'writeJobRecord' | 'readJobRecord'>>;

export interface HistoryWriterOptions {
  readonly logger: CheckpointLogger;
  /** Rejects once another run owns the job: the history is then no longer this run's to write. */
  readonly checkLease?: () => Promise<void>;
  readonly clock?: Clock;
  readonly timer?: Timer;
  /** Least time between two writes, ms (default 1000). */
  readonly minIntervalMs?: number;
}

/** The longest a write waits for the previous one to be long past: a slow store is written less often. */
const MAX_INTERVAL_MS = 30_000;
/** A write waits at least this many times as long as the last write took. */
const SLOWNESS_FACTOR = 10;

/**
 * Loads the job's persisted checkpoint history into `history` and keeps writing it back, off the
 * checkpoint path: a change schedules one write (debounced: at most one write per interval, one at
 * a time, the latest state each time), and a write that fails is logged, never fatal (the next
 * change tries again). Each write replaces the record atomically (the storage's job-record
 * contract), so a crash leaves the previous or the new history, and loses at most the changes of
 * the last interval.
 *
 * Resolves `undefined` when the storage keeps no job records, or when the existing record cannot
 * be read (storage down): the history then lives in memory only for this run, rather than replace
 * what earlier runs recorded with a history that lacks it. A record that is not valid is replaced.
 */
export async function persistCheckpointHistory(
  history: CheckpointHistory,
  storage: Pick<CheckpointStorage, 'writeJobRecord' | 'readJobRecord'>,
  options: HistoryWriterOptions,
): Promise<CheckpointHistoryWriter | undefined> {
  const { writeJobRecord, readJobRecord } = storage;
  if (writeJobRecord === undefined || readJobRecord === undefined) return undefined;
  const store: HistoryStorage = { writeJobRecord: writeJobRecord.bind(storage), readJobRecord: readJobRecord.bind(storage) };
  let bytes: Uint8Array | undefined;
  try {
    bytes = await store.readJobRecord(CHECKPOINT_HISTORY_RECORD);
  } catch (err) {
    options.logger.warn({ err }, 'reading the checkpoint history failed; this run keeps it in memory only');
    return undefined;
  }
  if (bytes !== undefined) {
    const record = decodeCheckpointHistory(bytes);
    if (record === undefined) options.logger.warn({}, 'the persisted checkpoint history is not valid; starting a new one');
    else history.load(record);
  }
  return new CheckpointHistoryWriter(history, store, options);
}

/** Writes a {@link CheckpointHistory} back after its changes; see {@link persistCheckpointHistory}. */
export class CheckpointHistoryWriter {
  readonly #history: CheckpointHistory;
  readonly #store: HistoryStorage;
  readonly #o: HistoryWriterOptions;
  readonly #clock: Clock;
  readonly #timer: Timer;
  readonly #minIntervalMs: number;
  #scheduled: unknown;
  #writing: Promise<void> | undefined;
  #dirty = false;
  #lastWriteMs = 0;
  #failing = false;
  /** No more scheduled writes: closing, or the lease is lost. */
  #closing = false;
  /** No more writes at all. */
  #stopped = false;

  constructor(history: CheckpointHistory, store: HistoryStorage, options: HistoryWriterOptions) {
    this.#history = history;
    this.#store = store;
    this.#o = options;
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.#timer = options.timer ?? {
      setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    };
    this.#minIntervalMs = options.minIntervalMs ?? 1000;
    history.onChange = () => this.#schedule();
  }

  /** Whether a change is not written yet, or a write is under way. */
  get pending(): boolean {
    return this.#dirty || this.#scheduled !== undefined || this.#writing !== undefined;
  }

  /**
   * Stops scheduling, waits for a write in flight, and writes the final state once; each step
   * waits at most `timeoutMs` (storage that does not answer must not hold the job's end).
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#history.onChange = undefined;
    if (this.#scheduled !== undefined) this.#timer.clearTimeout(this.#scheduled);
    this.#scheduled = undefined;
    if (this.#writing !== undefined) await this.#bounded(this.#writing, timeoutMs);
    const final = this.#write();
    this.#stopped = true;
    await this.#bounded(final, timeoutMs);
  }

  #schedule(): void {
    this.#dirty = true;
    if (this.#closing || this.#scheduled !== undefined || this.#writing !== undefined) return;
    const delay = Math.min(MAX_INTERVAL_MS, Math.max(this.#minIntervalMs, this.#lastWriteMs * SLOWNESS_FACTOR));
    this.#scheduled = this.#timer.setTimeout(() => {
      this.#scheduled = undefined;
      this.#writing = this.#write().finally(() => {
        this.#writing = undefined;
        if (this.#dirty) this.#schedule();
      });
    }, delay);
  }

  async #write(): Promise<void> {
    if (this.#stopped) return;
    this.#dirty = false;
    const started = this.#clock.now();
    try {
      await this.#o.checkLease?.();
    } catch (err) {
      // Another run owns the job: its history is its own to write.
      this.#closing = true;
      this.#stopped = true;
      this.#history.onChange = undefined;
      this.#o.logger.warn({ err }, 'the job lease is lost; no longer writing the checkpoint history');
      return;
    }
    try {
      await this.#store.writeJobRecord(CHECKPOINT_HISTORY_RECORD, encodeCheckpointHistory(this.#history.toRecord(started)));
      if (this.#failing) this.#o.logger.info({}, 'writing the checkpoint history works again');
      this.#failing = false;
    } catch (err) {
      this.#dirty = true;
      // Once per streak of failures: storage that is down would otherwise log every second.
      if (!this.#failing) this.#o.logger.warn({ err }, 'writing the checkpoint history failed; retrying with the next change');
      this.#failing = true;
    } finally {
      this.#lastWriteMs = this.#clock.now() - started;
    }
  }

  async #bounded(work: Promise<void>, timeoutMs: number): Promise<void> {
    let handle: unknown;
    const timedOut = new Promise<'timeout'>((resolve) => (handle = this.#timer.setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([work.then(() => 'done' as const), timedOut]);
    this.#timer.clearTimeout(handle);
    if (outcome === 'timeout') this.#o.logger.warn({ timeoutMs }, 'writing the checkpoint history did not finish in time; going on without it');
  }
}
