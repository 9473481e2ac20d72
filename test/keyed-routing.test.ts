import { pino } from 'pino';
// Internals of @weir/core by path with `.js` (see chaining.test.ts).
import { murmurMix } from '../packages/core/src/state/key.js';
import { describe, expect, it } from 'vitest';
import {
  assignToKeyGroup,
  collectSink,
  generatorSource,
  hashKey,
  JobExecutionError,
  keyGroupRangeForOperatorIndex,
  operatorIndexForKeyGroup,
  StreamEnvironment,
  type Collector,
  type Key,
  type KeyedContext,
  type KeyedProcessFunction,
} from '@weir/core';

const environment = (parallelism: number) => StreamEnvironment.create({ parallelism, logger: pino({ level: 'silent' }) });

interface Seen {
  readonly key: Key;
  readonly subtask: number;
}

/** Records, with each key, the subtask that processed it. */
class RecordSubtask<K extends Key> implements KeyedProcessFunction<K, unknown, Seen> {
  processElement(_value: unknown, ctx: KeyedContext<K>, out: Collector<Seen>): void {
    out.collect({ key: ctx.getCurrentKey(), subtask: ctx.subtaskIndex });
  }
}

async function route<K extends Key>(keyOf: (i: number) => K, count: number, parallelism: number, maxParallelism: number) {
  const env = environment(parallelism).setMaxParallelism(maxParallelism);
  const out = collectSink<Seen>();
  env
    .fromSource(generatorSource({ count, generate: keyOf }))
    .keyBy((k) => k)
    .process(new RecordSubtask<K>())
    .sinkTo(out);
  await env.execute();
  return out;
}

function subtasksByKey(seen: readonly Seen[]): Map<Key, Set<number>> {
  const byKey = new Map<Key, Set<number>>();
  for (const s of seen) (byKey.get(s.key) ?? byKey.set(s.key, new Set()).get(s.key)!).add(s.subtask);
  return byKey;
}

describe('keyBy routing', () => {
  it('sends every record of a key to one subtask, the one owning its key group', async () => {
    const p = 4;
    const maxP = 128;
    const out = await route((i) => `user-${i % 200}`, 6_000, p, maxP);

    expect(out.values).toHaveLength(6_000);
    const byKey = subtasksByKey(out.values);
    expect(byKey.size).toBe(200);
    for (const [key, subtasks] of byKey) {
      expect([...subtasks]).toEqual([operatorIndexForKeyGroup(maxP, p, assignToKeyGroup(key, maxP))]);
    }
    // The sink is chained to the keyed operator: its subtask s received only what subtask s processed.
    out.bySubtask.forEach((records, s) => {
      expect(records.length).toBeGreaterThan(0);
      for (const r of records) expect(r.subtask).toBe(s);
    });
  });

  it('routes number, bigint and boolean keys the same way, with a small maxParallelism', async () => {
    const p = 3;
    const maxP = 7;
    const keyOf = (i: number): Key => (i % 3 === 0 ? i % 50 : i % 3 === 1 ? BigInt(i % 40) : i % 2 === 0);
    const out = await route(keyOf, 3_000, p, maxP);

    const byKey = subtasksByKey(out.values);
    expect(byKey.size).toBe(new Set(Array.from({ length: 3_000 }, (_, i) => keyOf(i))).size);
    for (const [key, subtasks] of byKey) {
      expect([...subtasks]).toEqual([operatorIndexForKeyGroup(maxP, p, assignToKeyGroup(key, maxP))]);
    }
  });

  it('routes each key to the same subtask on every run', async () => {
    const first = subtasksByKey((await route((i) => `k${i % 97}`, 2_000, 3, 128)).values);
    const second = subtasksByKey((await route((i) => `k${i % 97}`, 2_000, 3, 128)).values);
    expect(second).toEqual(first);
  });
});

