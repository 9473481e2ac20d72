import type { OperatorSpec } from '../graph/operator-spec.ts';
import type { Key } from '../state/key.ts';
import type { DataStream } from './data-stream.ts';
import type { CoProcessFunction, KeyedCoProcessFunction } from './functions.ts';

/** Adds the two-input operator that consumes both streams (given by the stream that was connected). */
type AddTwoInput = <R>(name: string, spec: OperatorSpec) => DataStream<R>;

/**
 * Two streams of possibly different types, consumed by one operator (Flink's ConnectedStreams):
 * `a.connect(b).process(fn)`. Records of each input keep their order; there is no order between
 * the two inputs. The operator's event time is the minimum over both.
 */
export class ConnectedStreams<T1, T2> {
  constructor(readonly add: AddTwoInput) {}

  /** Applies a {@link CoProcessFunction}: `processElement1` for this stream, `processElement2` for the other. */
  process<R>(fn: CoProcessFunction<T1, T2, R>): DataStream<R> {
    return this.add<R>('CoProcess', { kind: 'coProcess', fn: fn as CoProcessFunction<unknown, unknown, unknown> });
  }
}

/**
 * Two keyed streams with the same key type (Flink's ConnectedStreams of two KeyedStreams): their
 * records meet per key, with keyed state and timers both inputs share.
 *
 * @example
 * ```ts
 * auctions.keyBy((a) => a.seller).connect(persons.keyBy((p) => p.id)).process(new JoinSellers());
 * ```
 */
export class KeyedConnectedStreams<K extends Key, T1, T2> {
  constructor(readonly add: AddTwoInput) {}

  process<R>(fn: KeyedCoProcessFunction<K, T1, T2, R>): DataStream<R> {
    return this.add<R>('KeyedCoProcess', { kind: 'keyedCoProcess', fn: fn as unknown as KeyedCoProcessFunction<Key, unknown, unknown, unknown> });
  }
}
