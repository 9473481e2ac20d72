/**
 * Window join and coGroup (Flink's JoinedStreams / CoGroupedStreams) in whole jobs: each input
 * tagged, the two unioned, keyed per side, windowed; the pairs (or groups) of each key and window
 * checked exactly, on tumbling, sliding and session windows, across subtasks, with late records,
 * and through a savepoint restored at another parallelism.
 */
import { join as joinPath } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assignWindows,
  collectionSource,
  collectSink,
  eventTimeSessions,
  generatorSource,
  slidingEventTime,
  tumblingEventTime,
  type CollectSink,
  type Collector,
  type DataStream,
  type Source,
  type StreamEnvironment,
  type WindowAssigner,
} from '@weir/core';
import { tempDirs, waitUntil } from '../support/checkpoint-jobs.ts';
import { environment, everyRecord, openEnded } from './event-time-support.ts';

/** A left record: keyed by `k`. */
interface L {
  readonly k: string;
  readonly t: number;
  readonly v: string;
}
/** A right record, of another shape: keyed by `key`. */
interface R {
  readonly key: string;
  readonly t: number;
  readonly w: string;
}

const l = (k: string, t: number, v = `${k}${t}`): L => ({ k, t, v });
const r = (key: string, t: number, w = `${key}${t}`): R => ({ key, t, w });
const pair = (a: L, b: R): string => `${a.v}+${b.w}`;

/** Both inputs as event-time streams, each with a punctuated watermark (`bound` out of order). */
function inputs(env: StreamEnvironment, left: readonly L[], right: readonly R[], bound = 0): [DataStream<L>, DataStream<R>] {
  return [
    env.fromSource(collectionSource(left), everyRecord<L>((x) => x.t, bound)),
    env.fromSource(collectionSource(right), everyRecord<R>((x) => x.t, bound)),
  ];
}

/**
 * What a window join must emit with an aligned (tumbling or sliding) assigner: every pair of a key
 * once per window both records belong to.
 */
function expectedPairs(left: readonly L[], right: readonly R[], assigner: WindowAssigner): string[] {
  const out: string[] = [];
  for (const a of left) {
    const starts = new Set(assignWindows(assigner, a.t).map((w) => w.start));
    for (const b of right) {
      if (a.k !== b.key) continue;
      for (const w of assignWindows(assigner, b.t)) if (starts.has(w.start)) out.push(pair(a, b));
    }
  }
  return out.sort();
}

// For windows of 10 ms. Key a: two left and two right records in [0,10), one of each in [10,20).
// Key b: a left one in [0,10), a right one in [10,20): different windows. c, d only left, e only right.
const left = [l('a', 1), l('c', 4), l('a', 3), l('b', 5), l('a', 12), l('d', 15)];
const right = [r('a', 2), r('e', 7), r('a', 8), r('b', 11), r('a', 14)];

