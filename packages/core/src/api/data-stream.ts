import type { ErrorPolicy } from '../connector/dead-letter.ts';
import type { Sink } from '../connector/sink.ts';
import type {
  OneInputTransformation,
  Partitioner,
  PartitionTransformation,
  SideOutputTransformation,
  Transformation,
  TwoInputTransformation,
} from '../graph/transformation.ts';
import type { OperatorSpec } from '../graph/operator-spec.ts';
import type { Key } from '../state/key.ts';
import { ConfigError, requireInteger } from '../util/config-error.ts';
import type {
  Collector,
  FilterFunction,
  FlatMapFunction,
  KeyedProcessFunction,
  KeySelector,
  MapFunction,
  ProcessFunction,
  ReduceFunction,
} from './functions.ts';
import type { StreamEnvironment } from './stream-environment.ts';
import type { OutputTag } from './output-tag.ts';
import { WatermarkStrategy } from './watermarks/watermark-strategy.ts';
import { ConnectedStreams, KeyedConnectedStreams } from './connected-streams.ts';
import { IntervalJoin } from './interval-join.ts';
import { globalWindows, type WindowAssigner } from './windowing/window-assigner.ts';
import { countTrigger, purgingTrigger, type Trigger } from './windowing/trigger.ts';
import { countEvictor, type Evictor } from './windowing/evictor.ts';
import { AllWindowedStream, WindowedStream } from './windowing/windowed-stream.ts';
import { CoGroupedStreams, JoinedStreams } from './windowing/co-grouped-streams.ts';
import { checkDedupeOptions, DedupeFunction, type DedupeId, type DedupeOptions } from './queue/dedupe.ts';
import { checkRateLimitOptions, RateLimitFunction, type RateLimitOptions } from './queue/rate-limit.ts';

type OperatorFlatMap = (value: unknown, out: Collector<unknown>) => void;

// DataStream and KeyedStream share this file: keyBy() returns a KeyedStream, which extends
// DataStream, and ES modules cannot initialise that pair across two files that import each other.

/**
 * A stream of records of type `T` (Flink's DataStream). Each method adds an operator and returns
 * the stream it produces; `name`, `uid` and `setParallelism` configure the operator that produced
 * this stream.
 */
export class DataStream<T> {
  constructor(
    readonly env: StreamEnvironment,
    /** @internal */
    readonly transformation: Transformation,
  ) {}

  /** One output per input, `fn(value)`. @example `stream.map((x) => x * 2)` */
  map<R>(fn: MapFunction<T, R>): DataStream<R> {
    return this.transform<R>('Map', { kind: 'map', fn: fn as (v: unknown) => unknown });
  }

  /** Keeps the records for which `fn` returns true. */
  filter(fn: FilterFunction<T>): DataStream<T> {
    return this.transform<T>('Filter', { kind: 'filter', fn: fn as (v: unknown) => boolean });
  }

  /** Zero or more outputs per input, emitted with `out.collect(...)`. */
  flatMap<R>(fn: FlatMapFunction<T, R>): DataStream<R> {
    return this.transform<R>('FlatMap', { kind: 'flatMap', fn: fn as OperatorFlatMap });
  }

  /** Applies a {@link ProcessFunction} (with `open`/`close`); each subtask gets its own copy of `fn`. */
  process<R>(fn: ProcessFunction<T, R>): DataStream<R> {
    return this.transform<R>('Process', { kind: 'process', fn: fn as ProcessFunction<unknown, unknown> });
  }

