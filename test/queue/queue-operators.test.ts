/**
 * The queue operators of KeyedStream, one subtask at a time in the keyed operator harness (the
 * wall clock moves only when the test says): `dedupe` drops an id seen within the ttl and forgets
 * it after, `rateLimit` lets `perKey` records of a key leave in any `per` ms and delays the rest
 * in order, and both refuse bad options at build time with a ConfigError naming the option.
 * Crashes, restores and rescales: test/crash/queue-operators.crash.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { DedupeFunction, OutputTag, RateLimitFunction, StreamEnvironment, collectSink, collectionSource, executeAndCollect, type KeyedStream } from '@weir/core';
import { KeyedOperatorHarness } from '../../packages/core/src/runtime/operators/testing/keyed-operator-harness.ts';
import { configError } from '../support/config-error.ts';

interface Job {
  readonly c: string;
  readonly id: string;
  readonly n: number;
}

const job = (c: string, id: string, n = 0): Job => ({ c, id, n });

const harness = (fn: DedupeFunction<string, Job> | RateLimitFunction<string, Job>, sideTags: readonly string[] = []) =>
  new KeyedOperatorHarness({ kind: 'keyedProcess', fn: fn as never }, { sideTags }).open();

/** Sends `j` with its customer as the key. */
const send = (h: KeyedOperatorHarness, ...jobs: Job[]) => {
  for (const j of jobs) h.process(j.c, j);
};

const ids = (h: KeyedOperatorHarness) => (h.take() as Job[]).map((j) => `${j.c}/${j.id}`);

describe('dedupe', () => {
  // ttl 1600 ms: timers on a grain of ttl/16 = 100 ms.
  const TTL = 1_600;
  const GRAIN = 100;

  it('drops a repeat of an id within the ttl, per key, and passes it again after ttl + grain', async () => {
    const h = await harness(new DedupeFunction<string, Job>((j) => j.id, TTL, undefined));
    send(h, job('a', 'x', 1), job('a', 'y', 2), job('b', 'x', 3)); // b's x is not a's x
    expect(ids(h)).toEqual(['a/x', 'a/y', 'b/x']);
    h.advanceProcessingTime(TTL - 1);
    send(h, job('a', 'x', 4), job('b', 'x', 5), job('a', 'y', 6));
    expect(ids(h)).toEqual([]);
    // Remembered from the first record that carried it, not the last: no sliding ttl.
    h.advanceProcessingTime(TTL + GRAIN);
    expect(h.backend.numKeys()).toBe(0); // the expiry timer removed every id
    send(h, job('a', 'x', 7), job('b', 'x', 8));
    expect(h.take()).toEqual([job('a', 'x', 7), job('b', 'x', 8)]);
    send(h, job('a', 'x', 9)); // and is remembered again from now on
    expect(h.take()).toEqual([]);
  });

  it('never forgets an id before the ttl, whatever the grain of its timers', async () => {
    // ttl 1000: grain 63, an id seen at 10 expires at 1010 and its timer is at 1071.
    const h = await harness(new DedupeFunction<string, Job>((j) => j.id, 1_000, undefined), []);
    h.advanceProcessingTime(10);
    send(h, job('a', 'x'));
    h.advanceProcessingTime(1_009);
    send(h, job('a', 'x'));
    expect(ids(h)).toEqual(['a/x']);
    h.advanceProcessingTime(1_010);
    send(h, job('a', 'x')); // due, though its timer has not fired: passes, remembered until 2010
    expect(ids(h)).toEqual(['a/x']);
    h.advanceProcessingTime(1_071); // the first timer: the renewed id stays
    send(h, job('a', 'x'));
    expect(ids(h)).toEqual([]);
    h.advanceProcessingTime(2_100);
    expect(h.backend.numKeys()).toBe(0);
  });

  it('sends duplicates to the side output when given a tag, each record to one output only', async () => {
    const tag = new OutputTag<Job>('duplicate-jobs');
    const h = await harness(new DedupeFunction<string, Job>((j) => j.id, TTL, tag), [tag.id]);
    send(h, job('a', 'x', 1), job('a', 'x', 2), job('b', 'x', 3), job('a', 'x', 4));
    expect(h.take()).toEqual([job('a', 'x', 1), job('b', 'x', 3)]);
    expect(h.sides.get(tag.id)!.map((e) => e.value)).toEqual([job('a', 'x', 2), job('a', 'x', 4)]);
    h.advanceProcessingTime(TTL + GRAIN);
    send(h, job('a', 'x', 5));
    expect(h.take()).toEqual([job('a', 'x', 5)]);
    expect(h.sides.get(tag.id)!.length).toBe(2);
  });

  it('takes numbers and strings as ids, which are different ids', async () => {
    const h = await harness(new DedupeFunction<string, { c: string; id: string | number }>((j) => j.id, TTL, undefined) as never);
    for (const id of [1, '1', 1, '1', 2]) h.process('a', { c: 'a', id });
    expect((h.take() as { id: unknown }[]).map((j) => j.id)).toEqual([1, '1', 2]);
  });
});

