import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { collectSink, fileSink, fixedDelay, HeapStateBackend, StreamEnvironment, type GeneratorSplit, type Source } from '@weir/core';
import {
  nexmarkConfig,
  NexmarkGenerator,
  nexmarkSource,
  q4,
  q5,
  q6,
  q7,
  q8,
  q11,
  type Auction,
  type Bid,
  type NexmarkEvent,
  type NexmarkOptions,
  type NexmarkQuery,
  type Person,
} from '../../bench/nexmark/index.ts';
import { processingTimeWindows } from '../../bench/nexmark/queries/q12.ts';
import { capturingLogger } from '../support/checkpoint-jobs.ts';
import { readCommitted } from '../support/file-sink-output.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const dirs = tempDirs('weir-nexmark-windows-');
afterAll(() => dirs.cleanup());

const WINDOW = 10_000;
const SLIDE = 2_000;
const GAP = 10_000;

/** 200 events per second of event time: 20,000 events span 100 s, ten 10 s windows. */
const IN_ORDER: NexmarkOptions = { eventsPerSecond: 200 };
/** The same, out of order within groups of 1,000 events (5 s): the watermark must wait that long. */
const OUT_OF_ORDER: NexmarkOptions = { eventsPerSecond: 200, outOfOrderGroupSize: 1000 };
const EVENTS = 20_000;

function generate(events: number, options: NexmarkOptions): NexmarkEvent[] {
  const generator = new NexmarkGenerator(options);
  return Array.from({ length: events }, (_, i) => generator.event(i));
}

const endOf = (t: number, size: number) => t - (t % size) + size;

function group<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const x of items) {
    const k = key(x);
    const g = m.get(k);
    if (g === undefined) m.set(k, [x]);
    else g.push(x);
  }
  return m;
}

/** Closed auctions with their highest bid in their lifetime, in close order (expires, then id). */
function closedAuctions(events: NexmarkEvent[]) {
  const bids = group(events.filter((e) => e.kind === 'bid') as Bid[], (b) => b.auction);
  const closed = [];
  for (const a of events.filter((e) => e.kind === 'auction') as Auction[]) {
    const prices = (bids.get(a.id) ?? []).filter((b) => b.dateTime >= a.dateTime && b.dateTime <= a.expires).map((b) => b.price);
    if (prices.length > 0) closed.push({ id: a.id, seller: a.seller, category: a.category, expires: a.expires, price: Math.max(...prices) });
  }
  return closed.sort((x, y) => x.expires - y.expires || x.id - y.id);
}

