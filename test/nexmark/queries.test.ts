import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { collectSink, StreamEnvironment } from '@weir/core';
import { nexmarkConfig, NexmarkGenerator, nexmarkSource, q0, q1, q2, q3, type Auction, type Bid, type NexmarkEvent, type NexmarkQuery, type Person } from '../../bench/nexmark/index.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const dirs = tempDirs('weir-nexmark-');
afterAll(() => dirs.cleanup());

function generate(events: number): NexmarkEvent[] {
  const generator = new NexmarkGenerator();
  return Array.from({ length: events }, (_, i) => generator.event(i));
}

/** The reference computations: each query over an array, written the plainest way. */
const reference: Record<string, (events: NexmarkEvent[]) => unknown[]> = {
  q0: (events) => events.filter((e) => e.kind === 'bid'),
  q1: (events) =>
    (events.filter((e) => e.kind === 'bid') as Bid[]).map((b) => ({ auction: b.auction, bidder: b.bidder, price: 0.908 * b.price, dateTime: b.dateTime, extra: b.extra })),
  q2: (events) => (events.filter((e) => e.kind === 'bid' && e.auction % 123 === 0) as Bid[]).map((b) => ({ auction: b.auction, price: b.price })),
  q3: (events) => {
    const people = new Map((events.filter((e) => e.kind === 'person' && ['OR', 'ID', 'CA'].includes(e.state)) as Person[]).map((p) => [p.id, p]));
    return (events.filter((e) => e.kind === 'auction' && e.category === 10 && people.has(e.seller)) as Auction[]).map((a) => {
      const p = people.get(a.seller)!;
      return { name: p.name, city: p.city, state: p.state, id: a.id };
    });
  },
};

/** Records as comparable text: plain objects, class instances and their field order alike. */
const canonical = (r: unknown) => JSON.stringify(Object.fromEntries(Object.entries(r as object).sort(([a], [b]) => a.localeCompare(b))));
const sorted = (rs: readonly unknown[]) => rs.map(canonical).sort();

async function runJob(query: NexmarkQuery<unknown>, events: number, parallelism: number, checkpointDir?: string): Promise<unknown[]> {
  const env = StreamEnvironment.create({ parallelism, logger: pino({ level: 'silent' }) });
  if (checkpointDir !== undefined) env.enableCheckpointing(20, { storage: checkpointDir });
  const out = collectSink<unknown>();
  query.build(env, nexmarkSource({ events }), nexmarkConfig()).sinkTo(out);
  await env.execute(`test-nexmark-${query.name}`);
  return out.values;
}

function runLoop(query: NexmarkQuery<unknown>, events: number): unknown[] {
  const out: unknown[] = [];
  const loop = query.loop(new NexmarkGenerator(), (r) => out.push(r));
  // In uneven slices, as the bench calls it.
  for (let from = 0; from < events; from += 777) loop(from, Math.min(events, from + 777));
  return out;
}

describe('Nexmark queries against a reference computation', () => {
  // Enough for q2 to find bids on every 123rd auction (hot auctions are multiples of 100, so only random bids match).
  const EVENTS = 20_000;
  const events = generate(EVENTS);

  for (const query of [q0, q1, q2]) {
    it(`${query.name} (${query.title}): the job and the hand loop give the reference's records, in order at parallelism 1`, async () => {
      const expected = reference[query.name](events).map(canonical);
      expect(expected.length).toBeGreaterThan(0);
      expect((await runJob(query, EVENTS, 1)).map(canonical)).toEqual(expected);
      expect(runLoop(query, EVENTS).map(canonical)).toEqual(expected);
      expect(sorted(await runJob(query, EVENTS, 3))).toEqual([...expected].sort());
    });
  }

  it('q3 (Local item suggestion): every match once, at parallelism 1 and 2, with and without checkpoints', async () => {
    // q3 needs more events than the others to find sellers from OR, ID or CA in category 10.
    const n = 30_000;
    const all = generate(n);
    const expected = sorted(reference.q3(all));
    expect(expected.length).toBeGreaterThan(20);
    expect(sorted(runLoop(q3, n))).toEqual(expected);
    expect(sorted(await runJob(q3, n, 1))).toEqual(expected);
    expect(sorted(await runJob(q3, n, 2))).toEqual(expected);
    expect(sorted(await runJob(q3, n, 2, await dirs.make()))).toEqual(expected);
  });
});
