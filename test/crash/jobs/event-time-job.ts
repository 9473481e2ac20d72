/**
 * The event-time job the crash tests kill: a deterministic generator of records out of order
 * (within the watermark bound) → tumbling, sliding and session windows per key; count windows and
 * tumbling windows with a purging count trigger; or event timers per key in a KeyedProcessFunction
 * → the exactly-once file sink. Every output line is known in
 * advance (see event-time-model.ts), so a run killed at any point and restarted, at any
 * parallelism, must commit exactly those lines, each once.
 *
 * Configured by environment: CK_DIR, OUT_DIR, COUNT, KEYS, RATE, PARALLELISM, WORKERS, INTERVAL, JOB
 * ('windows', 'count-windows' or 'timers').
 */
import {
  countTrigger,
  fileSink,
  purgingTrigger,
  generatorSource,
  KeyedProcessFunction,
  MapStateDescriptor,
  StreamEnvironment,
  watermarks,
  type AggregateFunction,
  type Collector,
  type KeyedContext,
  type KeyedRuntimeContext,
  type MapState,
  type OnTimerContext,
  type WindowContext,
} from '@weir/core';
import { pino } from 'pino';
import { requiredEnv as env } from '../../support/keyed-count.ts';
import {
  BOUND,
  BUCKET,
  COUNT_SIZE,
  ECHO,
  record,
  SESSIONS,
  SLIDING,
  SLIDING_COUNT,
  SLIDING_EVERY,
  TUMBLING,
  TUMBLING_BY,
  type Ev,
  type Out,
} from './event-time-model.ts';

const keys = Number(env('KEYS', '20'));
const e = StreamEnvironment.create({
  parallelism: Number(env('PARALLELISM', '1')),
  logger: pino({ level: process.env.WEIR_LOG_LEVEL ?? 'info' }, pino.destination(2)),
});
// Two worker threads unless WORKERS says otherwise: watermarks, timestamps and idleness cross threads.
e.setWorkers(Number(env('WORKERS', '2')));
e.enableCheckpointing(Number(env('INTERVAL', '100')), { storage: env('CK_DIR'), retained: 2, tolerableFailures: 1000 });
e.setAutoWatermarkInterval(20);

const events = e
  .fromSource(
    generatorSource({ count: Number(env('COUNT')), generate: record(keys), ratePerSecond: Number(env('RATE', '15000')) }),
    watermarks.boundedOutOfOrderness<Ev>((r) => r.t, BOUND),
  )
  .uid('source');
// Count windows depend on the order of a key's records: one source subtask keeps it.
if (env('JOB', 'windows') === 'count-windows') events.setParallelism(1);

const countAndSum: AggregateFunction<Ev, [number, number], [number, number]> = {
  create: () => [0, 0],
  add: (acc, r) => [acc[0] + 1, acc[1] + r.i],
  result: (acc) => acc,
  merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
};
const emit = (w: Out['w']) => ({
  process(k: string, ctx: WindowContext, [[n, sum]]: readonly [number, number][], out: Collector<Out>) {
    // The global window as [0, 0): JSON has no infinities.
    const global = ctx.window.end === Infinity;
    out.collect({ w, k, start: global ? 0 : ctx.window.start, end: global ? 0 : ctx.window.end, n, sum });
  },
});

/** Counts records per key and 100 ms bucket, emitted by an event timer at the bucket's end. */
class BucketTimers extends KeyedProcessFunction<string, Ev, Out> {
  buckets!: MapState<number, [number, number]>;

  override open(ctx: KeyedRuntimeContext): void {
    this.buckets = ctx.getMapState(new MapStateDescriptor<number, [number, number]>('buckets'));
  }

  processElement(r: Ev, ctx: KeyedContext<string>): void {
    const end = Math.floor(r.t / BUCKET) * BUCKET + BUCKET;
    const [n, sum] = this.buckets.get(end) ?? [0, 0];
    this.buckets.put(end, [n + 1, sum + r.i]);
    ctx.timerService.registerEventTimeTimer(end);
    ctx.timerService.registerEventTimeTimer(end + ECHO);
  }

  override onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<Out>): void {
    const k = ctx.getCurrentKey();
    if (ts % BUCKET === ECHO % BUCKET) {
      const [n, sum] = this.buckets.get(ts - ECHO)!;
      this.buckets.remove(ts - ECHO);
      out.collect({ w: 'echo', k, start: ts - ECHO, end: ts, n, sum });
      return;
    }
    const [n, sum] = this.buckets.get(ts)!;
    out.collect({ w: 'timer', k, start: ts - BUCKET, end: ts, n, sum });
    // Even counts: no echo (the timer is deleted); the bucket's state goes now.
    if (n % 2 === 0) {
      ctx.timerService.deleteEventTimeTimer(ts + ECHO);
      this.buckets.remove(ts);
    }
  }
}

const keyed = events.keyBy((r) => r.k);
const sink = fileSink<Out>({ directory: env('OUT_DIR') });
if (env('JOB', 'windows') === 'windows') {
  const tumbling = keyed.window(TUMBLING).aggregate(countAndSum, emit('tumbling')).uid('tumbling');
  const sliding = events.keyBy((r) => r.k).window(SLIDING).aggregate(countAndSum, emit('sliding')).uid('sliding');
  const sessions = events.keyBy((r) => r.k).window(SESSIONS).aggregate(countAndSum, emit('session')).uid('sessions');
  tumbling.union(sliding, sessions).sinkTo(sink).uid('sink');
} else if (env('JOB', 'windows') === 'count-windows') {
  const counts = keyed.countWindow(COUNT_SIZE).aggregate(countAndSum, emit('count')).uid('count');
  const sliding = events.keyBy((r) => r.k).countWindow(SLIDING_COUNT, SLIDING_EVERY).aggregate(countAndSum, emit('count-sliding')).uid('count-sliding');
  const byFour = events
    .keyBy((r) => r.k)
    .window(TUMBLING)
    .trigger(purgingTrigger(countTrigger(TUMBLING_BY)))
    .aggregate(countAndSum, emit('tumbling-by-4'))
    .uid('tumbling-by-4');
  counts.union(sliding, byFour).sinkTo(sink).uid('sink');
} else {
  keyed.process(new BucketTimers()).uid('timers').sinkTo(sink).uid('sink');
}
await e.execute(`event-time-${env('JOB', 'windows')}`);
