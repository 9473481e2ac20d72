/**
 * Nexmark query 2, selection: the bids on every 123rd auction, `SELECT auction, price FROM bid
 * WHERE MOD(auction, 123) = 0` (the original asks for five fixed auction ids, which yields almost
 * nothing on long runs; Beam and the Flink suite both use the modulus).
 */
import type { Bid } from '../model.ts';
import type { NexmarkQuery } from './query.ts';

export interface AuctionPrice {
  readonly auction: number;
  readonly price: number;
}

export const AUCTION_SKIP = 123;

export const q2: NexmarkQuery<AuctionPrice> = {
  name: 'q2',
  title: 'Selection',
  flinkPerCore: 414_000,
  build: (env, source) =>
    env
      .fromSource(source)
      .name('Nexmark')
      .filter((event) => event.kind === 'bid' && event.auction % AUCTION_SKIP === 0)
      .name('every 123rd auction')
      .map((event) => ({ auction: (event as Bid).auction, price: (event as Bid).price }))
      .name('auction, price'),
  loop: (generator, emit) => (from, to) => {
    for (let i = from; i < to; i++) {
      const event = generator.event(i);
      if (event.kind === 'bid' && event.auction % AUCTION_SKIP === 0) emit({ auction: event.auction, price: event.price });
    }
  },
};