describe('rateLimit', () => {
  const PER_KEY = 3;
  const PER = 100;
  const limiter = () => harness(new RateLimitFunction<string, Job>(PER_KEY, PER));
  const numbers = (h: KeyedOperatorHarness) => (h.take() as Job[]).map((j) => `${j.c}${j.n}`);
  const burst = (c: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => job(c, `${c}${from + i}`, from + i));

  it('lets perKey records through at once and delays the rest, in arrival order, as the window slides', async () => {
    const h = await limiter();
    h.advanceProcessingTime(1_000);
    send(h, ...burst('a', 1, 2));
    h.advanceProcessingTime(1_040);
    send(h, ...burst('a', 3, 8));
    expect(numbers(h)).toEqual(['a1', 'a2', 'a3']);
    // a1 and a2 left at 1000: at 1100 they leave the window (1000, 1100], making room for two.
    h.advanceProcessingTime(1_099);
    expect(numbers(h)).toEqual([]);
    h.advanceProcessingTime(1_100);
    expect(numbers(h)).toEqual(['a4', 'a5']);
    // A record arriving while others wait queues behind them, even if the window had room.
    send(h, job('a', 'a9', 9));
    h.advanceProcessingTime(1_139);
    expect(numbers(h)).toEqual([]);
    h.advanceProcessingTime(1_140); // a3 (1040) leaves the window
    expect(numbers(h)).toEqual(['a6']);
    h.advanceProcessingTime(1_200);
    expect(numbers(h)).toEqual(['a7', 'a8']);
    h.advanceProcessingTime(1_240);
    expect(numbers(h)).toEqual(['a9']);
    h.advanceProcessingTime(10_000);
    expect(numbers(h)).toEqual([]);
  });

  it('never lets more than perKey records of a key leave within any window of per ms', async () => {
    const h = await limiter();
    const left: { n: number; at: number }[] = [];
    let n = 0;
    // A millisecond at a time, so that what comes out at t left at t. Input at uneven times and in
    // pairs, about three times faster than the limit, for the first second.
    for (let t = 0; t <= 5_000; t++) {
      h.advanceProcessingTime(t);
      if (t < 1_000 && t % 7 === 0 && t % 3 !== 0) send(h, ...Array.from({ length: t % 5 === 0 ? 2 : 1 }, () => job('a', String(n), n++)));
      for (const j of h.take() as Job[]) left.push({ n: j.n, at: t });
    }
    expect(left.map((l) => l.n)).toEqual(Array.from({ length: n }, (_, i) => i)); // all, in order
    for (let i = PER_KEY; i < left.length; i++) expect(left[i].at - left[i - PER_KEY].at).toBeGreaterThanOrEqual(PER);
    // It did have to delay: the last one left long after the input stopped at 1000.
    expect(left.at(-1)!.at).toBeGreaterThan(2_000);
  });

  it('with maxWaiting, sends a record that finds its key\'s waiting list full to the overflow output', async () => {
    const overflow = new OutputTag<Job>('overflow');
    const h = await harness(new RateLimitFunction<string, Job>(PER_KEY, PER, 2, overflow), [overflow.id]);
    const overflowed = () => h.sides.get(overflow.id)!.splice(0).map((e) => `${(e.value as Job).c}${(e.value as Job).n}`);
    h.advanceProcessingTime(1_000);
    // a1-a3 leave, a4 and a5 wait, a6 and a7 find the list full; b is a key of its own.
    send(h, ...burst('a', 1, 7), ...burst('b', 1, 4));
    expect(numbers(h)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3']);
    expect(overflowed()).toEqual(['a6', 'a7']);
    // At 1100 the window has room for three: a4, a5 leave, and the list has room again.
    h.advanceProcessingTime(1_100);
    expect(numbers(h).sort()).toEqual(['a4', 'a5', 'b4']);
    send(h, ...burst('a', 8, 12));
    // a4 and a5 left at 1100, one slot is free: a8 leaves, a9 and a10 wait, a11 and a12 overflow.
    expect(numbers(h)).toEqual(['a8']);
    expect(overflowed()).toEqual(['a11', 'a12']);
    h.advanceProcessingTime(1_200);
    expect(numbers(h)).toEqual(['a9', 'a10']);
    h.advanceProcessingTime(10_000);
    expect(numbers(h)).toEqual([]);
    expect(overflowed()).toEqual([]);
    expect(h.backend.numKeys()).toBe(0);
  });

  it('drains a long backlog in arrival order, and ends with no state', async () => {
    const h = await limiter();
    const n = 5_000; // more than the waiting list is compacted at (its first 1024 gone)
    send(h, ...burst('a', 0, n - 1));
    const left = numbers(h);
    for (let t = PER; left.length < n && t <= (n / PER_KEY + 2) * PER; t += PER) {
      h.advanceProcessingTime(t);
      const now = numbers(h);
      expect(now.length).toBeLessThanOrEqual(PER_KEY);
      left.push(...now);
    }
    expect(left).toEqual(Array.from({ length: n }, (_, i) => `a${i}`));
    h.advanceProcessingTime((n / PER_KEY + 10) * PER);
    expect(h.backend.numKeys()).toBe(0);
    expect(h.processingTime.pending).toBe(0);
  });

  it('keeps keys independent: one key waiting does not hold another back', async () => {
    const h = await limiter();
    send(h, ...burst('a', 1, 6));
    send(h, ...burst('b', 1, 2));
    h.advanceProcessingTime(50);
    send(h, ...burst('b', 3, 4), ...burst('c', 1, 3));
    expect(numbers(h)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'c1', 'c2', 'c3']);
    h.advanceProcessingTime(100);
    // Timers of different keys due at the same time fire in no particular order.
    expect(numbers(h).sort()).toEqual(['a4', 'a5', 'a6', 'b4']);
    h.advanceProcessingTime(1_000);
    expect(numbers(h)).toEqual([]);
  });

  it('holds no state and no timer for a key once it is idle', async () => {
    const h = await limiter();
    send(h, ...burst('a', 1, 5), job('b', 'b1', 1));
    h.advanceProcessingTime(100);
    h.advanceProcessingTime(150);
    expect(numbers(h)).toEqual(['a1', 'a2', 'a3', 'b1', 'a4', 'a5']);
    expect(h.backend.numKeys()).toBeGreaterThan(0); // a's departures at 100 are still in the window
    h.advanceProcessingTime(200);
    expect(h.backend.numKeys()).toBe(0);
    expect(h.processingTime.pending).toBe(0);
    // And a key that comes back starts afresh.
    send(h, ...burst('a', 6, 9));
    expect(numbers(h)).toEqual(['a6', 'a7', 'a8']);
    h.advanceProcessingTime(300);
    expect(numbers(h)).toEqual(['a9']);
    h.advanceProcessingTime(400);
    expect(h.backend.numKeys()).toBe(0);
    expect(h.processingTime.pending).toBe(0);
  });
});

