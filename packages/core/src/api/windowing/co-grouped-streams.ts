import type { OneInputTransformation } from '../../graph/transformation.ts';
import type { Key } from '../../state/key.ts';
import { ConfigError, requireInteger } from '../../util/config-error.ts';
import type { DataStream } from '../data-stream.ts';
import type { Collector, KeySelector } from '../functions.ts';
import type { WindowAssigner } from './window-assigner.ts';
import type { ProcessWindowFunction } from './window-functions.ts';

/** Makes one output per pair of a window join (Flink's JoinFunction). */
export type JoinFunction<T1, T2, R> = (left: T1, right: T2) => R;

/** Emits zero or more outputs per pair of a window join through `out` (Flink's FlatJoinFunction). */
export type FlatJoinFunction<T1, T2, R> = (left: T1, right: T2, out: Collector<R>) => void;

/**
 * Called once per key and window of a coGroup with the window's records of each input, in the
 * order they arrived (Flink's CoGroupFunction). Either list may be empty, never both.
 */
export type CoGroupFunction<T1, T2, R> = (lefts: readonly T1[], rights: readonly T2[], out: Collector<R>) => void;

/**
 * A record of either input as the window keeps it (Flink's TaggedUnion): a plain object, so it
 * goes through checkpoints (msgpack) and between threads as any record does.
 */
interface Tagged {
  readonly side: 0 | 1;
  readonly value: unknown;
}

/**
 * What the steps collect before `apply`, with the record types erased: a field of a function type
 * taking `T1` would make the step classes, and so DataStream (whose join and coGroup return
 * them), invariant in their record type; a DataStream<Bid> must stay a DataStream<unknown>.
 */
interface Inputs {
  readonly input1: DataStream<unknown>;
  readonly input2: DataStream<unknown>;
}
interface Keys extends Inputs {
  readonly key1: (value: unknown) => Key;
  readonly key2: (value: unknown) => Key;
}
interface Settings extends Keys {
  readonly assigner: WindowAssigner;
  readonly allowedLateness: number;
}

/** `a.join(b)` or `a.coGroup(b)`, waiting for its keys: give this (the left) stream's key. */
export class TwoStreamsWhere<T1, T2, W> {
  readonly #inputs: Inputs;
  readonly #method: string;
  readonly #withWindow: (settings: Settings) => W;

  /** @internal */
  constructor(inputs: Inputs, method: string, withWindow: (settings: Settings) => W) {
    this.#inputs = inputs;
    this.#method = method;
    this.#withWindow = withWindow;
  }