  /**
   * Gives the records event time and makes watermarks here, mid-stream (Flink's
   * `assignTimestampsAndWatermarks`): for a source without a watermark strategy, or when the time
   * is only known once records are parsed. Each subtask runs its own generator of `strategy`, with
   * its periodic emission every auto-watermark interval (`env.setAutoWatermarkInterval`) and its
   * idle timeout if the strategy has one.
   *
   * Event time from upstream is replaced: its timestamps only reach the assigner (its second
   * argument), and its watermarks are dropped, except the final one of a bounded input, which still
   * fires every window downstream. Prefer a strategy on `fromSource` where the source knows the
   * time: per-split watermarks there keep a slow split from making others' records late.
   *
   * @example
   * ```ts
   * env.fromSource(redisStreamSource<RawClick>({ redis, streams: ['clicks'], format: 'json' }))
   *   .map(toClick) // the time is known once the payload is parsed
   *   .assignTimestampsAndWatermarks(watermarks.boundedOutOfOrderness<Click>((c) => c.at, 5_000))
   *   .keyBy((c) => c.page)
   *   .window(tumblingEventTime({ size: 60_000 }))
   * ```
   */
  assignTimestampsAndWatermarks(strategy: Pick<WatermarkStrategy<T>, 'createWatermarkGenerator' | 'timestampAssigner' | 'idleTimeout'>): DataStream<T> {
    // The parameter's type names only what the operator reads of a WatermarkStrategy: the class is
    // invariant in T, which would make DataStream<T> invariant too (a DataStream<Bid> would no
    // longer be a DataStream<unknown>).
    if (!(strategy instanceof WatermarkStrategy)) {
      throw new ConfigError(
        'strategy',
        `assignTimestampsAndWatermarks(strategy): 'strategy' must be a WatermarkStrategy (watermarks.boundedOutOfOrderness, watermarks.monotonous or watermarks.forGenerator), got ${strategy === null ? 'null' : typeof strategy}`,
      );
    }
    const spec: OperatorSpec = { kind: 'timestampsAndWatermarks', strategy: strategy as unknown as WatermarkStrategy<unknown>, autoWatermarkInterval: this.env.getAutoWatermarkInterval() };
    const assigned = this.transform<T>('Timestamps/Watermarks', spec);
    // At its input's parallelism, chained to it, as Flink's: a generator then sees what one
    // upstream subtask emits, in its order, rather than a rebalanced mix of several.
    (assigned.transformation as OneInputTransformation).parallelismFromInput = true;
    return assigned;
  }

  /**
   * Partitions the stream by key: every record with the same key goes to the same subtask, in the
   * order it was emitted, so keyed state and `reduce` see each key in one place.
   */
  keyBy<K extends Key>(keySelector: KeySelector<T, K>): KeyedStream<K, T> {
    const t = this.#partition({ kind: 'hash', keySelector: keySelector as (v: unknown) => Key });
    return new KeyedStream<K, T>(this.env, t);
  }

