/**
 * Nexmark query 4, average price for a category: the average of the winning bids of the closed
 * auctions of each category (the Flink suite's SQL):
 *
 *   SELECT Q.category, AVG(Q.final)
 *   FROM (
 *     SELECT MAX(B.price) AS final, A.category
 *     FROM auction A, bid B
 *     WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
 *     GROUP BY A.id, A.category
 *   ) Q
 *   GROUP BY Q.category
 *
 * The inner query is the winning-bids join (winning-bids.ts): one final price per auction, when
 * it closes. The outer one keeps a sum and a count per category and emits the category's new
 * average each time one of its auctions closes, in close order. Flink emits an update for every
 * bid that raises an open auction's maximum and computes AVG of BIGINT as a BIGINT (truncated);
 * here an average changes only with closed auctions, and is a double.
 */
import { ValueStateDescriptor, type Collector, type KeyedRuntimeContext, type ValueState } from '@weir/core';
import type { NexmarkQuery } from './query.ts';
import { closedAuctions, InCloseOrder, winningBidsLoop, type ClosedAuction } from './winning-bids.ts';

export interface CategoryAverage {
  readonly category: number;
  /** The average winning price of the category's closed auctions so far, in cents. */
  readonly average: number;
}

interface Sum {
  sum: number;
  count: number;
}

/** Per category: the sum and count of winning prices, updated as auctions close, in close order. */
export class AveragePerCategory extends InCloseOrder<CategoryAverage> {
  sums!: ValueState<Sum>;

  override open(ctx: KeyedRuntimeContext): void {
    super.open(ctx);
    this.sums = ctx.getState(new ValueStateDescriptor<Sum>('sum and count'));
  }

  onClosed(closed: ClosedAuction, out: Collector<CategoryAverage>): void {
    const s = this.sums.value() ?? { sum: 0, count: 0 };
    s.sum += closed.price;
    s.count++;
    this.sums.update(s);
    out.collect({ category: closed.category, average: s.sum / s.count });
  }
}

export const q4: NexmarkQuery<CategoryAverage> = {
  name: 'q4',
  title: 'Average price for a category',
  flinkPerCore: 28_000,
  build: (env, source, config) =>
    closedAuctions(env, source, config, 'q4-winning-bids')
      .keyBy((closed) => closed.category)
      .process(new AveragePerCategory())
      .name('average per category')
      .uid('q4-average'),
  loop(generator, emit) {
    const sums = new Map<number, Sum>();
    return winningBidsLoop(generator, (closed) => {
      let s = sums.get(closed.category);
      if (s === undefined) sums.set(closed.category, (s = { sum: 0, count: 0 }));
      s.sum += closed.price;
      s.count++;
      emit({ category: closed.category, average: s.sum / s.count });
    });
  },
};