/** Each query over the whole input as one batch, the plainest way (nothing is late, so windows see everything). */
const reference: Record<string, (events: NexmarkEvent[]) => unknown[]> = {
  q4: (events) => {
    const sums = new Map<number, { sum: number; count: number }>();
    return closedAuctions(events).map((c) => {
      const s = sums.get(c.category) ?? { sum: 0, count: 0 };
      s.sum += c.price;
      s.count++;
      sums.set(c.category, s);
      return { category: c.category, average: s.sum / s.count };
    });
  },
  q5: (events) => {
    const counts = new Map<number, Map<number, number>>();
    for (const b of events.filter((e) => e.kind === 'bid') as Bid[]) {
      for (let end = endOf(b.dateTime, SLIDE); end - WINDOW <= b.dateTime; end += SLIDE) {
        const m = counts.get(end) ?? new Map<number, number>();
        m.set(b.auction, (m.get(b.auction) ?? 0) + 1);
        counts.set(end, m);
      }
    }
    const out = [];
    for (const [end, m] of counts) {
      const max = Math.max(...m.values());
      for (const [auction, num] of m) if (num === max) out.push({ auction, num, starttime: end - WINDOW, endtime: end });
    }
    return out;
  },
  q6: (events) => {
    const last = new Map<number, number[]>();
    return closedAuctions(events).map((c) => {
      const prices = [...(last.get(c.seller) ?? []), c.price].slice(-10);
      last.set(c.seller, prices);
      return { seller: c.seller, avgPrice: prices.reduce((a, b) => a + b, 0) / prices.length };
    });
  },
  q7: (events) =>
    [...group(events.filter((e) => e.kind === 'bid') as Bid[], (b) => endOf(b.dateTime, WINDOW)).values()].flatMap((bids) => {
      const max = Math.max(...bids.map((b) => b.price));
      return bids.filter((b) => b.price === max);
    }),
  q8: (events) => {
    const sold = new Set((events.filter((e) => e.kind === 'auction') as Auction[]).map((a) => `${a.seller}@${endOf(a.dateTime, WINDOW)}`));
    return (events.filter((e) => e.kind === 'person' && sold.has(`${e.id}@${endOf(e.dateTime, WINDOW)}`)) as Person[]).map((p) => ({
      id: p.id,
      name: p.name,
      starttime: endOf(p.dateTime, WINDOW) - WINDOW,
    }));
  },
  q11: (events) => {
    const out = [];
    for (const [bidder, bids] of group(events.filter((e) => e.kind === 'bid') as Bid[], (b) => b.bidder)) {
      const times = bids.map((b) => b.dateTime).sort((a, b) => a - b);
      let start = times[0];
      let count = 0;
      for (const [i, t] of times.entries()) {
        if (i > 0 && t > times[i - 1] + GAP) {
          out.push({ bidder, bidCount: count, starttime: start, endtime: times[i - 1] + GAP });
          start = t;
          count = 0;
        }
        count++;
      }
      out.push({ bidder, bidCount: count, starttime: start, endtime: times[times.length - 1] + GAP });
    }
    return out;
  },
};

/** Records as comparable text: plain objects, class instances (and restored copies of them) alike. */
const canonical = (r: unknown) => JSON.stringify(Object.fromEntries(Object.entries(r as object).sort(([a], [b]) => a.localeCompare(b))));
const sorted = (rs: readonly unknown[]) => rs.map(canonical).sort();

async function runJob(
  query: NexmarkQuery<unknown>,
  options: NexmarkOptions,
  parallelism: number,
  { events = EVENTS, checkpointDir, source }: { events?: number; checkpointDir?: string; source?: Source<NexmarkEvent> } = {},
): Promise<unknown[]> {
  const env = StreamEnvironment.create({ parallelism, logger: pino({ level: 'silent' }) });
  // A watermark after every poll of the source (about 512 events), not every 200 ms: windows fire
  // and timers go off all along the input, not only at its end, and an out-of-order event the
  // watermark had passed would be late (and missing from the results).
  env.setAutoWatermarkInterval(0);
  if (checkpointDir !== undefined) env.enableCheckpointing(20, { storage: checkpointDir });
  const out = collectSink<unknown>();
  query.build(env, source ?? nexmarkSource({ ...options, events }), nexmarkConfig(options)).sinkTo(out);
  await env.execute(`test-nexmark-${query.name}`);
  return out.values;
}

function runLoop(query: NexmarkQuery<unknown>, options: NexmarkOptions, events = EVENTS): unknown[] {
  const out: unknown[] = [];
  const loop = query.loop(new NexmarkGenerator(options), (r) => out.push(r));
  // In uneven slices, as the bench calls it, then the end of the input.
  for (let from = 0; from < events; from += 777) loop(from, Math.min(events, from + 777));
  loop.end?.();
  return out;
}

