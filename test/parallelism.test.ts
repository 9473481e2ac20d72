import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { collectSink, generatorSource, StreamEnvironment } from '@weir/core';
import { CountPerKey, type Counted, type Keyed as Event } from './support/keyed-count.ts';

const RECORDS = 50_000;
const KEYS = 1_000;

/** Scatters consecutive indices over the keys, so a key's records come from every source subtask. */
const scattered = (i: number): Event => ({ i, k: `k${(Math.imul(i, 0x9e3779b1) >>> 0) % KEYS}` });

/** Runs generator -> keyBy -> keyed count -> sink; `sourceParallelism` defaults to `parallelism`. */
async function countPerKey(parallelism: number, generate: (i: number) => Event, sourceParallelism = parallelism) {
  const env = StreamEnvironment.create({ parallelism, logger: pino({ level: 'silent' }) });
  const out = collectSink<Counted>();
  env
    .fromSource(generatorSource({ count: RECORDS, generate }))
    .setParallelism(sourceParallelism)
    .keyBy((e) => e.k)
    .process(new CountPerKey())
    .sinkTo(out);
  await env.execute(`count-p${parallelism}`);
  return out.values;
}

function groupByKey(values: readonly Counted[]): Map<string, Counted[]> {
  const byKey = new Map<string, Counted[]>();
  for (const v of values) (byKey.get(v.k) ?? byKey.set(v.k, []).get(v.k)!).push(v);
  return byKey;
}

/** What a sequential run of the same job emits per key. */
function reference(generate: (i: number) => Event): Map<string, Counted[]> {
  const counts = new Map<string, number>();
  const out: Counted[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const { k } = generate(i);
    const n = (counts.get(k) ?? 0) + 1;
    counts.set(k, n);
    out.push({ k, n, i });
  }
  return groupByKey(out);
}

describe('results do not depend on parallelism', () => {
  it('yields the same final count per key at parallelism 1, 2 and 4', async () => {
    const expected = new Map([...reference(scattered)].map(([key, records]) => [key, records.length]));
    expect(expected.size).toBe(KEYS);
    for (const p of [1, 2, 4]) {
      const values = await countPerKey(p, scattered);
      expect(values).toHaveLength(RECORDS);
      const finalCount = new Map<string, number>();
      for (const v of values) finalCount.set(v.k, Math.max(finalCount.get(v.k) ?? 0, v.n));
      expect(finalCount, `parallelism ${p}`).toEqual(expected);
    }
  });

  it('emits the same multiset of records per key at parallelism 1, 2 and 4', async () => {
    // With several source subtasks the interleaving of a key's records is up to the scheduler,
    // but each count 1..n appears once, and each input record once.
    const sorted = (records: Counted[]) => ({
      counts: records.map((r) => r.n).sort((a, b) => a - b),
      inputs: records.map((r) => r.i).sort((a, b) => a - b),
    });
    const expected = new Map([...reference(scattered)].map(([key, records]) => [key, sorted(records)]));
    for (const p of [1, 2, 4]) {
      const byKey = groupByKey(await countPerKey(p, scattered));
      expect(new Map([...byKey].map(([key, records]) => [key, sorted(records)])), `parallelism ${p}`).toEqual(expected);
    }
  });

  it('keeps each key’s records in source order at parallelism 1, 2 and 4 (one source subtask)', async () => {
    const expected = reference(scattered);
    for (const p of [1, 2, 4]) {
      const byKey = groupByKey(await countPerKey(p, scattered, 1));
      expect(byKey, `parallelism ${p}`).toEqual(expected);
    }
  });

  it('keeps each key’s records in order when every key comes from one source subtask', async () => {
    // Key i mod 1000 with p dividing 1000: source subtask s produces every index ≡ s (mod p), so
    // all of a key's records come from one subtask, in index order, and reach the keyed operator so.
    const aligned = (i: number): Event => ({ i, k: `k${i % KEYS}` });
    const expected = reference(aligned);
    for (const p of [1, 2, 4]) {
      const byKey = groupByKey(await countPerKey(p, aligned));
      expect(byKey, `parallelism ${p}`).toEqual(expected);
    }
  });
});
