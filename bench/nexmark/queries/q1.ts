/**
 * Nexmark query 1, currency conversion: every bid with its price in euros,
 * `SELECT auction, bidder, 0.908 * price AS price, dateTime, extra FROM bid`. Flink computes the
 * price as DECIMAL(23, 3); here it is a double.
 */
import { isBid, type Bid } from '../model.ts';
import type { NexmarkQuery } from './query.ts';

export interface EuroBid {
  readonly auction: number;
  readonly bidder: number;
  /** 0.908 × the dollar price, in euro cents. */
  readonly price: number;
  readonly dateTime: number;
  readonly extra: string;
}

export const DOLLAR_TO_EURO = 0.908;

export const toEuros = (bid: Bid): EuroBid => ({
  auction: bid.auction,
  bidder: bid.bidder,
  price: DOLLAR_TO_EURO * bid.price,
  dateTime: bid.dateTime,
  extra: bid.extra,
});

export const q1: NexmarkQuery<EuroBid> = {
  name: 'q1',
  title: 'Currency conversion',
  flinkPerCore: 395_000,
  build: (env, source) =>
    env
      .fromSource(source)
      .name('Nexmark')
      .filter(isBid)
      .name('bids')
      .map((event) => toEuros(event as Bid))
      .name('to euros'),
  loop: (generator, emit) => (from, to) => {
    for (let i = from; i < to; i++) {
      const event = generator.event(i);
      if (event.kind === 'bid') emit(toEuros(event));
    }
  },
};
