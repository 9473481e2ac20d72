/**
 * Windows and timers are keyed state: a savepoint taken while windows are open and timers pending
 * restores at another parallelism, and the windows and timers go on there, each firing once.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  collectSink,
  collectionSource,
  tumblingEventTime,
  type CollectSink,
  type Collector,
  type KeyedContext,
  type StreamEnvironment,
  type OnTimerContext,
  type Source,
} from '@weir/core';
import { tempDirs, waitUntil } from '../support/checkpoint-jobs.ts';
import { count, environment, ev, everyRecord, openEnded, type Ev } from './event-time-support.ts';

const KEYS = 10;
const record = (i: number): Ev => ev(`k${i % KEYS}`, i);
const range = (from: number, to: number): Ev[] => Array.from({ length: to - from }, (_, j) => record(from + j));

/** A tumbling count per key and, beside it, a timer per record 1000 ms after it (deduplicated per 100 ms). */
function defineJob(env: StreamEnvironment, source: Source<Ev>, sourceUid: string, out: CollectSink<string>): void {
  const events = env.fromSource(source, everyRecord<Ev>((e) => e.t)).uid(sourceUid).setParallelism(1);
  events
    .keyBy((e) => e.k)
    .window(tumblingEventTime({ size: 100 }))
    .aggregate(count, { process: (k: string, ctx, [n], o: Collector<string>) => o.collect(`window ${k} ${ctx.window.start} ${n}`) })
    .uid('windows')
    .sinkTo(out)
    .uid('window-sink');
  events
    .keyBy((e) => e.k)
    .process({
      processElement(e: Ev, ctx: KeyedContext<string>) {
        ctx.timerService.registerEventTimeTimer(Math.floor(e.t / 100) * 100 + 1000);
      },
      onTimer(ts: number, ctx: OnTimerContext<string>, o: Collector<string>) {
        o.collect(`timer ${ctx.getCurrentKey()} ${ts}`);
      },
    })
    .uid('timers')
    .sinkTo(out)
    .uid('timer-sink');
}

function expectedOutput(to: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < KEYS; k++) {
    for (let start = 0; start < to; start += 100) out.push(`window k${k} ${start} ${100 / KEYS}`, `timer k${k} ${start + 1000}`);
  }
  return out.sort();
}

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('open windows and pending timers in a savepoint', () => {
  it('restore at another parallelism and fire there, each once', async () => {
    const root = await dirs.make();
    // Phase 1, parallelism 2: records 0..549; the watermark reaches 549, so windows up to [400,500)
    // fire here, [500,600) stays open, and every timer (1000 and later) is pending.
    const env1 = environment(2);
    env1.enableCheckpointing(60_000, { storage: join(root, 'ck') });
    const out1 = collectSink<string>();
    const emitted = { n: 0 };
    defineJob(env1, openEnded(range(0, 550), emitted), 'phase-1', out1);
    const client = env1.executeAsync('timers-rescale');
    await waitUntil(() => emitted.n === 550 && out1.values.length === 5 * KEYS, 'phase 1 to fire its windows');
    const savepoint = await client.triggerSavepoint(join(root, 'sp'));
    client.cancel();
    await client.result;
    expect(out1.values.filter((v) => v.startsWith('timer'))).toEqual([]);

    // Phase 2, parallelism 3: records 550..999, bounded: +∞ at the end fires the rest.
    const env2 = environment(3);
    env2.enableCheckpointing(60_000, { storage: join(root, 'ck2'), fromCheckpoint: savepoint, allowNonRestoredState: true });
    const out2 = collectSink<string>();
    defineJob(env2, collectionSource(range(550, 1000)), 'phase-2', out2);
    await env2.execute('timers-rescale');

    expect([...out1.values, ...out2.values].sort()).toEqual(expectedOutput(1000));
  });
});
