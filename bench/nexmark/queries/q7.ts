/**
 * Nexmark query 7, highest bid: the bids with the highest price of each 10 s tumbling window of
 * event time (the Flink suite's SQL):
 *
 *   SELECT B.auction, B.price, B.bidder, B.dateTime, B.extra
 *   FROM bid B
 *   JOIN (
 *     SELECT MAX(price) AS maxprice, window_end AS dateTime
 *     FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
 *     GROUP BY window_start, window_end
 *   ) B1
 *   ON B.price = B1.maxprice
 *   WHERE B.dateTime BETWEEN B1.dateTime - INTERVAL '10' SECOND AND B1.dateTime
 *
 * Written as Beam's Query7 means it: a bid is compared with the maximum of its own window
 * `[start, end)` only (the SQL's BETWEEN also takes a bid at exactly the window's end, which
 * belongs to the next window, if it happens to have the same price). The maximum of a window is
 * one value over every bid: a `windowAll` (one subtask, as Flink's global aggregate), folded as
 * the bids come, keeping the bids at the highest price so far; each is emitted when the window
 * fires, as the bid it is.
 */
import { tumblingEventTime, windowStart, type AggregateFunction } from '@weir/core';
import type { Bid } from '../model.ts';
import { bidsOf, LoopWatermark, LoopWindows, nexmarkWithEventTime, WINDOW_MS } from './event-time.ts';
import type { NexmarkQuery } from './query.ts';

/** A window's highest price so far, and the bids at that price. */
export interface HighestBids {
  price: number;
  bids: Bid[];
}

export const HIGHEST_BIDS: AggregateFunction<Bid, HighestBids, HighestBids> = {
  create: () => ({ price: -1, bids: [] }),
  add(acc, bid) {
    if (bid.price > acc.price) {
      acc.price = bid.price;
      acc.bids = [bid];
    } else if (bid.price === acc.price) {
      acc.bids.push(bid);
    }
    return acc;
  },
  result: (acc) => acc,
};

export const q7: NexmarkQuery<Bid> = {
  name: 'q7',
  title: 'Highest bid',
  flinkPerCore: 23_000,
  build: (env, source, config) =>
    bidsOf(nexmarkWithEventTime(env, source, config))
      .windowAll(tumblingEventTime({ size: WINDOW_MS }))
      .aggregate<HighestBids, HighestBids, Bid>(HIGHEST_BIDS, {
        process(_ctx, [highest], out) {
          for (const bid of highest.bids) out.collect(bid);
        },
      })
      .name('highest bids per 10 s')
      .uid('q7-highest'),
  loop(generator, emit) {
    const watermark = new LoopWatermark(generator.config);
    const windows = new LoopWindows<HighestBids>(HIGHEST_BIDS.create);
    const fire = (_end: number, highest: HighestBids) => {
      for (const bid of highest.bids) emit(bid);
    };
    return Object.assign(
      (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          const event = generator.event(i);
          if (event.kind === 'bid') HIGHEST_BIDS.add(windows.acc(windowStart(event.dateTime, 0, WINDOW_MS) + WINDOW_MS), event);
          windows.fire(watermark.advance(event.dateTime), fire);
        }
      },
      { end: () => windows.fire(Infinity, fire) },
    );
  },
};
