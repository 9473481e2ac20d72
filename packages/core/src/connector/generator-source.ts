import { requireInteger, ConfigError } from '../util/config-error.ts';
import type { InputStatus, ReaderOutput, Source, SourceOutput, SourceReader, SourceReaderContext } from './source.ts';
import { rejectUnknownOptions } from '../util/options.ts';

/** Options of {@link generatorSource}. */
export interface GeneratorSourceOptions<T> {
  /** How many records in all; omit for an unbounded source. */
  readonly count?: number;
  /** Record `i` (0-based) is always `generate(i)`: the source is deterministic, so replay is exact. */
  readonly generate: (index: number) => T;
  /** Records per second over all subtasks; omit for as fast as possible. */
  readonly ratePerSecond?: number;
}

/**
 * The position of one split: it produces indices `split, split + splits, split + 2·splits, …`,
 * and `next` is the first index it has not emitted yet. Splits are fixed at the first run (one per
 * subtask); a restore with another parallelism hands whole splits to the new subtasks.
 */
export interface GeneratorSplit {
  readonly split: number;
  readonly splits: number;
  readonly next: number;
}

/** Records emitted per `pollNext` call: about a channel batch, so the task can interleave other work. */
const RECORDS_PER_POLL = 512;

/**
 * A deterministic source: record `i` is `generate(i)`, for `i` in `0..count-1` (or forever).
 * Parallel: subtask `s` of `p` produces the indices `≡ s (mod p)`.
 *
 * @example
 * ```ts
 * env.fromSource(generatorSource({ count: 1_000_000, generate: (i) => ({ id: i, key: i % 100 }) }));
 * ```
 */
export function generatorSource<T>(options: GeneratorSourceOptions<T>): Source<T, GeneratorSplit> {
  rejectUnknownOptions('generatorSource', options, ['count', 'generate', 'ratePerSecond']);
  if (typeof options.generate !== 'function') {
    throw new ConfigError('generate', "generatorSource option 'generate' must be a function (index) => record");
  }
  const count = options.count === undefined ? Infinity : requireInteger('count', options.count, 0);
  const rate = options.ratePerSecond;
  if (rate !== undefined && !(typeof rate === 'number' && rate > 0 && Number.isFinite(rate))) {
    throw new ConfigError('ratePerSecond', `generatorSource option 'ratePerSecond' must be a positive number, got ${String(rate)}`);
  }
  return {
    boundedness: count === Infinity ? 'unbounded' : 'bounded',
    createReader(ctx) {
      return new GeneratorReader(options.generate, count, rate === undefined ? undefined : rate / ctx.parallelism, ctx);
    },
  };
}

class GeneratorReader<T> implements SourceReader<T, GeneratorSplit> {
  /** `splits[j]` produces `index[j], index[j] + stride[j], …`. */
  readonly #splitIds: number[];
  readonly #strides: number[];
  readonly #next: number[];
  #current = 0;
  #emitted = 0;
  /** Whether every split's output was created (at the first poll). */
  #announced = false;
  #startedAt = 0;

  constructor(
    readonly generate: (index: number) => T,
    readonly count: number,
    readonly ratePerSecond: number | undefined,
    ctx: SourceReaderContext<GeneratorSplit>,
  ) {
    const splits = ctx.restoredState ?? [{ split: ctx.subtaskIndex, splits: ctx.parallelism, next: ctx.subtaskIndex }];
    this.#splitIds = splits.map((s) => s.split);
    this.#strides = splits.map((s) => s.splits);
    this.#next = splits.map((s) => s.next);
  }

  start(): void {
    this.#startedAt = performance.now();
  }

  /**
   * Each split emits through its own output: with a watermark strategy, splits that a restore at
   * another parallelism gave to one reader keep their own watermarks (one may be far behind the
   * other), and a finished split stops holding event time back.
   */
  pollNext(output: ReaderOutput<T>): InputStatus {
    const n = this.#next.length;
    if (!this.#announced) {
      // Every split is known before any record: a split that has not emitted yet holds event time
      // back (its output's watermark is -∞), rather than another split's records making its own late.
      this.#announced = true;
      for (let j = 0; j < n; j++) if (this.#next[j] < this.count) output.createOutputForSplit?.(String(this.#splitIds[j]));
    }
    let budget = RECORDS_PER_POLL;
    if (this.ratePerSecond !== undefined) {
      const due = Math.floor(((performance.now() - this.#startedAt) * this.ratePerSecond) / 1000) - this.#emitted;
      if (due <= 0) return this.#hasMore() ? 'nothing-available' : 'end';
      if (due < budget) budget = due;
    }
    // Round-robin over the splits this reader owns, a whole poll's worth from one split at a time.
    for (let tried = 0; tried < n && budget > 0; tried++) {
      const j = this.#current;
      let i = this.#next[j];
      const stride = this.#strides[j];
      const end = this.count;
      const generate = this.generate;
      if (i < end) {
        const splitOutput: SourceOutput<T> = output.createOutputForSplit?.(String(this.#splitIds[j])) ?? output;
        while (budget > 0 && i < end) {
          splitOutput.collect(generate(i));
          i += stride;
          budget--;
          this.#emitted++;
        }
        this.#next[j] = i;
        if (i >= end) output.releaseOutputForSplit?.(String(this.#splitIds[j]));
      }
      // The next turn is the next split's, whether this one finished or used up the poll: staying
      // on a split until it ends would starve the others (and, with event time, make their records late).
      this.#current = j + 1 === n ? 0 : j + 1;
    }
    return this.#hasMore() ? 'more' : 'end';
  }

  isAvailable(): Promise<void> {
    if (this.ratePerSecond === undefined) return Promise.resolve();
    const dueAt = this.#startedAt + ((this.#emitted + 1) * 1000) / this.ratePerSecond;
    const wait = Math.max(1, Math.ceil(dueAt - performance.now()));
    return new Promise((resolve) => setTimeout(resolve, wait));
  }

  snapshotState(): GeneratorSplit[] {
    return this.#splitIds.map((split, j) => ({ split, splits: this.#strides[j], next: this.#next[j] }));
  }

  #hasMore(): boolean {
    for (const i of this.#next) if (i < this.count) return true;
    return false;
  }
}
