/**
 * Idleness: a source subtask (or split) without data stops holding event time back once its
 * strategy's idle timeout passes, so windows fire on the others; without `withIdleness` it holds
 * event time back for as long as it has nothing.
 */
import { describe, expect, it } from 'vitest';
import { collectSink, tumblingEventTime, watermarks, type Source } from '@weir/core';
import { count, environment, ev, type Ev } from './event-time-support.ts';

/** Subtask 0 emits a record every 2 ms, 10 ms of event time apart; subtask 1 never emits anything. */
const halfIdle: Source<Ev> = {
  boundedness: 'unbounded',
  createReader(ctx) {
    let i = 0;
    return {
      pollNext(out) {
        if (ctx.subtaskIndex === 0) out.collect(ev('a', 10 * i++));
        return 'nothing-available';
      },
      isAvailable: () => new Promise<void>((resolve) => (ctx.subtaskIndex === 0 ? setTimeout(resolve, 2) : undefined)),
    };
  },
};

async function windowsWithin(ms: number, strategy: ReturnType<typeof watermarks.monotonous<Ev>>): Promise<number[]> {
  const env = environment(2);
  env.setAutoWatermarkInterval(10);
  const out = collectSink<number>();
  env
    .fromSource(halfIdle, strategy)
    .keyBy((e) => e.k)
    .window(tumblingEventTime({ size: 100 }))
    .aggregate(count)
    .sinkTo(out);
  const client = env.executeAsync('idleness');
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && out.values.length < 3) await new Promise((r) => setTimeout(r, 10));
  await client.cancel();
  return out.values;
}

describe('a source subtask without data', () => {
  it('with withIdleness, stops holding event time back: windows fire on the other subtask', async () => {
    const counts = await windowsWithin(20_000, watermarks.monotonous<Ev>((e) => e.t).withIdleness(50));
    expect(counts.length).toBeGreaterThanOrEqual(3);
    expect(counts.slice(0, 3)).toEqual([10, 10, 10]);
  });

  it('without it, holds event time back: no window fires', async () => {
    const counts = await windowsWithin(600, watermarks.monotonous<Ev>((e) => e.t));
    expect(counts).toEqual([]);
  });
});