  /** Distributes records round-robin over the next operator's subtasks. */
  rebalance(): DataStream<T> {
    return new DataStream<T>(this.env, this.#partition({ kind: 'rebalance' }));
  }

  /** Sends every record to every subtask of the next operator. */
  broadcast(): DataStream<T> {
    return new DataStream<T>(this.env, this.#partition({ kind: 'broadcast' }));
  }

  /** Subtask i feeds subtask i of the next operator (the default between equal parallelisms). */
  forward(): DataStream<T> {
    return new DataStream<T>(this.env, this.#partition({ kind: 'forward' }));
  }

  /** Merges streams of the same type into one (no order between them). */
  union(...others: DataStream<T>[]): DataStream<T> {
    const t: Transformation = {
      ...this.#virtual('Union'),
      type: 'union',
      inputs: [this.transformation, ...others.map((o) => o.transformation)],
    };
    return new DataStream<T>(this.env, t);
  }

  /**
   * The side output `tag` of the operator that produced this stream (Flink's
   * `getSideOutput`): late records of a window with `sideOutputLateData(tag)`, or what a process
   * function emitted with `ctx.output(tag, value)`.
   */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    const t = this.#operatorSetting('getSideOutput');
    const side: SideOutputTransformation = { ...this.#virtual(`side output '${tag.id}'`), type: 'side-output', input: t, tag: tag.id };
    return new DataStream<X>(this.env, side);
  }

  /**
   * Joins this stream with another into one operator with two inputs (Flink's `connect`), for a
   * {@link CoProcessFunction}. Key both streams (`a.keyBy(f).connect(b.keyBy(g))`) for keyed state
   * and timers shared by both inputs.
   */
  connect<T2>(other: DataStream<T2>): ConnectedStreams<T, T2> {
    return new ConnectedStreams<T, T2>(<R>(name: string, spec: OperatorSpec) => this.twoInput<R>(other, name, spec));
  }

  /**
   * Joins this stream with `other` per key and window (Flink's window join): every pair of a
   * record of each with the same key in the same window, when the window fires (an inner join).
   * Both sides' records are kept in keyed state until then. Give `.where(key)`, `.equalTo(key)`,
   * `.window(assigner)`, then `.apply(fn)`; `uid` on the result names the window operator.
   * @example `clicks.join(views).where((c) => c.ad).equalTo((v) => v.ad).window(tumblingEventTime({ size: 10_000 })).apply((c, v) => ({ ...c, ...v }))`
   */
  join<T2>(other: DataStream<T2>): JoinedStreams<T, T2> {
    return new JoinedStreams<T, T2>(this, other);
  }

  /**
   * Groups this stream and `other` per key and window (Flink's coGroup): one call per key and
   * window with the records of each side (either list may be empty). Give `.where(key)`,
   * `.equalTo(key)`, `.window(assigner)`, then `.apply(fn)`.
   * @example `orders.coGroup(payments).where((o) => o.id).equalTo((p) => p.order).window(tumblingEventTime({ size: 60_000 })).apply((os, ps, out) => ...)`
   */
  coGroup<T2>(other: DataStream<T2>): CoGroupedStreams<T, T2> {
    return new CoGroupedStreams<T, T2>(this, other);
  }

  /**
   * Windows over the whole stream, not per key (Flink's `windowAll`): runs in one subtask
   * (parallelism 1), as Flink's does.
   * @example `clicks.windowAll(tumblingEventTime({ size: 60_000 })).aggregate(count)`
   */
  windowAll(assigner: WindowAssigner): AllWindowedStream<T> {
    const keyed = this.keyBy(() => 0);
    return new AllWindowedStream<T>(assigner, <R>(name: string, spec: OperatorSpec) => keyed.transform<R>(name, spec).setParallelism(1));
  }

  /** Windows of the whole stream by count (Flink's `countWindowAll`), in one subtask: see {@link KeyedStream.countWindow}. */
  countWindowAll(size: number, slide?: number): AllWindowedStream<T> {
    return countWindowOf(this.windowAll(globalWindows()), size, slide);
  }

  /** Writes the stream to a sink. */
  sinkTo(sink: Sink<T>): DataStreamSink<T> {
    const t = this.#physical('sink', 'Sink', { kind: 'sink', sink: sink as Sink<unknown> });
    return new DataStreamSink<T>(this.env, t);
  }

  /** Names the operator that produced this stream (shown in logs, errors and the job graph). */
  name(name: string): this {
    this.#operatorSetting('name').name = name;
    return this;
  }

  /** Sets the operator's stable id: its state is matched by uid on restore. Set it for long-lived jobs. */
  uid(uid: string): this {
    this.#operatorSetting('uid').uid = uid;
    return this;
  }

  /** Parallelism of the operator that produced this stream. */
  setParallelism(parallelism: number): this {
    this.#operatorSetting('setParallelism').parallelism = requireInteger('parallelism', parallelism, 1);
    return this;
  }

  /** Max parallelism (number of key groups) of the operator that produced this stream. */
  setMaxParallelism(maxParallelism: number): this {
    this.#operatorSetting('setMaxParallelism').maxParallelism = requireInteger('maxParallelism', maxParallelism, 1);
    return this;
  }

  /** Runs the operator in its own task: chained neither to the operator before it nor to the one after. */
  disableChaining(): this {
    this.#operatorSetting('disableChaining').chainable = false;
    return this;
  }

  /**
   * What the operator that produced this stream does when its user function throws (Flink has no
   * such setting; it resembles a Kafka Streams deserialization/processing exception handler).
   * `'fail'` (the default) fails the task, and the job restarts from its latest checkpoint.
   * `{ deadLetter, attempts }` calls the function again on the same record until it has been called
   * `attempts` times (default 3), then sends the record, the error and the attempt count to
   * `deadLetter` and goes on with the next record.
   *
   * Retries are immediate, with no backoff: a task must never sleep, so a failure that needs time
   * to clear (a service that is down) is better served by `'fail'` and the restart strategy.
   * What a failed attempt did stays done: records a flatMap or process function emitted before it
   * threw are kept, and keyed state it updated stays updated.
   *
   * @example `stream.map(parse).onError({ deadLetter: redisDeadLetterQueue({ redis, key: 'parse:dead' }) })`
   */
  onError(policy: ErrorPolicy): this {
    const t = this.#operatorSetting('onError');
    if (t.type !== 'operator' && t.type !== 'two-input') throw new TypeError(`onError() applies to an operator with a user function; '${t.name}' is a ${t.type}`);
    if (policy !== 'fail') {
      if (typeof policy !== 'object' || policy === null || typeof policy.deadLetter?.send !== 'function') {
        throw new ConfigError('onError', "onError() takes 'fail' or { deadLetter: DeadLetterQueue, attempts?: number }");
      }
      if (policy.attempts !== undefined) requireInteger('attempts', policy.attempts, 1);
    }
    t.onError = policy;
    return this;
  }

  /** @internal Adds a one-input operator fed by this stream. */
  protected transform<R>(name: string, operator: OperatorSpec): DataStream<R> {
    return new DataStream<R>(this.env, this.#physical('operator', name, operator));
  }

  /** @internal Adds a two-input operator fed by this stream (input 1) and `other` (input 2). */
  protected twoInput<R>(other: DataStream<unknown>, name: string, operator: OperatorSpec): DataStream<R> {
    if (other.env !== this.env) throw new TypeError('connect/intervalJoin: both streams must belong to the same StreamEnvironment');
    const t: TwoInputTransformation = { ...this.#common(name), type: 'two-input', input: this.transformation, input2: other.transformation, operator };
    this.env.addTransformation(t);
    return new DataStream<R>(this.env, t);
  }

  #physical(type: 'operator' | 'sink', name: string, operator: OperatorSpec): OneInputTransformation {
    const t: OneInputTransformation = { ...this.#common(name), type, input: this.transformation, operator };
    this.env.addTransformation(t);
    return t;
  }

  #partition(partitioner: Partitioner): PartitionTransformation {
    return { ...this.#virtual(partitioner.kind === 'hash' ? 'KeyBy' : partitioner.kind), type: 'partition', input: this.transformation, partitioner };
  }

  #common(name: string) {
    return { id: this.env.nextTransformationId(), name, uid: undefined, parallelism: undefined, maxParallelism: undefined, chainable: true };
  }

  #virtual(name: string) {
    return this.#common(name);
  }

  #operatorSetting(method: string): Transformation {
    const t = this.transformation;
    if (t.type === 'partition' || t.type === 'union' || t.type === 'side-output') {
      throw new TypeError(`${method}() applies to an operator; '${t.name}' only routes records: call it on the operator before`);
    }
    return t;
  }
}

/**
 * A stream partitioned by key (Flink's KeyedStream): the operators applied to it see every record
 * of a key in one subtask and can keep state per key.
 */
export class KeyedStream<K extends Key, T> extends DataStream<T> {
  /**
   * Rolling reduce per key: emits the accumulated value after each record.
   * @example `words.keyBy((c) => c.word).reduce((a, b) => ({ word: a.word, n: a.n + b.n }))`
   */
  reduce(fn: ReduceFunction<T>): DataStream<T> {
    return this.transform<T>('Reduce', { kind: 'reduce', fn: fn as (a: unknown, b: unknown) => unknown });
  }

  /**
   * Applies a {@link KeyedProcessFunction} with keyed state and timers; each subtask gets its own
   * copy of `fn`.
   */
  override process<R>(fn: KeyedProcessFunction<K, T, R>): DataStream<R> {
    return this.transform<R>('KeyedProcess', { kind: 'keyedProcess', fn: fn as unknown as KeyedProcessFunction<Key, unknown, unknown> });
  }

  /**
   * Groups each key's records into windows (Flink's `window`): tumbling, sliding or session, in
   * event or processing time. Finish with `reduce`, `aggregate` or `process`.
   * @example `bids.keyBy((b) => b.auction).window(slidingEventTime({ size: 10_000, slide: 2_000 })).aggregate(count)`
   */
  window(assigner: WindowAssigner): WindowedStream<K, T> {
    return new WindowedStream<K, T>(assigner, <R>(name: string, spec: OperatorSpec) => this.transform<R>(name, spec));
  }

  /**
   * Windows of each key's records by count (Flink's `countWindow`): every `size` records of a key
   * make a window; with `slide`, a window of the last `size` records fires every `slide` records.
   * Built as `globalWindows()` with a count trigger (and a count evictor when sliding).
   * @example `orders.keyBy((o) => o.customer).countWindow(10).aggregate(avgAmount)`
   */
  countWindow(size: number, slide?: number): WindowedStream<K, T> {
    return countWindowOf(this.window(globalWindows()), size, slide);
  }

  /**
   * Drops a record whose `id` was already seen for its key within `options.ttl` ms (processing
   * time), in checkpointed keyed state: after a crash and restore no id passes twice, and a rescale
   * moves each key's ids with it. Key by what ids are unique within (a customer, or the id itself).
   * Returns a plain stream: key it again to chain another keyed operator (a hash edge; the order
   * of each key's records is kept).
   * @example `jobs.keyBy((j) => j.customer).dedupe((j) => j.id, { ttl: 24 * 3600_000 }).uid('dedupe')`
   */
  dedupe(id: (value: T) => DedupeId, options: DedupeOptions<T>): DataStream<T> {
    if (typeof id !== 'function') throw new TypeError('dedupe(id, options): id must be a function returning a string or number');
    const { ttl, duplicates } = checkDedupeOptions(options);
    const fn = new DedupeFunction<K, T>(id, ttl, duplicates);
    return this.transform<T>('Dedupe', { kind: 'keyedProcess', fn: fn as unknown as KeyedProcessFunction<Key, unknown, unknown> });
  }

  /**
   * Lets at most `perKey` records of each key pass in any `per` ms; the others wait, in keyed state,
   * and leave in arrival order as the limit allows: nothing is dropped, one key's records keep
   * their order, and waiting records survive a crash and a rescale. Delayed records leave from a
   * processing-time timer, without an event time. When a bounded input ends, whatever still waits
   * leaves at once, over the limit, before the final checkpoint. With `maxWaiting`, a record that
   * finds its key's waiting list full goes to the `overflow` side output instead of waiting.
   * @example `jobs.keyBy((j) => j.customer).rateLimit({ perKey: 10, per: 1_000 }).uid('limit')`
   */
  rateLimit(options: RateLimitOptions<T>): DataStream<T> {
    const { perKey, per, maxWaiting, overflow } = checkRateLimitOptions(options);
    const fn = new RateLimitFunction<K, T>(perKey, per, maxWaiting, overflow);
    return this.transform<T>('RateLimit', { kind: 'keyedProcess', fn: fn as unknown as KeyedProcessFunction<Key, unknown, unknown> });
  }

  /** Both streams keyed by the same key type: a {@link KeyedCoProcessFunction} sees them with shared keyed state and timers. */
  override connect<T2>(other: KeyedStream<K, T2>): KeyedConnectedStreams<K, T, T2>;
  override connect<T2>(other: DataStream<T2>): ConnectedStreams<T, T2>;
  override connect<T2>(other: DataStream<T2>): ConnectedStreams<T, T2> | KeyedConnectedStreams<K, T, T2> {
    const make = <R>(name: string, spec: OperatorSpec) => this.twoInput<R>(other, name, spec);
    return other instanceof KeyedStream ? new KeyedConnectedStreams<K, T, T2>(make) : new ConnectedStreams<T, T2>(make);
  }

  /**
   * Joins each record of this stream with the records of `other` with the same key whose time lies
   * in an interval around its own (Flink's interval join); event time only.
   * @example `auctions.keyBy((a) => a.seller).intervalJoin(persons.keyBy((p) => p.id)).between(-10_000, 0).process(fn)`
   */
  intervalJoin<T2>(other: KeyedStream<K, T2>): IntervalJoin<K, T, T2> {
    return new IntervalJoin<K, T, T2>(<R>(name: string, spec: OperatorSpec) => this.twoInput<R>(other, name, spec));
  }
}

/** The end of a stream at a sink; configures the sink operator. */
export class DataStreamSink<T> {
  constructor(
    readonly env: StreamEnvironment,
    /** @internal */
    readonly transformation: OneInputTransformation,
  ) {}

  name(name: string): this {
    this.transformation.name = name;
    return this;
  }

  uid(uid: string): this {
    this.transformation.uid = uid;
    return this;
  }

  setParallelism(parallelism: number): this {
    this.transformation.parallelism = requireInteger('parallelism', parallelism, 1);
    return this;
  }

  disableChaining(): this {
    this.transformation.chainable = false;
    return this;
  }
}

/** `size` records per window, firing every `slide` records (default: each window once, when full). */
function countWindowOf<W extends { trigger(t: Trigger<never>): W; evictor(e: Evictor<never>): W }>(windowed: W, size: number, slide?: number): W {
  const n = requireInteger('countWindow size', size, 1);
  if (slide === undefined) return windowed.trigger(purgingTrigger(countTrigger(n)));
  const every = requireInteger('countWindow slide', slide, 1);
  return windowed.evictor(countEvictor(n)).trigger(countTrigger(every));
}