describe('a window join on tumbling event-time windows', () => {

  it('emits every pair of a key and window, and nothing for one-sided keys or pairs across windows', async () => {
    const env = environment();
    const out = collectSink<string>();
    const [a, b] = inputs(env, left, right);
    a.join(b)
      .where((x) => x.k)
      .equalTo((y) => y.key)
      .window(tumblingEventTime({ size: 10 }))
      .apply(pair)
      .sinkTo(out);
    await env.execute();
    // [0,10): a1, a3 × a2, a8 (the cartesian product); [10,20): a12 × a14.
    expect([...out.values].sort()).toEqual(['a1+a2', 'a1+a8', 'a12+a14', 'a3+a2', 'a3+a8']);
    expect([...out.values].sort()).toEqual(expectedPairs(left, right, tumblingEventTime({ size: 10 })));
  });

  it('emits with the window end as the time, so windows downstream see each pair in its window', async () => {
    const env = environment();
    const out = collectSink<[number, number]>();
    const [a, b] = inputs(env, left, right);
    a.join(b)
      .where((x) => x.k)
      .equalTo((y) => y.key)
      .window(tumblingEventTime({ size: 10 }))
      .apply(pair)
      .windowAll(tumblingEventTime({ size: 10 }))
      .process({ process: (ctx, pairs, o: Collector<[number, number]>) => o.collect([ctx.window.start, pairs.length]) })
      .sinkTo(out);
    await env.execute();
    expect([...out.values].sort((x, y) => x[0] - y[0])).toEqual([
      [0, 4],
      [10, 1],
    ]);
  });

  it('flatApply emits zero or more records per pair', async () => {
    const env = environment();
    const out = collectSink<string>();
    const [a, b] = inputs(env, left, right);
    a.join(b)
      .where((x) => x.k)
      .equalTo((y) => y.key)
      .window(tumblingEventTime({ size: 10 }))
      .flatApply((x, y, o: Collector<string>) => {
        if (y.t > x.t) o.collect(pair(x, y));
      })
      .sinkTo(out);
    await env.execute();
    expect([...out.values].sort()).toEqual(['a1+a2', 'a1+a8', 'a12+a14', 'a3+a8']);
  });

  it('is planned as a tagger chained to each input and one keyed window operator with the given name, uid and parallelism', async () => {
    const env = environment(2);
    const out = collectSink<string>();
    const [a, b] = inputs(env, left, right);
    a.join(b)
      .where((x) => x.k)
      .equalTo((y) => y.key)
      .window(tumblingEventTime({ size: 10 }))
      .apply(pair)
      .uid('joined')
      .setParallelism(3)
      .sinkTo(out)
      .setParallelism(1);
    const client = env.executeAsync();
    const plan = client.plan();
    await client.result;
    // The collection sources run at parallelism 1: the taggers follow them and chain (no rebalance).
    const names = plan.map((task) => task.name).sort();
    expect(names).toEqual(['Sink', 'Source -> Window Join input 1', 'Source -> Window Join input 2', 'Window Join']);
    const window = plan.find((task) => task.name === 'Window Join')!;
    expect(window.parallelism).toBe(3);
    expect(window.operators).toEqual([{ uid: 'joined', name: 'Window Join' }]);
    expect(window.inputs.map((i) => i.partitioning)).toEqual(['hash', 'hash']);
    expect([...out.values].sort()).toEqual(['a1+a2', 'a1+a8', 'a12+a14', 'a3+a2', 'a3+a8']);
  });

  it('refuses streams of two environments', () => {
    const [a] = inputs(environment(), left, right);
    const [, b] = inputs(environment(), left, right);
    expect(() => a.join(b)).toThrow('join: both streams must belong to the same StreamEnvironment');
    expect(() => a.coGroup(b)).toThrow('coGroup: both streams must belong to the same StreamEnvironment');
  });
});

describe('a coGroup', () => {

  it('is called once per key and window with both sides, either of which may be empty', async () => {
    const env = environment();
    const out = collectSink<string>();
    const [a, b] = inputs(env, left, right);
    a.coGroup(b)
      .where((x) => x.k)
      .equalTo((y) => y.key)
      .window(tumblingEventTime({ size: 10 }))
      .apply((xs, ys, o: Collector<string>) => {
        expect(xs.length + ys.length).toBeGreaterThan(0);
        const key = xs[0]?.k ?? ys[0].key;
        const start = Math.floor((xs[0]?.t ?? ys[0].t) / 10) * 10;
        const sides = [xs.map((x) => x.v).sort(), ys.map((y) => y.w).sort()].map((s) => s.join(','));
        o.collect(`${key} [${start}] ${sides[0]} | ${sides[1]}`);
      })
      .sinkTo(out);
    await env.execute();
    expect([...out.values].sort()).toEqual([
      'a [0] a1,a3 | a2,a8',
      'a [10] a12 | a14',
      'b [0] b5 | ',
      'b [10]  | b11',
      'c [0] c4 | ',
      'd [10] d15 | ',
      'e [0]  | e7',
    ]);
  });

  it('is named CoGroup', async () => {
    const env = environment();
    const [a, b] = inputs(env, left, right);
    a.coGroup(b)
      .where((x) => x.k)
      .equalTo((y) => y.key)
      .window(tumblingEventTime({ size: 10 }))
      .apply((xs, ys, o: Collector<number>) => o.collect(xs.length + ys.length))
      .sinkTo(collectSink());
    const client = env.executeAsync();
    const names = client.plan().flatMap((task) => task.operators.map((op) => op.name));
    await client.result;
    expect(names).toContain('CoGroup');
    expect(names).toContain('CoGroup input 1');
    expect(names).toContain('CoGroup input 2');
  });
});

