import { describe, expect, it } from 'vitest';
import { watermarks } from '../../api/watermarks/index.ts';
import { WATERMARK, WATERMARK_STATUS, type ControlEvent } from '../events.ts';
import type { Output } from '../output/output.ts';
import { ManualProcessingTimeService } from './manual-processing-time-service.ts';
import { RecordTime } from './record-time.ts';
import { SourceWatermarks } from './source-watermarks.ts';

interface R {
  readonly t: number;
}

function setup(strategy = watermarks.boundedOutOfOrderness<R>((r) => r.t, 5), interval = 100) {
  const trace: string[] = [];
  const time = new RecordTime();
  const head: Output<R> = {
    collect: (r) => trace.push(`r${r.t}@${time.timestamp}`),
    emitEvent: (e: ControlEvent) => {
      if (e.kind === WATERMARK) trace.push(`w${e.timestamp}`);
      else if (e.kind === WATERMARK_STATUS) trace.push(e.idle ? 'idle' : 'active');
    },
    flush: () => {},
  };
  const clock = new ManualProcessingTimeService(1000);
  const out = new SourceWatermarks<R>(head, time, strategy, clock, interval);
  out.start();
  return { out, trace, clock };
}

describe('SourceWatermarks', () => {
  it('gives each record its time and emits the bounded watermark every interval', () => {
    const { out, trace, clock } = setup();
    out.collect({ t: 100 });
    out.collect({ t: 90 });
    clock.advanceTo(1100);
    out.collect({ t: 120 });
    clock.advanceTo(1200);
    expect(trace).toEqual(['r100@100', 'r90@90', 'w94', 'r120@120', 'w114']);
  });

  it('takes the minimum over splits, and a released split no longer holds it back', () => {
    const { out, trace, clock } = setup();
    const a = out.createOutputForSplit('a');
    const b = out.createOutputForSplit('b');
    a.collect({ t: 100 });
    b.collect({ t: 50 });
    clock.advanceTo(1100);
    out.releaseOutputForSplit('b');
    clock.advanceTo(1200);
    expect(trace).toEqual(['r100@100', 'r50@50', 'w44', 'w94']);
  });

  it('passes the source timestamp to the assigner, or uses it as is without one', () => {
    const { out, trace } = setup(watermarks.monotonous<R>((_r, ts) => ts + 1));
    out.collect({ t: 0 }, 41);
    const plain = setup(watermarks.noWatermarks<R>());
    plain.out.collect({ t: 0 }, 7);
    expect([trace, plain.trace]).toEqual([['r0@42'], ['r0@7']]);
  });

  it('marks a split idle after its timeout, and the subtask idle when every split is', () => {
    const { out, trace, clock } = setup(watermarks.boundedOutOfOrderness<R>((r) => r.t, 0).withIdleness(250));
    const a = out.createOutputForSplit('a');
    const b = out.createOutputForSplit('b');
    a.collect({ t: 10 });
    b.collect({ t: 20 });
    clock.advanceTo(1100); // both active
    b.collect({ t: 30 });
    clock.advanceTo(1400); // a idle since 1100 (≥ 250 ms): only b counts
    clock.advanceTo(1700); // b idle too
    a.collect({ t: 40 }); // a is back: active again before its record
    expect(trace).toEqual(['r10@10', 'r20@20', 'w9', 'r30@30', 'w29', 'idle', 'active', 'r40@40']);
  });

  it('ends with +∞, after saying it is active again', () => {
    const { out, trace } = setup();
    out.markIdle();
    out.endOfInput();
    expect(trace).toEqual(['idle', 'active', 'wInfinity']);
  });

  it('emits a punctuated watermark right after its record', () => {
    const strategy = watermarks.forGenerator<R>(
      () => ({
        onEvent: (r, ts, o) => {
          if (r.t % 10 === 0) o.emitWatermark(ts);
        },
        onPeriodicEmit: () => {},
      }),
      (r) => r.t,
    );
    const { out, trace } = setup(strategy);
    for (const t of [5, 10, 12, 20]) out.collect({ t });
    expect(trace).toEqual(['r5@5', 'r10@10', 'w10', 'r12@12', 'r20@20', 'w20']);
  });
});
