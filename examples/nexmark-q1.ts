/**
 * Nexmark query 1, currency conversion, on a generated auction site: every bid, with its price
 * converted from dollars to euros. The Nexmark source generates people, auctions and bids as
 * Beam's and Flink's Nexmark generators do, deterministically, at any parallelism.
 *
 *   npx weir run examples/nexmark-q1.ts
 *
 * `npm run bench -- nexmark --query q1` measures the same query (bench/nexmark/queries/q1.ts).
 */
import { printSink, type StreamEnvironment } from '@weir/core';
import { isBid, nexmarkSource, type Bid } from '@weir/bench/nexmark';

export default function job(env: StreamEnvironment): void {
  env.setParallelism(2);
  env
    .fromSource(nexmarkSource({ events: 2_000 }))
    .name('Nexmark')
    .filter(isBid)
    .map((event) => {
      const bid = event as Bid;
      return { auction: bid.auction, bidder: bid.bidder, price: 0.908 * bid.price, dateTime: bid.dateTime, extra: bid.extra };
    })
    .name('to euros')
    .sinkTo(printSink());
}
