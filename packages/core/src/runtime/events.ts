import type { CheckpointLocation } from '../checkpoint/storage/checkpoint-storage.ts';
import type { Key } from '../state/key.ts';

/**
 * What travels through a channel, in order: batches of records and control events. Every item has
 * a numeric `kind` set first in its constructor, so the task loop dispatches with one comparison
 * and every item of a class keeps one hidden-class shape.
 */
export const BATCH = 0;
export const BARRIER = 1;
export const WATERMARK = 2;
export const END_OF_STREAM = 3;
export const WATERMARK_STATUS = 4;

/**
 * Up to `batchSize` records moving together between two tasks. Batches from a `keyBy` also carry
 * each record's key and key group, computed once upstream for routing and reused downstream to
 * address keyed state.
 *
 * `timestamps` is the event time of each record (`timestamps[i]` for `records[i]`, NaN for a
 * record without one), present only on edges whose producer has event time (a source with a
 * watermark strategy, or an operator downstream of one, or a window): `null` otherwise. It has
 * exactly `records.length` elements. A transport that serializes batches sends it as 8-byte
 * floats (or `null`).
 */
export class Batch<T = unknown> {
  readonly kind = BATCH;
  constructor(
    readonly records: T[],
    readonly keys: Key[] | null,
    readonly keyGroups: number[] | null,
    readonly timestamps: Float64Array | null = null,
  ) {}
}

/** Barrier `checkpointId`: every record before it belongs to checkpoint n, every record after it to n+1. */
export class CheckpointBarrier {
  readonly kind = BARRIER;
  constructor(
    readonly checkpointId: number,
    readonly timestamp: number,
    readonly checkpointKind: 'checkpoint' | 'savepoint',
    /** Where every task writes its state for this checkpoint. */
    readonly location: CheckpointLocation,
  ) {}
}

/**
 * Event time has reached `timestamp` on this channel: no record with a timestamp at or below it
 * follows (records that do anyway are late). `+Infinity` at the end of bounded input: every
 * event-time timer and window fires. Fields: `kind` (2) and `timestamp` (a number, may be ±Infinity).
 */
export class Watermark {
  readonly kind = WATERMARK;
  constructor(readonly timestamp: number) {}
}

/**
 * Whether the channel's producer holds event time back (Flink's WatermarkStatus). An idle producer
 * (a source split without data for its strategy's `withIdleness` timeout, or a reader with no
 * split at all) sends `idle: true`; downstream tasks then leave the channel out of the minimum
 * over their channels, so it does not stop windows and timers from firing. It sends
 * `idle: false` before its next record or watermark. Fields: `kind` (4) and `idle` (boolean);
 * use the two shared instances {@link WATERMARK_IDLE} and {@link WATERMARK_ACTIVE}.
 */
export class WatermarkStatus {
  readonly kind = WATERMARK_STATUS;
  constructor(readonly idle: boolean) {}
}

export const WATERMARK_IDLE = new WatermarkStatus(true);
export const WATERMARK_ACTIVE = new WatermarkStatus(false);

/** The channel's producer has finished: nothing follows. */
export class EndOfStream {
  readonly kind = END_OF_STREAM;
}

export const END_OF_STREAM_EVENT = new EndOfStream();

export type ControlEvent = CheckpointBarrier | Watermark | WatermarkStatus | EndOfStream;
export type ChannelItem = Batch | ControlEvent;
