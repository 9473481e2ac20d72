import type { OperatorSpec } from '../graph/operator-spec.ts';
import type { Key } from '../state/key.ts';
import type { DataStream } from './data-stream.ts';
import type { ProcessJoinFunction } from './functions.ts';

type AddTwoInput = <R>(name: string, spec: OperatorSpec) => DataStream<R>;

/** `a.keyBy(f).intervalJoin(b.keyBy(g))`, waiting for its bounds (Flink's KeyedStream.IntervalJoin). */
export class IntervalJoin<K extends Key, T1, T2> {
  constructor(readonly add: AddTwoInput) {}

  /**
   * Pairs each left record at time `t` with the right records of the same key in
   * `[t + lowerMs, t + upperMs]` (both inclusive by default; negative bounds look back).
   */
  between(lowerMs: number, upperMs: number): IntervalJoined<K, T1, T2> {
    for (const [name, v] of [['lower', lowerMs], ['upper', upperMs]] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new RangeError(`intervalJoin: the ${name} bound must be a whole number of ms, got ${String(v)}`);
    }
    if (lowerMs > upperMs) throw new RangeError(`intervalJoin: the lower bound (${lowerMs}) is above the upper bound (${upperMs})`);
    return new IntervalJoined<K, T1, T2>(this.add, lowerMs, upperMs);
  }
}

/**
 * An interval join with its bounds (Flink's IntervalJoined). Each pair is emitted once, when its
 * second record arrives, with the larger of the two times; both sides are buffered in keyed state
 * until the watermark passes the last time they could still match. Records already late (at or
 * below the watermark) when they arrive are dropped, as in Flink.
 */
export class IntervalJoined<K extends Key, T1, T2> {
  #lowerInclusive = true;
  #upperInclusive = true;

  constructor(
    readonly add: AddTwoInput,
    readonly lower: number,
    readonly upper: number,
  ) {}

  lowerBoundExclusive(): this {
    this.#lowerInclusive = false;
    return this;
  }

  upperBoundExclusive(): this {
    this.#upperInclusive = false;
    return this;
  }

  process<R>(fn: ProcessJoinFunction<T1, T2, R>): DataStream<R> {
    return this.add<R>('IntervalJoin', {
      kind: 'intervalJoin',
      lower: this.lower,
      upper: this.upper,
      lowerInclusive: this.#lowerInclusive,
      upperInclusive: this.#upperInclusive,
      fn: fn as ProcessJoinFunction<unknown, unknown, unknown>,
    });
  }
}
