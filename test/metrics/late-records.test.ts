/**
 * Late records a window drops are counted per subtask (`lateRecordsDropped` in `JobClient.status()`,
 * `weir_task_late_records_dropped_total` in /metrics, as Flink's `numLateRecordsDropped`); those it
 * sends to a late-data side output are not dropped, and not counted.
 */
import { describe, expect, it } from 'vitest';
import { collectSink, collectionSource, OutputTag, tumblingEventTime, type JobClient } from '@weir/core';
import { count, environment, ev, everyRecord, type Ev } from '../event-time/event-time-support.ts';

// Bound 5: a@7 after a@10 is on time (watermark 4); a@8 after a@20 and b@2 after b@12 are not
// (watermark 14: the windows [0,10) have fired).
const INPUT = [ev('a', 1), ev('a', 10), ev('a', 7), ev('b', 3), ev('a', 20), ev('a', 8), ev('b', 12), ev('b', 2), ev('a', 29)];

/** Late records dropped, per vertex name, summed over its subtasks. */
function dropped(client: JobClient): Record<string, number> {
  return Object.fromEntries(client.status().vertices.map((v) => [v.name, v.subtasks.reduce((n, s) => n + s.lateRecordsDropped, 0)]));
}

describe('late records dropped', () => {
  it('are counted by the window that drops them, and nowhere else', async () => {
    const env = environment();
    const out = collectSink<number>();
    env
      .fromSource(collectionSource(INPUT), everyRecord<Ev>((e) => e.t, 5))
      .keyBy((e) => e.k)
      .window(tumblingEventTime({ size: 10 }))
      .aggregate(count)
      .sinkTo(out);
    const client = env.executeAsync('late-dropped');
    expect((await client.result).status).toBe('finished');
    // Counted in [0,10): a@1, a@7 and b@3; every later window counts its own records.
    expect(out.values.reduce((a, b) => a + b, 0)).toBe(INPUT.length - 2);
    const counts = dropped(client);
    const windowed = Object.keys(counts).filter((name) => /window/i.test(name));
    expect(windowed).toHaveLength(1);
    expect(counts[windowed[0]]).toBe(2);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('are not counted when a late-data side output takes them', async () => {
    const env = environment();
    const late = new OutputTag<Ev>('late');
    const lateOut = collectSink<Ev>();
    const counts = env
      .fromSource(collectionSource(INPUT), everyRecord<Ev>((e) => e.t, 5))
      .keyBy((e) => e.k)
      .window(tumblingEventTime({ size: 10 }))
      .sideOutputLateData(late)
      .aggregate(count);
    counts.sinkTo(collectSink<number>());
    counts.getSideOutput(late).sinkTo(lateOut);
    const client = env.executeAsync('late-side-output');
    expect((await client.result).status).toBe('finished');
    expect(lateOut.values).toEqual([ev('a', 8), ev('b', 2)]);
    expect(Object.values(dropped(client)).reduce((a, b) => a + b, 0)).toBe(0);
  });
});
