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

/**
 * Up to `batchSize` records moving together between two tasks. Batches from a `keyBy` also carry
 * each record's key and key group, computed once upstream for routing and reused downstream to
 * address keyed state.
 */
export class Batch<T = unknown> {
  readonly kind = BATCH;
  constructor(
    readonly records: T[],
    readonly keys: Key[] | null,
    readonly keyGroups: number[] | null,
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

/** Event time has reached `timestamp` on this channel: no record with a smaller timestamp follows. */
export class Watermark {
  readonly kind = WATERMARK;
  constructor(readonly timestamp: number) {}
}

/** The channel's producer has finished: nothing follows. */
export class EndOfStream {
  readonly kind = END_OF_STREAM;
}

export const END_OF_STREAM_EVENT = new EndOfStream();

export type ControlEvent = CheckpointBarrier | Watermark | EndOfStream;
export type ChannelItem = Batch | ControlEvent;
