import { describe, expectTypeOf, it } from 'vitest';
import {
  collectionSource,
  countEvictor,
  countTrigger,
  globalWindows,
  purgingTrigger,
  timeEvictor,
  ValueStateDescriptor,
  type Trigger,
  eventTimeSessions,
  KeyedProcessFunction,
  OutputTag,
  slidingEventTime,
  tumblingEventTime,
  tumblingProcessingTime,
  watermarks,
  type Collector,
  type DataStream,
  type KeyedConnectedStreams,
  type KeyedContext,
  type KeyedStream,
  type OnTimerContext,
  type StreamEnvironment,
  type TimeWindow,
  type WatermarkStrategy,
  type WindowedStream,
} from '@weir/core';

declare const env: StreamEnvironment;

interface Bid {
  readonly auction: number;
  readonly price: number;
  readonly dateTime: number;
}
interface Person {
  readonly id: number;
  readonly name: string;
}
declare const bids: DataStream<Bid>;
declare const people: DataStream<Person>;
declare const numbers: DataStream<number>;

const count = { create: () => 0, add: (n: number) => n + 1, result: (n: number) => n, merge: (a: number, b: number) => a + b };

describe('event-time types flow through the chain', () => {
  it('types a watermark strategy by its records, and fromSource by the source', () => {
    const strategy = watermarks.boundedOutOfOrderness<Bid>((b) => b.dateTime, 5_000).withIdleness(30_000);
    expectTypeOf(strategy).toEqualTypeOf<WatermarkStrategy<Bid>>();
    expectTypeOf(env.fromSource(collectionSource<Bid>([]), strategy)).toEqualTypeOf<DataStream<Bid>>();
    expectTypeOf(env.fromSource(collectionSource<Bid>([]), watermarks.monotonous((b: Bid, sourceTime) => b.dateTime + sourceTime))).toEqualTypeOf<
      DataStream<Bid>
    >();
    expectTypeOf(env.fromSource(collectionSource<Bid>([]), 'a name')).toEqualTypeOf<DataStream<Bid>>();
  });

  it('windows a keyed stream and gives each window function its key, window and elements', () => {
    const windowed = bids.keyBy((b) => b.auction).window(slidingEventTime({ size: 10_000, slide: 2_000 }));
    expectTypeOf(windowed).toEqualTypeOf<WindowedStream<number, Bid>>();
    expectTypeOf(windowed.allowedLateness(1_000).aggregate(count)).toEqualTypeOf<DataStream<number>>();
    expectTypeOf(windowed.reduce((a, b) => (a.price > b.price ? a : b))).toEqualTypeOf<DataStream<Bid>>();
    const withMeta = windowed.aggregate(count, {
      process(key, ctx, elements, out: Collector<{ auction: number; end: number; n: number }>) {
        expectTypeOf(key).toEqualTypeOf<number>();
        expectTypeOf(ctx.window).toEqualTypeOf<TimeWindow>();
        expectTypeOf(elements).toEqualTypeOf<readonly number[]>();
        out.collect({ auction: key, end: ctx.window.end, n: elements[0] });
      },
    });
    expectTypeOf(withMeta).toEqualTypeOf<DataStream<{ auction: number; end: number; n: number }>>();
    const all = windowed.process({
      process(_key, _ctx, elements, out: Collector<string>) {
        expectTypeOf(elements).toEqualTypeOf<readonly Bid[]>();
        out.collect(String(elements.length));
      },
    });
    expectTypeOf(all).toEqualTypeOf<DataStream<string>>();
  });

  it('types the issue’s example end to end', () => {
    const lateTag = new OutputTag<Bid>('late-bids');
    const counts = env
      .fromSource(collectionSource<Bid>([]), watermarks.boundedOutOfOrderness<Bid>((b) => b.dateTime, 5_000).withIdleness(30_000))
      .keyBy((b) => b.auction)
      .window(slidingEventTime({ size: 10_000, slide: 2_000 }))
      .allowedLateness(1_000)
      .sideOutputLateData(lateTag)
      .aggregate({ create: () => 0, add: (acc, _b) => acc + 1, result: (acc) => acc, merge: (a, b) => a + b });
    expectTypeOf(counts).toEqualTypeOf<DataStream<number>>();
  });

  it('reads late records back as a side output of their type', () => {
    const late = new OutputTag<Bid>('late');
    const counts = bids.keyBy((b) => b.auction).window(eventTimeSessions({ gap: 1_000 })).sideOutputLateData(late).aggregate(count);
    expectTypeOf(counts.getSideOutput(late)).toEqualTypeOf<DataStream<Bid>>();
  });

  it('windows a whole stream with windowAll', () => {
    expectTypeOf(numbers.windowAll(tumblingProcessingTime({ size: 1_000 })).reduce((a, b) => a + b)).toEqualTypeOf<DataStream<number>>();
  });

  it('takes triggers, evictors and count windows, built-in ones kept in variables too', () => {
    const evictor = countEvictor(3);
    const trigger = purgingTrigger(countTrigger(10));
    const windowed = bids.keyBy((b) => b.auction).window(tumblingEventTime({ size: 1_000 })).trigger(trigger).evictor(evictor).evictor(timeEvictor(100));
    expectTypeOf(windowed).toEqualTypeOf<WindowedStream<number, Bid>>();
    expectTypeOf(bids.keyBy((b) => b.auction).countWindow(5, 2).reduce((a, b) => (a.price > b.price ? a : b))).toEqualTypeOf<DataStream<Bid>>();
    expectTypeOf(numbers.countWindowAll(100).aggregate(count)).toEqualTypeOf<DataStream<number>>();
    const highBids: Trigger<Bid> = {
      onElement: (b, _ts, _w, ctx) => (b.price > ctx.getState(new ValueStateDescriptor<number>('max', 0)).value()! ? 'fire' : 'continue'),
      onEventTime: () => 'continue',
      onProcessingTime: () => 'continue',
      clear: () => {},
    };
    bids.keyBy((b) => b.auction).window(globalWindows()).trigger(highBids);
    // @ts-expect-error a trigger of other records does not fit
    bids.keyBy((b) => b.auction).window(globalWindows()).trigger(highBids as unknown as Trigger<Person>);
  });

  it('gives onTimer the key type and a timer service in every context', () => {
    const out = bids.keyBy((b) => String(b.auction)).process({
      processElement(b, ctx, o: Collector<string>) {
        expectTypeOf(ctx).toEqualTypeOf<KeyedContext<string>>();
        ctx.timerService.registerEventTimeTimer(b.dateTime + 60_000);
        expectTypeOf(ctx.timestamp()).toEqualTypeOf<number | undefined>();
        o.collect(ctx.getCurrentKey());
      },
      onTimer(ts, ctx, o) {
        expectTypeOf(ts).toEqualTypeOf<number>();
        expectTypeOf(ctx).toEqualTypeOf<OnTimerContext<string>>();
        expectTypeOf(ctx.timeDomain()).toEqualTypeOf<'event-time' | 'processing-time'>();
        o.collect(ctx.getCurrentKey());
      },
    });
    expectTypeOf(out).toEqualTypeOf<DataStream<string>>();
  });

  it('lets a class extend KeyedProcessFunction', () => {
    class Alert extends KeyedProcessFunction<number, Bid, string> {
      processElement(b: Bid, ctx: KeyedContext<number>) {
        ctx.timerService.registerProcessingTimeTimer(ctx.timerService.currentProcessingTime() + b.price);
      }
      override onTimer(ts: number, _ctx: OnTimerContext<number>, out: Collector<string>) {
        out.collect(`${ts}`);
      }
    }
    expectTypeOf(bids.keyBy((b) => b.auction).process(new Alert())).toEqualTypeOf<DataStream<string>>();
  });

  it('connects two keyed streams of one key type, and joins them by interval', () => {
    const a = bids.keyBy((b) => b.auction);
    const p = people.keyBy((x) => x.id);
    expectTypeOf(a.connect(p)).toEqualTypeOf<KeyedConnectedStreams<number, Bid, Person>>();
    const joined = a.connect(p).process({
      processElement1(b, ctx, out: Collector<string>) {
        expectTypeOf(b).toEqualTypeOf<Bid>();
        expectTypeOf(ctx.getCurrentKey()).toEqualTypeOf<number>();
        out.collect('');
      },
      processElement2(x, _ctx, out) {
        expectTypeOf(x).toEqualTypeOf<Person>();
        out.collect(x.name);
      },
    });
    expectTypeOf(joined).toEqualTypeOf<DataStream<string>>();
    const pairs = a
      .intervalJoin(p)
      .between(-10_000, 0)
      .process({
        processElement(l, r, ctx, out: Collector<[number, string, number]>) {
          out.collect([l.auction, r.name, ctx.timestamp]);
        },
      });
    expectTypeOf(pairs).toEqualTypeOf<DataStream<[number, string, number]>>();
  });

  it('connects two unkeyed streams', () => {
    const out = numbers.connect(people).process({
      processElement1: (n, _ctx, o: Collector<string>) => o.collect(String(n)),
      processElement2: (x, _ctx, o) => o.collect(x.name),
    });
    expectTypeOf(out).toEqualTypeOf<DataStream<string>>();
    expectTypeOf(bids.keyBy((b) => b.auction)).toEqualTypeOf<KeyedStream<number, Bid>>();
  });
});