  /** The key of this stream's (the left) records. */
  where<K extends Key>(keySelector: KeySelector<T1, K>): TwoStreamsEqualTo<T1, T2, K, W> {
    const key1 = checkFunction(keySelector, this.#method, 'where') as (value: unknown) => Key;
    return new TwoStreamsEqualTo<T1, T2, K, W>({ ...this.#inputs, key1 }, this.#method, this.#withWindow);
  }
}

/** `….where(key1)`: give the other (the right) stream's key, of the same type. */
export class TwoStreamsEqualTo<T1, T2, K extends Key, W> {
  readonly #keyed: Inputs & Pick<Keys, 'key1'>;
  readonly #method: string;
  readonly #withWindow: (settings: Settings) => W;

  /** @internal */
  constructor(keyed: Inputs & Pick<Keys, 'key1'>, method: string, withWindow: (settings: Settings) => W) {
    this.#keyed = keyed;
    this.#method = method;
    this.#withWindow = withWindow;
  }

  /** The key of the other (the right) stream's records: the same type as the left one's. */
  equalTo(keySelector: KeySelector<T2, K>): TwoStreamsWindow<W> {
    const key2 = checkFunction(keySelector, this.#method, 'equalTo') as (value: unknown) => Key;
    return new TwoStreamsWindow<W>({ ...this.#keyed, key2 }, this.#withWindow);
  }
}

/** `….where(key1).equalTo(key2)`: give the window. */
export class TwoStreamsWindow<W> {
  readonly #keys: Keys;
  readonly #withWindow: (settings: Settings) => W;

  /** @internal */
  constructor(keys: Keys, withWindow: (settings: Settings) => W) {
    this.#keys = keys;
    this.#withWindow = withWindow;
  }

  /** The windows records meet in: tumbling, sliding or session, in event or processing time. */
  window(assigner: WindowAssigner): W {
    if (assigner.kind === 'global') {
      // Without a trigger (a join takes none) the global window never fires: no output, ever-growing state.
      throw new ConfigError('window', 'a window join or coGroup needs windows that end: use tumbling, sliding or session windows, not globalWindows()');
    }
    return this.#withWindow({ ...this.#keys, assigner, allowedLateness: 0 });
  }
}

/** What a join and a coGroup with their keys and window share: the allowed lateness, and the settings so far. */
abstract class TwoStreamsWithWindow {
  protected settings: Settings;

  constructor(settings: Settings) {
    this.settings = settings;
  }

  /**
   * Keeps each event-time window `ms` past its end (default 0), as `WindowedStream.allowedLateness`:
   * a late record within that time is added and the window fires again, with all the window's
   * records (so what it emitted before is emitted again). Later records are dropped (counted as
   * late records dropped).
   */
  allowedLateness(ms: number): this {
    this.settings = { ...this.settings, allowedLateness: requireInteger('allowedLateness', ms, 0) };
    return this;
  }
}

/**
 * `a.coGroup(b)`, waiting for its keys and window (Flink's CoGroupedStreams): records of both
 * streams with the same key in the same window meet in one call of a {@link CoGroupFunction}.
 *
 * Built as Flink builds it: each input's records are tagged with their side, the two tagged
 * streams are unioned and keyed (each side by its own key selector), windowed, and a window
 * function splits each window's records by side. So both sides' records are kept, whole, in
 * keyed state until their window fires (as in Flink): the cost grows with what a window holds.
 *
 * @example
 * ```ts
 * orders.coGroup(payments)
 *   .where((o) => o.id)
 *   .equalTo((p) => p.orderId)
 *   .window(tumblingEventTime({ size: 60_000 }))
 *   .apply((os, ps, out: Collector<string>) => { if (ps.length === 0) for (const o of os) out.collect(`unpaid ${o.id}`); })
 *   .uid('unpaid-orders');
 * ```
 */
export class CoGroupedStreams<T1, T2> extends TwoStreamsWhere<T1, T2, CoGroupWithWindow<T1, T2>> {
  constructor(input1: DataStream<T1>, input2: DataStream<T2>) {
    super(inputs(input1, input2, 'coGroup'), 'coGroup', (settings) => new CoGroupWithWindow<T1, T2>(settings));
  }
}

/** A coGroup with its keys and window (Flink's CoGroupedStreams.WithWindow): finish with `apply`. */
export class CoGroupWithWindow<T1, T2> extends TwoStreamsWithWindow {
  /**
   * Calls `fn` once per key and window, when the window fires, with the records of each input.
   * The result is a stream whose `name`, `uid` and `setParallelism` configure the window operator,
   * which holds the state (named 'CoGroup' unless renamed); what it emits carries the window's
   * last millisecond as its event time.
   */
  apply<R>(fn: CoGroupFunction<T1, T2, R>): DataStream<R> {
    const coGroup = checkFunction(fn, 'coGroup', 'apply') as CoGroupFunction<unknown, unknown, R>;
    return coGroupOperator<R>(this.settings, 'CoGroup', coGroup);
  }
}

/**
 * `a.join(b)`, waiting for its keys and window (Flink's JoinedStreams): an inner join of the
 * records of both streams with the same key in the same window, pair by pair.
 *
 * A coGroup underneath (see {@link CoGroupedStreams}): both sides' records are kept in keyed
 * state until their window fires, then every left record of a key meets every right one (a
 * nested loop: `n × m` calls for `n` and `m` records). A key with records on one side only emits
 * nothing. A record joins in every window it belongs to: with sliding windows, a pair sharing two
 * windows is joined twice.
 *
 * @example
 * ```ts
 * clicks.join(impressions)
 *   .where((c) => c.adId)
 *   .equalTo((i) => i.adId)
 *   .window(tumblingEventTime({ size: 10_000 }))
 *   .apply((c, i) => ({ adId: c.adId, clickedAt: c.t, shownAt: i.t }))
 *   .uid('clicks-with-impressions');
 * ```
 */
export class JoinedStreams<T1, T2> extends TwoStreamsWhere<T1, T2, JoinWithWindow<T1, T2>> {
  constructor(input1: DataStream<T1>, input2: DataStream<T2>) {
    super(inputs(input1, input2, 'join'), 'join', (settings) => new JoinWithWindow<T1, T2>(settings));
  }
}

/** A window join with its keys and window (Flink's JoinedStreams.WithWindow): finish with `apply` or `flatApply`. */
export class JoinWithWindow<T1, T2> extends TwoStreamsWithWindow {
  /**
   * Emits `fn(left, right)` for every pair of a left and a right record with the same key in the
   * same window, when the window fires. The result is a stream whose `name`, `uid` and
   * `setParallelism` configure the window operator, which holds the state (named 'Window Join'
   * unless renamed); what it emits carries the window's last millisecond as its event time.
   */
  apply<R>(fn: JoinFunction<T1, T2, R>): DataStream<R> {
    const join = checkFunction(fn, 'join', 'apply') as JoinFunction<unknown, unknown, R>;
    return coGroupOperator<R>(this.settings, 'Window Join', (lefts, rights, out) => {
      for (const left of lefts) for (const right of rights) out.collect(join(left, right));
    });
  }

  /**
   * As {@link apply}, but `fn` emits zero or more records per pair through `out` (Flink's
   * `apply(FlatJoinFunction)`).
   */
  flatApply<R>(fn: FlatJoinFunction<T1, T2, R>): DataStream<R> {
    const join = checkFunction(fn, 'join', 'flatApply') as FlatJoinFunction<unknown, unknown, R>;
    return coGroupOperator<R>(this.settings, 'Window Join', (lefts, rights, out) => {
      for (const left of lefts) for (const right of rights) join(left, right, out);
    });
  }
}

/**
 * The operators of a coGroup (Flink's CoGroupedStreams.WithWindow.apply): a tagger per input, the
 * union of both keyed by the key of each record's side, and a window whose function splits the
 * window's records by side. The window operator is the one returned, so `uid` given to the result
 * names the operator that holds the state; the taggers are stateless.
 */
function coGroupOperator<R>(s: Settings, name: string, fn: CoGroupFunction<unknown, unknown, R>): DataStream<R> {
  const tagged1 = tag(s.input1, 0, `${name} input 1`);
  const tagged2 = tag(s.input2, 1, `${name} input 2`);
  const { key1, key2 } = s;
  const split: ProcessWindowFunction<Tagged, R, Key> = {
    process(_key, _ctx, elements, out) {
      const lefts: unknown[] = [];
      const rights: unknown[] = [];
      for (const e of elements) (e.side === 0 ? lefts : rights).push(e.value);
      fn(lefts, rights, out);
    },
  };
  return tagged1
    .union(tagged2)
    .keyBy((t) => (t.side === 0 ? key1(t.value) : key2(t.value)))
    .window(s.assigner)
    .allowedLateness(s.allowedLateness)
    .process<R>(split)
    .name(name);
}

/**
 * `input`'s records tagged with `side`, by a map that takes `input`'s parallelism (unless the
 * input is partitioned), so that it chains to it rather than adding a task and a rebalance, as
 * Flink's taggers do. Inputs of different parallelism are fine: the union after the taggers is
 * keyed, and a hash edge joins any parallelisms.
 */
function tag(input: DataStream<unknown>, side: 0 | 1, name: string): DataStream<Tagged> {
  const tagged = input.map((value): Tagged => ({ side, value })).name(name);
  (tagged.transformation as OneInputTransformation).parallelismFromInput = true;
  return tagged;
}

function inputs(input1: DataStream<unknown>, input2: DataStream<unknown>, method: string): Inputs {
  if (input1.env !== input2.env) throw new TypeError(`${method}: both streams must belong to the same StreamEnvironment`);
  return { input1, input2 };
}

function checkFunction<F>(fn: F, method: string, step: string): F {
  if (typeof fn !== 'function') throw new TypeError(`${method}(...).${step}(...) takes a function, got ${fn === null ? 'null' : typeof fn}`);
  return fn;
}
