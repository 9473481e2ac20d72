/**
 * Timers of keyed process functions: fired once per (key, time), in time order, with the key set;
 * event time through watermarks, processing time through the task's loop (never a sleeping task).
 */
import { describe, expect, it } from 'vitest';
import {
  collectSink,
  collectionSource,
  KeyedProcessFunction,
  ValueStateDescriptor,
  watermarks,
  type Collector,
  type KeyedContext,
  type KeyedRuntimeContext,
  type OnTimerContext,
  type Source,
  type ValueState,
} from '@weir/core';
import { KeyedOperatorHarness } from '../../packages/core/src/runtime/operators/testing/keyed-operator-harness.ts';
import { environment, ev, everyRecord, type Ev } from './event-time-support.ts';

/** Registers the timers each record asks for (`v`: a time, negative: delete), and reports every firing. */
class TimerEcho extends KeyedProcessFunction<string, { at: number; processing?: boolean; del?: boolean }, string> {
  processElement(r: { at: number; processing?: boolean; del?: boolean }, ctx: KeyedContext<string>): void {
    const ts = ctx.timerService;
    if (r.processing) {
      if (r.del) ts.deleteProcessingTimeTimer(r.at);
      else ts.registerProcessingTimeTimer(r.at);
    } else if (r.del) ts.deleteEventTimeTimer(r.at);
    else ts.registerEventTimeTimer(r.at);
  }

  override onTimer(timestamp: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
    out.collect(`${ctx.getCurrentKey()}@${timestamp} ${ctx.timeDomain()} t=${String(ctx.timestamp())}`);
  }
}

const harness = (fn: KeyedProcessFunction<string, never, unknown> = new TimerEcho() as never) =>
  new KeyedOperatorHarness({ kind: 'keyedProcess', fn: fn as never }).open();

describe('event-time timers', () => {
  it('fire once per key and time, in time order, with the key set, when the watermark reaches them', async () => {
    const h = await harness();
    h.process('a', { at: 100 });
    h.process('a', { at: 100 });
    h.process('b', { at: 100 });
    h.process('b', { at: 50 });
    h.process('c', { at: 101 });
    h.watermark(99);
    expect(h.take()).toEqual(['b@50 event-time t=50']);
    h.watermark(100);
    expect(h.take().sort()).toEqual(['a@100 event-time t=100', 'b@100 event-time t=100']);
    h.watermark(1000);
    expect(h.take()).toEqual(['c@101 event-time t=101']);
    h.watermark(2000);
    expect(h.take()).toEqual([]);
  });

  it('emit with the timer time as the event time, and before the watermark goes on', async () => {
    const h = await harness();
    h.process('a', { at: 7 });
    h.watermark(8);
    expect(h.output).toEqual([{ value: 'a@7 event-time t=7', timestamp: 7 }]);
    expect(h.watermarks).toEqual([8]);
  });

  it('can be deleted, and registered again', async () => {
    const h = await harness();
    h.process('a', { at: 10 });
    h.process('a', { at: 20 });
    h.process('a', { at: 10, del: true });
    h.process('b', { at: 20, del: true }); // b has none: nothing happens
    h.watermark(30);
    expect(h.take()).toEqual(['a@20 event-time t=20']);
    h.process('a', { at: 10 }); // already past: fires with the next watermark
    h.watermark(31);
    expect(h.take()).toEqual(['a@10 event-time t=10']);
  });

  it('fire in time order across a million keys', async () => {
    const h = await harness();
    const n = 200_000;
    for (let i = 0; i < n; i++) h.process(`k${i}`, { at: (i * 7919) % n });
    h.watermark(Infinity);
    const times = h.output.map((e) => e.timestamp!);
    expect(times.length).toBe(n);
    for (let i = 1; i < n; i++) if (times[i] < times[i - 1]) throw new Error(`out of order at ${i}`);
  });
});