describe('windowed Nexmark queries: the job and the hand loop against a reference computation', () => {
  const inOrder = generate(EVENTS, IN_ORDER);
  const outOfOrder = generate(EVENTS, OUT_OF_ORDER);

  const cases: [NexmarkQuery<unknown>, number][] = [
    // The query, and how many results the reference must at least have for the test to mean something.
    [q5, 10],
    [q7, 10],
    [q8, 10],
    [q11, 200],
    [q4, 500],
    [q6, 500],
  ];

  for (const [query, atLeast] of cases) {
    it(`${query.name} (${query.title}): the same results in order and out of order, at parallelism 1 and 2, with checkpoints`, async () => {
      const expected = sorted(reference[query.name](inOrder));
      expect(expected.length).toBeGreaterThanOrEqual(atLeast);
      expect(sorted(runLoop(query, IN_ORDER))).toEqual(expected);
      expect(sorted(await runJob(query, IN_ORDER, 1))).toEqual(expected);
      expect(sorted(await runJob(query, IN_ORDER, 2))).toEqual(expected);
      expect(sorted(await runJob(query, IN_ORDER, 2, { checkpointDir: await dirs.make() }))).toEqual(expected);

      const shuffled = sorted(reference[query.name](outOfOrder));
      expect(sorted(runLoop(query, OUT_OF_ORDER))).toEqual(shuffled);
      expect(sorted(await runJob(query, OUT_OF_ORDER, 2))).toEqual(shuffled);
    });
  }

  it('q4 and q6 see bids that come before their auction (out of order), and auctions without a bid have no row', () => {
    const closed = closedAuctions(outOfOrder);
    const auctions = outOfOrder.filter((e) => e.kind === 'auction') as Auction[];
    expect(closed.length).toBeLessThan(auctions.length);
    const position = new Map(outOfOrder.map((e, i) => [e, i]));
    const auctionAt = new Map(auctions.map((a) => [a.id, a]));
    const early = (outOfOrder.filter((e) => e.kind === 'bid') as Bid[]).filter((b) => {
      const a = auctionAt.get(b.auction);
      return a !== undefined && position.get(b)! < position.get(a)! && b.dateTime >= a.dateTime && b.dateTime <= a.expires;
    });
    expect(early.length).toBeGreaterThan(0);
  });
});

/**
 * `source`, whose first subtask fails once, at position `after`: it waits there until a checkpoint
 * has completed, then throws, and the job restarts from that checkpoint with windows open and
 * timers pending (however slow or fast the machine).
 */
function failingOnce<T>(source: Source<T, GeneratorSplit>, after: number): { source: Source<T, GeneratorSplit>; failures: () => number } {
  let failures = 0;
  return {
    failures: () => failures,
    source: {
      boundedness: source.boundedness,
      createReader(ctx) {
        const reader = source.createReader(ctx);
        let completed = false;
        return {
          start: () => reader.start?.(),
          pollNext(output) {
            if (failures === 0 && ctx.subtaskIndex === 0 && (reader.snapshotState?.(0)[0]?.next ?? 0) >= after) {
              if (!completed) return 'nothing-available';
              failures++;
              throw new Error('injected failure (first attempt only)');
            }
            return reader.pollNext(output);
          },
          isAvailable: () => (failures === 0 && ctx.subtaskIndex === 0 ? sleep(5) : reader.isAvailable()),
          snapshotState: (id) => reader.snapshotState?.(id) ?? [],
          notifyCheckpointComplete(id) {
            completed = true;
            return reader.notifyCheckpointComplete?.(id);
          },
          close: () => reader.close?.(),
        };
      },
    },
  };
}