describe('rateLimit in a bounded job', () => {
  // Processing-time timers do not fire after the final checkpoint: the records still waiting when
  // the input ends leave on the +∞ watermark every source sends then, over the limit. A window of a
  // minute: without that, 20 of the 30 would come out.
  it('lets every record go before the job ends, in order', async () => {
    const out = await executeAndCollect((env) =>
      env
        .fromCollection(Array.from({ length: 30 }, (_, n) => job('a', String(n), n)))
        .keyBy((j) => j.c)
        .rateLimit({ perKey: 20, per: 60_000 }),
    );
    expect(out.map((j) => j.n)).toEqual(Array.from({ length: 30 }, (_, n) => n));
  });

  it('with maxWaiting, sends the overflow to its side output, and every record comes out once', async () => {
    const env = StreamEnvironment.create({ parallelism: 1, logger: pino({ level: 'silent' }) });
    const overflow = new OutputTag<Job>('overflow');
    const passed = collectSink<Job>();
    const over = collectSink<Job>();
    const limited = env
      .fromCollection(Array.from({ length: 30 }, (_, n) => job('a', String(n), n)))
      .keyBy((j) => j.c)
      .rateLimit({ perKey: 10, per: 60_000, maxWaiting: 5, overflow });
    limited.sinkTo(passed);
    limited.getSideOutput(overflow).sinkTo(over);
    await env.execute('overflow');
    // 10 leave at once, 5 wait and leave at the end of input, 15 overflow.
    expect(passed.values.map((j) => j.n)).toEqual(Array.from({ length: 15 }, (_, n) => n));
    expect(over.values.map((j) => j.n)).toEqual(Array.from({ length: 15 }, (_, n) => n + 15));
  });
});

