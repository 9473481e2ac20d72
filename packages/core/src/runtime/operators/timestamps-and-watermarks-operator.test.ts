import { describe, expect, it } from 'vitest';
import { watermarks } from '../../api/watermarks/index.ts';
import type { WatermarkStrategy } from '../../api/watermarks/watermark-strategy.ts';
import { OperatorError } from '../errors.ts';
import { WATERMARK_ACTIVE, WATERMARK_IDLE } from '../events.ts';
import { KeyedOperatorHarness } from './testing/keyed-operator-harness.ts';

interface Click {
  readonly page: string;
  readonly at: number;
}

function harness(strategy: WatermarkStrategy<Click>, autoWatermarkInterval = 200): KeyedOperatorHarness {
  return new KeyedOperatorHarness({ kind: 'timestampsAndWatermarks', strategy: strategy as WatermarkStrategy<unknown>, autoWatermarkInterval });
}

describe('TimestampsAndWatermarksOperator', () => {
  it("gives each record the assigner's time, which sees the time the record had upstream", async () => {
    const seen: number[] = [];
    const h = await harness(
      watermarks.boundedOutOfOrderness<Click>((c, upstream) => {
        seen.push(upstream);
        return c.at;
      }, 5),
    ).open();
    h.process('x', { page: 'a', at: 10 }, 99);
    h.process('x', { page: 'b', at: 7 });
    expect(h.output.map((e) => e.timestamp)).toEqual([10, 7]);
    expect(seen).toEqual([99, NaN]);
  });

  it('emits the generator’s watermark every interval, and only when it advanced', async () => {
    const h = await harness(watermarks.boundedOutOfOrderness<Click>((c) => c.at, 5), 200).open();
    h.process('x', { page: 'a', at: 30 });
    h.process('x', { page: 'a', at: 10 });
    expect(h.watermarks).toEqual([]);
    h.advanceProcessingTime(200);
    expect(h.watermarks).toEqual([24]);
    h.advanceProcessingTime(400);
    expect(h.watermarks).toEqual([24]);
    h.process('x', { page: 'a', at: 50 });
    h.advanceProcessingTime(600);
    expect(h.watermarks).toEqual([24, 44]);
  });

  it('drops the watermarks and idleness that come from upstream, but passes on the +∞ of the end of input', async () => {
    const h = await harness(watermarks.boundedOutOfOrderness<Click>((c) => c.at, 0)).open();
    h.process('x', { page: 'a', at: 5 });
    h.watermark(1_000_000);
    h.operator.emitEvent(WATERMARK_IDLE);
    h.operator.emitEvent(WATERMARK_ACTIVE);
    expect(h.watermarks).toEqual([]);
    expect(h.statuses).toEqual([]);
    h.watermark(Infinity);
    expect(h.watermarks).toEqual([Infinity]);
    // Periodic emission stopped at the end of input: no timer is left to run.
    expect(h.processingTime.pending).toBe(0);
  });

  it("puts the record's upstream time back after it, for the operators after it in the chain", async () => {
    const seen: number[] = [];
    const h = await harness(
      watermarks.boundedOutOfOrderness<Click>((c, upstream) => {
        seen.push(upstream);
        return c.at;
      }, 0),
    ).open();
    // Records without event time, the clock not reset between them (as a source without a strategy does).
    h.time.timestamp = NaN;
    h.operator.collect({ page: 'a', at: 10 });
    expect(h.time.timestamp).toBeNaN();
    h.operator.collect({ page: 'b', at: 20 });
    expect(seen).toEqual([NaN, NaN]);
    expect(h.output.map((e) => e.timestamp)).toEqual([10, 20]);
    h.time.timestamp = 5;
    h.operator.collect({ page: 'c', at: 30 });
    expect(h.time.timestamp).toBe(5);
  });

  it('fails as itself when its timestamp assigner or its generator throws', async () => {
    const assignerThrows = await harness(
      watermarks.boundedOutOfOrderness<Click>((c) => {
        if (c.at < 0) throw new Error('no time');
        return c.at;
      }, 0),
    ).open();
    expect(() => assignerThrows.process('x', { page: 'a', at: -1 })).toThrow(OperatorError);
    expect(() => assignerThrows.process('x', { page: 'a', at: -1 })).toThrow(/under test.*no time/s);
    const generatorThrows = await harness(
      watermarks.forGenerator<Click>(
        () => ({
          onEvent() {
            throw new Error('bad generator');
          },
          onPeriodicEmit() {},
        }),
        (c) => c.at,
      ),
    ).open();
    expect(() => generatorThrows.process('x', { page: 'a', at: 1 })).toThrow(/under test.*bad generator/s);
  });

  it("marks its output idle after the strategy's idle timeout without records, and active at the next record", async () => {
    const h = await harness(watermarks.boundedOutOfOrderness<Click>((c) => c.at, 0).withIdleness(1000), 200).open();
    h.process('x', { page: 'a', at: 5 });
    h.advanceProcessingTime(200);
    expect(h.watermarks).toEqual([4]);
    h.advanceProcessingTime(1000);
    expect(h.statuses).toEqual([]);
    h.advanceProcessingTime(1400);
    expect(h.statuses).toEqual([true]);
    h.process('x', { page: 'a', at: 6 });
    expect(h.statuses).toEqual([true, false]);
    h.advanceProcessingTime(1600);
    expect(h.watermarks).toEqual([4, 5]);
  });

  it('holds event time back before its first record, unless the strategy has an idle timeout', async () => {
    const held = await harness(watermarks.boundedOutOfOrderness<Click>((c) => c.at, 0), 200).open();
    held.advanceProcessingTime(10_000);
    expect(held.statuses).toEqual([]);
    const idle = await harness(watermarks.boundedOutOfOrderness<Click>((c) => c.at, 0).withIdleness(500), 200).open();
    idle.advanceProcessingTime(600);
    expect(idle.statuses).toEqual([true]);
  });

  it('with an interval of 0, emits every 512 records and when the task is about to wait', async () => {
    const h = await harness(watermarks.boundedOutOfOrderness<Click>((c) => c.at, 0), 0).open();
    for (let i = 1; i <= 600; i++) h.process('x', { page: 'a', at: i });
    expect(h.watermarks).toEqual([511]);
    h.operator.flush();
    expect(h.watermarks).toEqual([511, 599]);
    // No timer: nothing is scheduled with an interval of 0.
    expect(h.processingTime.pending).toBe(0);
  });
});