describe('event-time calls that must not compile', () => {
  it('rejects a watermark strategy of another record type', () => {
    // @ts-expect-error the strategy reads Person records, the source emits Bids
    env.fromSource(collectionSource<Bid>([]), watermarks.monotonous<Person>((p) => p.id));
    // @ts-expect-error a timestamp assigner returns a number
    watermarks.boundedOutOfOrderness<Bid>((b) => String(b.dateTime), 1_000);
  });

  it('rejects windows and joins on a stream that is not keyed', () => {
    // @ts-expect-error window exists only on KeyedStream: keyBy first (or windowAll)
    bids.window(tumblingEventTime({ size: 1_000 }));
    // @ts-expect-error intervalJoin exists only on KeyedStream
    bids.intervalJoin(people.keyBy((p) => p.id));
  });

  it('rejects an interval join or a keyed connect across key types', () => {
    const byNumber = bids.keyBy((b) => b.auction);
    const byString = people.keyBy((p) => p.name);
    // @ts-expect-error both sides of an interval join must have the same key type
    byNumber.intervalJoin(byString);
  });

  it('rejects a late-data tag of another type, and a side output value of another type', () => {
    // @ts-expect-error late records are Bids, the tag carries strings
    bids.keyBy((b) => b.auction).window(tumblingEventTime({ size: 1_000 })).sideOutputLateData(new OutputTag<string>('late'));
    bids.keyBy((b) => b.auction).process({
      processElement(b, ctx) {
        // @ts-expect-error the tag carries strings
        ctx.output(new OutputTag<string>('s'), b.price);
      },
    });
  });

  it('rejects an aggregate whose accumulator types do not line up', () => {
    bids
      .keyBy((b) => b.auction)
      .window(tumblingEventTime({ size: 1_000 }))
      // @ts-expect-error add must return the accumulator type (number), not a string
      .aggregate({ create: () => 0, add: (n: number) => `${n}`, result: (n: number) => n });
  });

  it('rejects timers on an unkeyed process function', () => {
    numbers.process({
      processElement(_n, ctx) {
        // @ts-expect-error timers are keyed: a ProcessFunction's context has no timerService
        ctx.timerService.registerEventTimeTimer(0);
      },
    });
  });
});