describe('configuration errors', () => {
  const keyed = (): KeyedStream<string, Job> =>
    StreamEnvironment.create()
      .fromSource(collectionSource([job('a', 'x')]))
      .keyBy((j) => j.c);

  it.each([
    ['ttl 0', () => keyed().dedupe((j) => j.id, { ttl: 0 }), 'ttl'],
    ['ttl < 0', () => keyed().dedupe((j) => j.id, { ttl: -1 }), 'ttl'],
    ['ttl NaN', () => keyed().dedupe((j) => j.id, { ttl: NaN }), 'ttl'],
    ['ttl Infinity', () => keyed().dedupe((j) => j.id, { ttl: Infinity }), 'ttl'],
    ['ttl missing', () => keyed().dedupe((j) => j.id, {} as never), 'ttl'],
    ['no options', () => keyed().dedupe((j) => j.id, undefined as never), 'ttl'],
    ['duplicates not a tag', () => keyed().dedupe((j) => j.id, { ttl: 1_000, duplicates: 'dups' as never }), 'duplicates'],
    ['unknown option ttL', () => keyed().dedupe((j) => j.id, { ttl: 1_000, ttL: 5 } as never), 'ttL'],
  ])('dedupe: %s', (_what, call, option) => {
    expect(configError(call).option).toBe(option);
  });

  it.each([
    ['perKey 1.5', () => keyed().rateLimit({ perKey: 1.5, per: 50 }), 'perKey'],
    ['perKey 0', () => keyed().rateLimit({ perKey: 0, per: 50 }), 'perKey'],
    ['perKey a string', () => keyed().rateLimit({ perKey: '20' as never, per: 50 }), 'perKey'],
    ['per 0', () => keyed().rateLimit({ perKey: 20, per: 0 }), 'per'],
    ['per < 0', () => keyed().rateLimit({ perKey: 20, per: -50 }), 'per'],
    ['per missing', () => keyed().rateLimit({ perKey: 20 } as never), 'per'],
    ['maxWaiting 0', () => keyed().rateLimit({ perKey: 20, per: 50, maxWaiting: 0, overflow: new OutputTag<Job>('o') }), 'maxWaiting'],
    ['maxWaiting without overflow', () => keyed().rateLimit({ perKey: 20, per: 50, maxWaiting: 100 }), 'overflow'],
    ['overflow without maxWaiting', () => keyed().rateLimit({ perKey: 20, per: 50, overflow: new OutputTag<Job>('o') }), 'maxWaiting'],
    ['overflow not a tag', () => keyed().rateLimit({ perKey: 20, per: 50, maxWaiting: 1, overflow: 'o' as never }), 'overflow'],
    ['no options', () => keyed().rateLimit(undefined as never), 'perKey'],
  ])('rateLimit: %s', (_what, call, option) => {
    expect(configError(call).option).toBe(option);
  });

  it('an unknown option is named, with the one it was probably meant to be', () => {
    const e = configError(() => keyed().rateLimit({ perkey: 20, per: 50 } as never));
    expect(e.option).toBe('perkey');
    expect(e.message).toContain("rateLimit has no option 'perkey'");
    expect(e.message).toContain("did you mean 'perKey'?");
    const d = configError(() => keyed().dedupe((j) => j.id, { ttl: 1_000, duplicate: new OutputTag('d') } as never));
    expect(d.option).toBe('duplicate');
    expect(d.message).toContain("did you mean 'duplicates'?");
  });

  it('names the option in the message too', () => {
    expect(configError(() => keyed().dedupe((j) => j.id, { ttl: 0 })).message).toContain("'ttl'");
    expect(configError(() => keyed().rateLimit({ perKey: 2.5, per: 50 })).message).toContain("'perKey'");
  });
});
