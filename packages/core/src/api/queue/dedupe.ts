/**
 * Per-key deduplication in checkpointed state: what a queue worker does with a "processed ids"
 * set in Redis and a lock, done here exactly-once because the set is part of the checkpoint.
 */
import { MapStateDescriptor } from '../../state/descriptors.ts';
import type { Key } from '../../state/key.ts';
import type { MapState } from '../../state/state.ts';
import { ConfigError } from '../../util/config-error.ts';
import { rejectUnknownOptions } from '../../util/options.ts';
import { KeyedProcessFunction, type Collector, type KeyedContext, type KeyedRuntimeContext, type OnTimerContext } from '../functions.ts';
import { OutputTag } from '../output-tag.ts';

/** What identifies a record for {@link KeyedStream.dedupe}: a job id, a message id. */
export type DedupeId = string | number;

/** Options of {@link KeyedStream.dedupe}. */
export interface DedupeOptions<T> {
  /**
   * How long an id is remembered, in ms of processing time from the first record that carried it.
   * A record whose id was seen within the ttl is a duplicate; after it, the id counts as new.
   */
  readonly ttl: number;
  /** Where duplicates go (read them with `getSideOutput(tag)`); default: dropped. */
  readonly duplicates?: OutputTag<T>;
}

const OPTIONS = ['ttl', 'duplicates'] as const;

/** Checks the options at job build time; every error names the option. */
export function checkDedupeOptions<T>(options: DedupeOptions<T>): DedupeOptions<T> {
  if (options === null || typeof options !== 'object') throw new ConfigError('ttl', 'dedupe(id, options) needs options: { ttl: ms }');
  rejectUnknownOptions('dedupe', options, OPTIONS);
  const { ttl, duplicates } = options;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new ConfigError('ttl', `dedupe: option 'ttl' must be a positive number of ms, got ${String(ttl)}`);
  }
  if (duplicates !== undefined && !(duplicates instanceof OutputTag)) {
    throw new ConfigError('duplicates', "dedupe: option 'duplicates' must be an OutputTag");
  }
  return options;
}

/**
 * The function behind `dedupe`: per key, a map from id to the time it expires. Expired ids are
 * removed by processing-time timers, rounded up to a grain of ttl/16 (at most a minute) so that a
 * key under a steady stream has a timer per grain, not one per record. An id is therefore
 * forgotten between `ttl` and `ttl + grain` after it was first seen; it is never forgotten early.
 */
export class DedupeFunction<K extends Key, T> extends KeyedProcessFunction<K, T, T> {
  seen!: MapState<DedupeId, number>;
  readonly grain: number;

  constructor(
    readonly id: (value: T) => DedupeId,
    readonly ttl: number,
    readonly duplicates: OutputTag<T> | undefined,
  ) {
    super();
    this.grain = Math.max(1, Math.min(60_000, Math.ceil(ttl / 16)));
  }

  override open(ctx: KeyedRuntimeContext): void {
    this.seen = ctx.getMapState(new MapStateDescriptor<DedupeId, number>('dedupe: ids seen'));
  }

  processElement(value: T, ctx: KeyedContext<K>, out: Collector<T>): void {
    const id = this.id(value);
    const now = ctx.timerService.currentProcessingTime();
    const expires = this.seen.get(id);
    if (expires !== undefined && expires > now) {
      if (this.duplicates !== undefined) ctx.output(this.duplicates, value);
      return;
    }
    const at = now + this.ttl;
    this.seen.put(id, at);
    ctx.timerService.registerProcessingTimeTimer(Math.ceil(at / this.grain) * this.grain);
    out.collect(value);
  }

  override onTimer(_timestamp: number, ctx: OnTimerContext<K>): void {
    const now = ctx.timerService.currentProcessingTime();
    let expired: DedupeId[] | undefined;
    for (const [id, at] of this.seen.entries()) if (at <= now) (expired ??= []).push(id);
    if (expired === undefined) return;
    for (const id of expired) this.seen.remove(id);
  }
}