describe('a window join on sliding and session windows', () => {
  it('joins a pair in every sliding window both records belong to', async () => {
    const assigner = slidingEventTime({ size: 10, slide: 5 });
    // a6 and a8 share [0,10) and [5,15): two pairs. a6 and a3 share [0,10), a6 and a12 [5,15): one
    // each. The same for a7. b9 and b16 share none.
    const left = [l('a', 6), l('a', 7), l('b', 9)];
    const right = [r('a', 3), r('a', 8), r('a', 12), r('b', 16)];
    const env = environment();
    const out = collectSink<string>();
    const [a, b] = inputs(env, left, right);
    a.join(b).where((x) => x.k).equalTo((y) => y.key).window(assigner).apply(pair).sinkTo(out);
    await env.execute();
    expect([...out.values].sort()).toEqual(['a6+a3', 'a6+a8', 'a6+a8', 'a6+a12', 'a7+a3', 'a7+a8', 'a7+a8', 'a7+a12'].sort());
    expect([...out.values].sort()).toEqual(expectedPairs(left, right, assigner));
  });

  it('joins within sessions that records of both sides make and merge', async () => {
    // Gap 10. Key b: sessions [0,15) (b0, b5) and [30,46) (b30, b36): two pairs.
    // Key a: the same, but a13 (left) and a21 (right) bridge them into one session [0,46): 3 × 3 pairs.
    const left = [l('a', 0), l('b', 0), l('a', 13), l('a', 30), l('b', 30)];
    const right = [r('a', 5), r('b', 5), r('a', 21), r('a', 36), r('b', 36)];
    const env = environment();
    const out = collectSink<string>();
    const [a, b] = inputs(env, left, right);
    a.join(b)
      .where((x) => x.k)
      .equalTo((y) => y.key)
      .window(eventTimeSessions({ gap: 10 }))
      .apply(pair)
      .sinkTo(out);
    await env.execute();
    const aPairs = ['a0', 'a13', 'a30'].flatMap((x) => ['a5', 'a21', 'a36'].map((y) => `${x}+${y}`));
    expect([...out.values].sort()).toEqual([...aPairs, 'b0+b5', 'b30+b36'].sort());
  });

  it('coGroups a session with records of one side only', async () => {
    const times = (xs: readonly { t: number }[]) => xs.map((x) => x.t).sort((p, q) => p - q).join(',');
    const env = environment();
    const out = collectSink<string>();
    const [a, b] = inputs(env, [l('a', 0), l('a', 4), l('a', 50)], [r('a', 8), r('a', 70)]);
    a.coGroup(b)
      .where((x) => x.k)
      .equalTo((y) => y.key)
      .window(eventTimeSessions({ gap: 10 }))
      .apply((xs, ys, o: Collector<string>) => o.collect(`${times(xs)} | ${times(ys)}`))
      .sinkTo(out);
    await env.execute();
    expect([...out.values].sort()).toEqual(['0,4 | 8', '50 | ', ' | 70'].sort());
  });
});

describe('a window join across subtasks', () => {
  const KEYS = 7;
  const left = Array.from({ length: 300 }, (_, i) => l(`k${i % KEYS}`, i * 3, `L${i}`));
  const right = Array.from({ length: 200 }, (_, i) => r(`k${(i * 3) % KEYS}`, i * 5 + 1, `R${i}`));

  /** The join of `left` and `right` with the right input read by `rightParallelism` subtasks. */
  async function run(parallelism: number, rightParallelism: number, assigner: WindowAssigner): Promise<string[]> {
    const env = environment(parallelism);
    const out = collectSink<string>();
    const a = env.fromSource(collectionSource(left), everyRecord<L>((x) => x.t, 10));
    // Subtask s of p generates the indices ≡ s (mod p): each subtask's times grow.
    const b = env
      .fromSource(generatorSource({ count: right.length, generate: (i) => right[i] }), everyRecord<R>((y) => y.t))
      .setParallelism(rightParallelism);
    a.join(b).where((x) => x.k).equalTo((y) => y.key).window(assigner).apply(pair).sinkTo(out);
    await env.execute();
    return [...out.values].sort();
  }

  it('gives the same pairs at parallelism 1 and 2, with inputs of different parallelism', async () => {
    const assigner = tumblingEventTime({ size: 50 });
    const expected = expectedPairs(left, right, assigner);
    expect(expected.length).toBeGreaterThan(300);
    expect(await run(1, 1, assigner)).toEqual(expected);
    // Left: 1 subtask (a collection); right: 2 or 3; the window: 2 (keys hashed over both).
    expect(await run(2, 2, assigner)).toEqual(expected);
    expect(await run(2, 3, assigner)).toEqual(expected);
  });

  it('slides across subtasks too', async () => {
    const assigner = slidingEventTime({ size: 60, slide: 20 });
    expect(await run(2, 2, assigner)).toEqual(expectedPairs(left, right, assigner));
  });
});