describe('key groups', () => {
  const pairs: [maxP: number, p: number][] = [
    [1, 1],
    [7, 7],
    [10, 3],
    [128, 1],
    [128, 3],
    [128, 5],
    [128, 128],
    [100, 7],
    [32_768, 5],
    [32_768, 1_000],
  ];

  it.each(pairs)('ranges of all subtasks partition 0..maxParallelism-1 (maxParallelism %i, parallelism %i)', (maxP, p) => {
    let next = 0;
    for (let i = 0; i < p; i++) {
      const range = keyGroupRangeForOperatorIndex(maxP, p, i);
      expect(range.start).toBe(next);
      expect(range.size).toBeGreaterThan(0);
      // The range a subtask owns is exactly the key groups routed to it.
      expect(operatorIndexForKeyGroup(maxP, p, range.start)).toBe(i);
      expect(operatorIndexForKeyGroup(maxP, p, range.end)).toBe(i);
      next = range.end + 1;
    }
    expect(next).toBe(maxP);
  });

  it('assigns every key a group in 0..maxParallelism-1', () => {
    for (const maxP of [1, 7, 128, 32_768]) {
      for (let i = 0; i < 1_000; i++) {
        const kg = assignToKeyGroup(`key-${i}`, maxP);
        expect(Number.isInteger(kg) && kg >= 0 && kg < maxP).toBe(true);
      }
    }
  });

  it('hashes keys stably across runs and processes', () => {
    // These values were computed once and hard-coded: they check that hashing never changes,
    // since key groups in a checkpoint written by one run must be found again by the next.
    expect(hashKey('a')).toBe(97);
    expect(hashKey('hello')).toBe(99162322); // Java's "hello".hashCode()
    expect(hashKey('')).toBe(0);
    expect(hashKey('user-17')).toBe(-147182744);
    expect(hashKey(42)).toBe(42);
    expect(hashKey(-7)).toBe(-7);
    expect(hashKey(1.5)).toBe(48568);
    expect(hashKey(10n)).toBe(1567);
    expect(hashKey(true)).toBe(1231);
    expect(hashKey(false)).toBe(1237);

    const expected: [Key, number, number][] = [
      ['a', 25, 7961],
      ['hello', 16, 6800],
      ['weir', 73, 30665],
      ['', 0, 0],
      ['user-17', 84, 25812],
      [42, 92, 19804],
      [-7, 99, 8035],
      [1.5, 102, 3430],
      [10n, 90, 23130],
      [true, 104, 21352],
      [false, 123, 24187],
    ];
    for (const [key, kg128, kg32768] of expected) {
      expect(assignToKeyGroup(key, 128)).toBe(kg128);
      expect(assignToKeyGroup(key, 32_768)).toBe(kg32768);
    }
    // A maximum that is not a power of two takes the other branch of the integer arithmetic.
    const other: [Key, number, number][] = [
      ['a', 25, 7476],
      ['user-17', 56, 1592],
      [42, 72, 3629],
      [-7, 27, 1824],
    ];
    for (const [key, kg100, kg10007] of other) {
      expect(assignToKeyGroup(key, 100)).toBe(kg100);
      expect(assignToKeyGroup(key, 10_007)).toBe(kg10007);
    }
  });

  it('assigns the key group of the unsigned mixed hash modulo maxParallelism, for every maximum', () => {
    // The definition, in floating point; assignToKeyGroup computes it in 32-bit integers.
    const reference = (key: Key, maxP: number) => murmurMix(hashKey(key)) % maxP;
    const keys: Key[] = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? i * 104_729 - 2_000_000_000 : `key-${i}`));
    let mismatches = 0;
    for (let maxP = 1; maxP <= 32_768; maxP++) for (const key of keys) if (assignToKeyGroup(key, maxP) !== reference(key, maxP)) mismatches++;
    expect(mismatches).toBe(0);
    for (const maxP of [3, 100, 128, 10_007]) {
      for (let i = 0; i < 5_000; i++) {
        const key = i % 2 === 0 ? i * 104_729 - 2_000_000_000 : `key-${i}`;
        expect(assignToKeyGroup(key, maxP)).toBe(reference(key, maxP));
      }
    }
  });
});

describe('invalid keys', () => {
  it('rejects an object key with an error that names keyBy', () => {
    expect(() => hashKey({ id: 1 } as unknown as Key)).toThrow(/keyBy must return a string, number, bigint or boolean, got object/);
    expect(() => hashKey(null as unknown as Key)).toThrow(/keyBy .* got null/);
  });

  it('fails the job when a key selector returns an object, naming keyBy', async () => {
    const env = environment(1);
    env
      .fromCollection([{ id: 1 }], 'users')
      .keyBy((r) => r as unknown as string)
      .process(new RecordSubtask<string>())
      .sinkTo(collectSink());
    const error: unknown = await env.execute('objects').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobExecutionError);
    const message = (error as Error).message;
    // The key selector runs in the subtask that produces the records: that operator is named.
    expect(message).toMatch(/operator 'users' \(uid 'source-0'\) subtask 1\/1 failed in keyBy/);
    expect(message).toMatch(/keyBy must return a string, number, bigint or boolean, got object/);
  });
});
