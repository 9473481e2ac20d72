/**
 * Nexmark query 0, pass through: every bid, unchanged. Measures the source and the runtime with
 * no work in between (the Flink suite's `SELECT auction, bidder, price, dateTime, extra FROM bid`).
 */
import { isBid, type NexmarkEvent } from '../model.ts';
import type { NexmarkQuery } from './query.ts';

export const q0: NexmarkQuery<NexmarkEvent> = {
  name: 'q0',
  title: 'Pass through',
  flinkPerCore: 379_000,
  build: (env, source) => env.fromSource(source).name('Nexmark').filter(isBid).name('bids'),
  loop: (generator, emit) => (from, to) => {
    for (let i = from; i < to; i++) {
      const event = generator.event(i);
      if (event.kind === 'bid') emit(event);
    }
  },
};