describe('late records in a window join', () => {
  /**
   * `before`, then nothing until `gate` resolves, then `after`: the test opens the gate once the
   * first window fired, so that which records come late does not depend on timing between the
   * two inputs.
   */
  function gated<T>(before: readonly T[], gate: Promise<void>, after: readonly T[]): Source<T> {
    return {
      boundedness: 'bounded',
      maxParallelism: 1,
      createReader: () => {
        let open = false;
        let first = true;
        void gate.then(() => (open = true));
        return {
          pollNext(output) {
            if (first) for (const x of before) output.collect(x);
            first = false;
            if (!open) return 'nothing-available';
            for (const x of after) output.collect(x);
            return 'end';
          },
          isAvailable: () => gate,
        };
      },
    };
  }

  /**
   * Left a1 and a15 (watermark 14: [0,10) fires, with the right side's a2, whose input has
   * ended), then a5 (behind the watermark by 9) and a25 (watermark 24), then a3 (behind by 21).
   */
  async function run(allowedLateness: number | undefined): Promise<string[]> {
    const env = environment();
    const out = collectSink<string>();
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const a = env.fromSource(gated([l('a', 1), l('a', 15)], gate, [l('a', 5), l('a', 25), l('a', 3)]), everyRecord<L>((x) => x.t));
    const b = env.fromSource(collectionSource([r('a', 2)]), everyRecord<R>((y) => y.t));
    const windowed = a
      .join(b)
      .where((x) => x.k)
      .equalTo((y) => y.key)
      .window(tumblingEventTime({ size: 10 }));
    if (allowedLateness !== undefined) windowed.allowedLateness(allowedLateness);
    windowed.apply(pair).sinkTo(out);
    const client = env.executeAsync();
    await waitUntil(() => out.values.length > 0, 'the first window to fire');
    expect(out.values).toEqual(['a1+a2']);
    openGate();
    await client.result;
    return [...out.values].sort();
  }

  it('drops records behind the watermark by default', async () => {
    expect(await run(undefined)).toEqual(['a1+a2']);
  });

  it('refires a window with a record within the allowed lateness, and drops those beyond it', async () => {
    // a5 is within 10 ms: [0,10) fires again with all its pairs. a3 comes after [0,10) was purged (at 19).
    expect(await run(10)).toEqual(['a1+a2', 'a1+a2', 'a5+a2']);
  });

  it('checks the lateness', () => {
    const env = environment();
    const [a, b] = inputs(env, [], []);
    const windowed = a.join(b).where((x) => x.k).equalTo((y) => y.key).window(tumblingEventTime({ size: 10 }));
    expect(() => windowed.allowedLateness(-1)).toThrow("option 'allowedLateness' must be an integer ≥ 0, got -1");
  });
});