describe('processing-time timers', () => {
  it('fire when the wall clock reaches them, in order, once each', async () => {
    const h = await harness();
    h.process('a', { at: 500, processing: true });
    h.process('b', { at: 200, processing: true });
    h.process('a', { at: 500, processing: true });
    h.process('a', { at: 900, processing: true });
    h.process('a', { at: 900, processing: true, del: true });
    h.advanceProcessingTime(199);
    expect(h.take()).toEqual([]);
    h.advanceProcessingTime(600);
    expect(h.output).toEqual([
      { value: 'b@200 processing-time t=200', timestamp: undefined },
      { value: 'a@500 processing-time t=500', timestamp: undefined },
    ]);
    h.take();
    h.advanceProcessingTime(10_000);
    expect(h.take()).toEqual([]);
  });

  it('serve a retry with backoff: a failed item comes back after its delay, without a sleeping task', async () => {
    /** Each item fails twice, then succeeds; a failure retries after 100 ms, then 200 ms (kept in keyed state). */
    class Retry extends KeyedProcessFunction<string, string, string> {
      attempts!: ValueState<number>;
      pending!: ValueState<string>;
      override open(ctx: KeyedRuntimeContext) {
        this.attempts = ctx.getState(new ValueStateDescriptor<number>('attempts', 0));
        this.pending = ctx.getState(new ValueStateDescriptor<string>('item'));
      }
      processElement(item: string, ctx: KeyedContext<string>, out: Collector<string>) {
        this.pending.update(item);
        this.attempt(ctx, out);
      }
      override onTimer(_ts: number, ctx: OnTimerContext<string>, out: Collector<string>) {
        this.attempt(ctx, out);
      }
      attempt(ctx: KeyedContext<string>, out: Collector<string>) {
        const n = this.attempts.value()! + 1;
        this.attempts.update(n);
        const now = ctx.timerService.currentProcessingTime();
        if (n < 3) ctx.timerService.registerProcessingTimeTimer(now + 100 * n);
        else out.collect(`${this.pending.value()} done at ${now} after ${n} attempts`);
      }
    }
    const h = await harness(new Retry() as never);
    h.process('job-1', 'send mail');
    h.advanceProcessingTime(99);
    expect(h.take()).toEqual([]);
    h.advanceProcessingTime(100);
    h.advanceProcessingTime(299);
    expect(h.take()).toEqual([]);
    h.advanceProcessingTime(300);
    expect(h.take()).toEqual(['send mail done at 300 after 3 attempts']);
  });
});

describe('timers in a job', () => {
  it('fire once each, in order per key, and all of them by the end of bounded input', async () => {
    const env = environment(2);
    const out = collectSink<string>();
    const input = Array.from({ length: 300 }, (_, i) => ev(`k${i % 5}`, i));
    env
      .fromSource(collectionSource(input), watermarks.boundedOutOfOrderness<Ev>((e) => e.t, 10))
      .keyBy((e) => e.k)
      .process({
        processElement(e: Ev, ctx: KeyedContext<string>) {
          // Every record of a key asks for the same few timers: deduplicated per (key, time).
          ctx.timerService.registerEventTimeTimer(Math.floor(e.t / 50) * 50 + 49);
        },
        onTimer(ts: number, ctx: OnTimerContext<string>, o: Collector<string>) {
          o.collect(`${ctx.getCurrentKey()}@${ts}`);
        },
      })
      .sinkTo(out);
    await env.execute();
    const expected = [];
    for (let k = 0; k < 5; k++) for (let w = 49; w < 300; w += 50) expected.push(`k${k}@${w}`);
    expect([...out.values].sort()).toEqual(expected.sort());
    for (let k = 0; k < 5; k++) {
      const mine = out.values.filter((s) => s.startsWith(`k${k}@`)).map((s) => Number(s.split('@')[1]));
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
  });

  it('processing-time timers fire on the task loop while the source waits for input', async () => {
    const env = environment();
    const out = collectSink<string>();
    // Three items, then an input that stays open with nothing to read.
    const source: Source<string> = {
      boundedness: 'unbounded',
      createReader: () => {
        let sent = false;
        return {
          pollNext(o) {
            if (!sent) for (const s of ['a', 'b', 'c']) o.collect(s);
            sent = true;
            return 'nothing-available';
          },
          isAvailable: () => new Promise<void>(() => {}),
        };
      },
    };
    env
      .fromSource(source)
      .keyBy((s) => s)
      .process({
        processElement(_s: string, ctx: KeyedContext<string>) {
          ctx.timerService.registerProcessingTimeTimer(ctx.timerService.currentProcessingTime() + 30);
        },
        onTimer(_ts: number, ctx: OnTimerContext<string>, o: Collector<string>) {
          o.collect(`${ctx.getCurrentKey()} later`);
        },
      })
      .sinkTo(out);
    const client = env.executeAsync('processing-timers');
    const deadline = Date.now() + 20_000;
    while (out.values.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await client.cancel();
    expect([...out.values].sort()).toEqual(['a later', 'b later', 'c later']);
  });
});

describe('a keyed process function without a watermark strategy', () => {
  it('sees no event time on its records', async () => {
    const env = environment();
    const out = collectSink<string>();
    env
      .fromSource(collectionSource(['x']))
      .keyBy((s) => s)
      .process({ processElement: (s: string, ctx: KeyedContext<string>, o: Collector<string>) => o.collect(`${s} ${String(ctx.timestamp())}`) })
      .sinkTo(out);
    await env.execute();
    expect(out.values).toEqual(['x undefined']);
  });

  it('with one, sees each record time', async () => {
    const env = environment();
    const out = collectSink<string>();
    env
      .fromSource(collectionSource([ev('x', 42)]), everyRecord<Ev>((e) => e.t))
      .keyBy((e) => e.k)
      .process({ processElement: (e: Ev, ctx: KeyedContext<string>, o: Collector<string>) => o.collect(`${e.k} ${String(ctx.timestamp())}`) })
      .sinkTo(out);
    await env.execute();
    expect(out.values).toEqual(['x 42']);
  });
});
