/**
 * Nexmark query 5, hot items: which auctions had the most bids in each sliding window of 10 s of
 * event time, one every 2 s (the Flink suite's SQL):
 *
 *   SELECT AuctionBids.auction, AuctionBids.num
 *   FROM (
 *     SELECT auction, count(*) AS num, window_start AS starttime, window_end AS endtime
 *     FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
 *     GROUP BY auction, window_start, window_end
 *   ) AS AuctionBids
 *   JOIN (
 *     SELECT max(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime
 *     FROM (
 *       SELECT count(*) AS num, window_start AS starttime, window_end AS endtime
 *       FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
 *       GROUP BY auction, window_start, window_end
 *     ) AS CountBids
 *     GROUP BY CountBids.starttime, CountBids.endtime
 *   ) AS MaxBids
 *   ON AuctionBids.starttime = MaxBids.starttime AND AuctionBids.endtime = MaxBids.endtime
 *      AND AuctionBids.num >= MaxBids.maxn
 *
 * Two windowed steps: bids counted per auction in sliding windows; then the counts of one window
 * (keyed by its end) gathered in a tumbling window as long as the slide, which holds exactly the
 * counts of that sliding window (each carries the sliding window's last millisecond as its time),
 * keeping those with the highest count. Each result also names its window.
 */
import { slidingEventTime, tumblingEventTime, windowStart, type AggregateFunction } from '@weir/core';
import { bidsOf, COUNT, LoopWatermark, LoopWindows, nexmarkWithEventTime, SLIDE_MS, WINDOW_MS } from './event-time.ts';
import type { NexmarkQuery } from './query.ts';

export interface HotItem {
  readonly auction: number;
  /** Bids on the auction in the window. */
  readonly num: number;
  readonly starttime: number;
  readonly endtime: number;
}

/** The counts of one window with the highest number of bids so far. */
export interface MostBids {
  num: number;
  items: HotItem[];
}

export const MOST_BIDS: AggregateFunction<HotItem, MostBids, HotItem[]> = {
  create: () => ({ num: 0, items: [] }),
  add(acc, item) {
    if (item.num > acc.num) {
      acc.num = item.num;
      acc.items = [item];
    } else if (item.num === acc.num) {
      acc.items.push(item);
    }
    return acc;
  },
  result: (acc) => acc.items,
};

export const q5: NexmarkQuery<HotItem> = {
  name: 'q5',
  title: 'Hot items',
  flinkPerCore: 75_000,
  build: (env, source, config) =>
    bidsOf(nexmarkWithEventTime(env, source, config))
      .keyBy((bid) => bid.auction)
      .window(slidingEventTime({ size: WINDOW_MS, slide: SLIDE_MS }))
      .aggregate<number, number, HotItem>(COUNT, {
        process(auction, ctx, [num], out) {
          out.collect({ auction, num, starttime: ctx.window.start, endtime: ctx.window.end });
        },
      })
      .name('bids per auction, 10 s every 2 s')
      .uid('q5-count')
      .keyBy((item: HotItem) => item.endtime)
      .window(tumblingEventTime({ size: SLIDE_MS }))
      .aggregate<MostBids, HotItem[], HotItem>(MOST_BIDS, {
        process(_end, _ctx, [items], out) {
          for (const item of items) out.collect(item);
        },
      })
      .name('auctions with the most bids')
      .uid('q5-max'),
  loop(generator, emit) {
    const watermark = new LoopWatermark(generator.config);
    /** Per window (by end): bids per auction. */
    const windows = new LoopWindows<Map<number, number>>(() => new Map());
    const fire = (endtime: number, counts: Map<number, number>) => {
      let max = 0;
      for (const n of counts.values()) if (n > max) max = n;
      for (const [auction, num] of counts) if (num === max) emit({ auction, num, starttime: endtime - WINDOW_MS, endtime });
    };
    return Object.assign(
      (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          const event = generator.event(i);
          const ts = event.dateTime;
          if (event.kind === 'bid') {
            for (let start = windowStart(ts, 0, SLIDE_MS); start > ts - WINDOW_MS; start -= SLIDE_MS) {
              const counts = windows.acc(start + WINDOW_MS);
              counts.set(event.auction, (counts.get(event.auction) ?? 0) + 1);
            }
          }
          windows.fire(watermark.advance(ts), fire);
        }
      },
      { end: () => windows.fire(Infinity, fire) },
    );
  },
};