describe('open join windows in a savepoint', () => {
  const dirs = tempDirs();
  afterAll(() => dirs.cleanup());

  const KEYS = 5;
  const left = Array.from({ length: 200 }, (_, i) => l(`k${i % KEYS}`, i * 5, `L${i}`));
  const right = Array.from({ length: 143 }, (_, i) => r(`k${i % KEYS}`, i * 7, `R${i}`));
  const assigner = tumblingEventTime({ size: 100 });

  function defineJob(env: StreamEnvironment, sources: [Source<L>, Source<R>], phase: string, out: CollectSink<string>): void {
    const a = env.fromSource(sources[0], everyRecord<L>((x) => x.t)).uid(`left-${phase}`);
    const b = env.fromSource(sources[1], everyRecord<R>((y) => y.t)).uid(`right-${phase}`);
    a.join(b).where((x) => x.k).equalTo((y) => y.key).window(assigner).apply(pair).uid('join').sinkTo(out).uid('sink');
  }

  it('restore at another parallelism with both sides of each window, and fire there', async () => {
    const root = await dirs.make();
    const early = (t: number) => t < 550;
    // Phase 1, parallelism 2: times below 550. Both watermarks pass 499: windows up to [400,500)
    // fire here; [500,600) stays open with records of both sides.
    const env1 = environment(2);
    env1.enableCheckpointing(60_000, { storage: joinPath(root, 'ck') });
    const out1 = collectSink<string>();
    const emitted = [{ n: 0 }, { n: 0 }];
    const left1 = left.filter((x) => early(x.t));
    const right1 = right.filter((y) => early(y.t));
    defineJob(env1, [openEnded(left1, emitted[0]), openEnded(right1, emitted[1])], '1', out1);
    const fired = expectedPairs(
      left1.filter((x) => x.t < 500),
      right1.filter((y) => y.t < 500),
      assigner,
    );
    const client = env1.executeAsync('window-join-rescale');
    await waitUntil(
      () => emitted[0].n === left1.length && emitted[1].n === right1.length && out1.values.length === fired.length,
      'phase 1 to fire its windows',
    );
    const savepoint = await client.triggerSavepoint(joinPath(root, 'sp'));
    client.cancel();
    await client.result;
    expect([...out1.values].sort()).toEqual(fired);

    // Phase 2, parallelism 3: the rest, bounded (+∞ at the end fires every window).
    const env2 = environment(3);
    env2.enableCheckpointing(60_000, { storage: joinPath(root, 'ck2'), fromCheckpoint: savepoint, allowNonRestoredState: true });
    const out2 = collectSink<string>();
    const rest: [Source<L>, Source<R>] = [collectionSource(left.filter((x) => !early(x.t))), collectionSource(right.filter((y) => !early(y.t)))];
    defineJob(env2, rest, '2', out2);
    await env2.execute('window-join-rescale');

    // [500,600) pairs restored records of both sides with each other and with new ones.
    const all = expectedPairs(left, right, assigner);
    expect(all).toContain('L100+R75'); // 500 and 525, both restored
    expect(all).toContain('L100+R80'); // 500, restored, and 560, new
    expect(all).toContain('L115+R75'); // 575, new, and 525, restored
    expect([...out1.values, ...out2.values].sort()).toEqual(all);
  });
});

describe('the types of a window join', () => {
  it('need the same key type on both sides and every step before apply', () => {
    const env = environment();
    const [a, b] = inputs(env, [], []);
    const numbered = env.fromCollection([{ id: 1 }]);
    const where = a.join(numbered).where((x) => x.t);
    where.equalTo((y) => y.id);
    // @ts-expect-error the right key must have the left key's type
    where.equalTo((y) => String(y.id));
    // @ts-expect-error no apply before where/equalTo/window
    expect(() => a.join(b).apply(pair)).toThrow();
    // @ts-expect-error no apply before window
    expect(() => a.join(b).where((x) => x.k).equalTo((y) => y.key).apply(pair)).toThrow();
    const joined: DataStream<string> = a.join(b).where((x) => x.k).equalTo((y) => y.key).window(tumblingEventTime({ size: 1 })).apply(pair);
    const grouped: DataStream<number> = a
      .coGroup(b)
      .where((x) => x.k)
      .equalTo((y) => y.key)
      .window(tumblingEventTime({ size: 1 }))
      .apply((xs: readonly L[], ys: readonly R[], o: Collector<number>) => o.collect(xs.length + ys.length));
    expect(joined).toBeDefined();
    expect(grouped).toBeDefined();
    // A DataStream<L> still passes as a DataStream<unknown> (join and coGroup keep DataStream covariant).
    const anyStream: DataStream<unknown> = a;
    expect(anyStream).toBe(a);
  });
});