describe('windowed Nexmark queries restarted from a checkpoint', () => {
  const events = generate(EVENTS, OUT_OF_ORDER);

  // q4 and q6 with keyed state kept as columns (a value read is a copy): they change what they read and write it back.
  for (const [query, columns] of [[q4, true], [q6, true], [q5, false], [q7, false], [q8, false], [q11, false]] as const) {
    it(`${query.name}: a failure mid-run, then exactly the results of an uninterrupted run${columns ? ' (state as columns)' : ''}`, async () => {
      const root = await dirs.make();
      const out = join(root, 'out');
      const { logger, entries } = capturingLogger();
      const env = StreamEnvironment.create({ parallelism: 2, logger });
      env.setAutoWatermarkInterval(0);
      if (columns) env.setStateBackend(new HeapStateBackend({ columnsFrom: 0 }));
      env.setRestartStrategy(fixedDelay({ attempts: 2, delay: 10 }));
      env.enableCheckpointing(20, { storage: join(root, 'ck') });
      // About half a second of input, so that checkpoints complete while it runs.
      const failing = failingOnce(nexmarkSource({ ...OUT_OF_ORDER, events: EVENTS, ratePerSecond: 40_000 }), EVENTS / 4);
      (query as NexmarkQuery<unknown>).build(env, failing.source, nexmarkConfig(OUT_OF_ORDER)).sinkTo(fileSink({ directory: out }));
      const result = await env.execute(`test-nexmark-restart-${query.name}`);
      const warnings = entries.filter((e) => e.level >= 40).map((e) => `${e.msg} ${JSON.stringify(e.err ?? '')}`);
      expect(result, `${JSON.stringify(result)}\n${warnings.join('\n')}`).toMatchObject({ status: 'finished', restarts: 1 });
      expect(failing.failures()).toBe(1);
      expect(sorted(await readCommitted(out))).toEqual(sorted(reference[query.name](events)));
    });
  }
});

/** `source`, kept open `ms` after its last event, so that processing-time windows open then can fire. */
function lingering<T>(source: Source<T>, ms: number): Source<T> {
  return {
    boundedness: source.boundedness,
    createReader(ctx) {
      const reader = source.createReader(ctx);
      let waitUntil: number | undefined;
      return {
        start: () => reader.start?.(),
        pollNext(output) {
          if (waitUntil === undefined) {
            const status = reader.pollNext(output);
            if (status !== 'end') return status;
            waitUntil = Date.now() + ms;
          }
          return Date.now() >= waitUntil ? 'end' : 'nothing-available';
        },
        isAvailable: () => (waitUntil === undefined ? reader.isAvailable() : sleep(Math.max(1, waitUntil - Date.now()))),
        snapshotState: (id) => reader.snapshotState?.(id) ?? [],
        close: () => reader.close?.(),
      };
    },
  };
}

describe('q12 (processing-time windows): results vary with the clock, their totals do not', () => {
  const WINDOW_MS = 100;
  const query = processingTimeWindows(WINDOW_MS) as NexmarkQuery<unknown>;
  const events = 6_000;
  const bids = generate(events, {}).filter((e) => e.kind === 'bid').length;

  function checkTotals(rs: unknown[], { oncePerWindow }: { oncePerWindow: boolean }): void {
    const windows = rs as { bidder: number; bidCount: number; starttime: number; endtime: number }[];
    expect(windows.reduce((n, w) => n + w.bidCount, 0)).toBe(bids);
    for (const w of windows) {
      expect(w.starttime % WINDOW_MS).toBe(0);
      expect(w.endtime - w.starttime).toBe(WINDOW_MS);
      expect(w.bidCount).toBeGreaterThan(0);
    }
    if (oncePerWindow) expect(new Set(windows.map((w) => `${w.bidder}@${w.starttime}`)).size).toBe(windows.length);
    expect(new Set(windows.map((w) => w.starttime)).size).toBeGreaterThan(1);
  }

  it('the job counts every bid once, in aligned windows of wall-clock time, when every window fires before the end', async () => {
    // 6,000 events over about 0.3 s: several 100 ms windows; the source stays open until the last one has ended.
    const source = lingering(nexmarkSource({ events, ratePerSecond: 20_000 }), 5 * WINDOW_MS);
    // Once per bidder and window: a window fires once the clock reaches its end, so a bid read in its
    // last millisecond still belongs to it and never reopens it.
    checkTotals(await runJob(query, {}, 2, { events, source }), { oncePerWindow: true });
    expect(query.nondeterministic).toBe(true);
  });

  it('the hand loop does too', async () => {
    const out: unknown[] = [];
    const loop = query.loop(new NexmarkGenerator(), (r) => out.push(r));
    for (let from = 0; from < events; from += 1000) {
      loop(from, from + 1000);
      await sleep(40);
    }
    await sleep(WINDOW_MS + 10);
    loop(events, events);
    checkTotals(out, { oncePerWindow: true });
  });
});
