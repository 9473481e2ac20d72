/**
 * Nexmark query 6, average selling price by seller: for each seller, the average winning price of
 * their last 10 closed auctions, updated as each closes (the Flink suite's SQL, which Flink itself
 * cannot run yet: its OVER window does not take the retractions of the inner query):
 *
 *   SELECT Q.seller, AVG(Q.price) OVER
 *     (PARTITION BY Q.seller ORDER BY Q.dateTime ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)
 *   FROM (
 *     SELECT *, ROW_NUMBER() OVER (PARTITION BY A.id, A.seller ORDER BY B.price DESC) AS rownum
 *     FROM (SELECT A.id, A.seller, B.price, B.dateTime
 *           FROM auction AS A, bid AS B
 *           WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires)
 *     WHERE rownum <= 1
 *   ) AS Q
 *
 * As Beam's Query6 means it: the winning-bids join (winning-bids.ts, shared with q4), then per
 * seller the last 10 winning prices (the SQL's frame holds 11 rows) in close order, and their
 * average after each.
 */
import { ValueStateDescriptor, type Collector, type KeyedRuntimeContext, type ValueState } from '@weir/core';
import type { NexmarkQuery } from './query.ts';
import { closedAuctions, InCloseOrder, winningBidsLoop, type ClosedAuction } from './winning-bids.ts';

export interface SellerAverage {
  readonly seller: number;
  /** The average winning price of the seller's last (up to) 10 closed auctions, in cents. */
  readonly avgPrice: number;
}

/** How many of a seller's latest closed auctions the average covers. */
export const LAST_AUCTIONS = 10;

/** Adds `price` to `prices` (the latest last), keeps the last {@link LAST_AUCTIONS}, returns their average. */
export function averageOfLast(prices: number[], price: number): number {
  prices.push(price);
  if (prices.length > LAST_AUCTIONS) prices.shift();
  let sum = 0;
  for (const p of prices) sum += p;
  return sum / prices.length;
}

/** Per seller: the winning prices of their last 10 closed auctions, in close order. */
export class AveragePerSeller extends InCloseOrder<SellerAverage> {
  prices!: ValueState<number[]>;

  override open(ctx: KeyedRuntimeContext): void {
    super.open(ctx);
    this.prices = ctx.getState(new ValueStateDescriptor<number[]>('last winning prices'));
  }

  onClosed(closed: ClosedAuction, out: Collector<SellerAverage>): void {
    const prices = this.prices.value() ?? [];
    const avgPrice = averageOfLast(prices, closed.price);
    this.prices.update(prices);
    out.collect({ seller: closed.seller, avgPrice });
  }
}

export const q6: NexmarkQuery<SellerAverage> = {
  name: 'q6',
  title: 'Average selling price by seller',
  flinkPerCore: undefined,
  build: (env, source, config) =>
    closedAuctions(env, source, config, 'q6-winning-bids')
      .keyBy((closed) => closed.seller)
      .process(new AveragePerSeller())
      .name('average of the last 10 per seller')
      .uid('q6-average'),
  loop(generator, emit) {
    const last = new Map<number, number[]>();
    return winningBidsLoop(generator, (closed) => {
      let prices = last.get(closed.seller);
      if (prices === undefined) last.set(closed.seller, (prices = []));
      emit({ seller: closed.seller, avgPrice: averageOfLast(prices, closed.price) });
    });
  },
};
