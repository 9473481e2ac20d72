/**
 * Nexmark query 3, local item suggestion: who is selling in category 10 from Oregon, Idaho or
 * California, and which auctions:
 *
 *   SELECT P.name, P.city, P.state, A.id
 *   FROM auction AS A INNER JOIN person AS P ON A.seller = P.id
 *   WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA')
 *
 * An unwindowed join on keyed state: both kinds, filtered, keyed by person id (the seller of an
 * auction). A person id is created once, so the person side keeps one seller per key and the
 * auction side keeps only auctions that came before their seller (ids may point up to 10 people
 * ahead), emitted when the seller arrives. Each match is emitted once, in no particular order
 * across keys, as Flink's regular join emits it.
 */
import {
  ListStateDescriptor,
  ValueStateDescriptor,
  type Collector,
  type KeyedContext,
  type KeyedProcessFunction,
  type KeyedRuntimeContext,
  type ListState,
  type ValueState,
} from '@weir/core';
import type { Auction, NexmarkEvent, Person } from '../model.ts';
import type { NexmarkQuery } from './query.ts';

export interface LocalItem {
  readonly name: string;
  readonly city: string;
  readonly state: string;
  /** The auction id. */
  readonly id: number;
}

/** What the join keeps of a person: the fields it outputs. */
export interface Seller {
  readonly name: string;
  readonly city: string;
  readonly state: string;
}

export const CATEGORY = 10;
const STATES = new Set(['OR', 'ID', 'CA']);

export const isWanted = (event: NexmarkEvent): event is Person | Auction =>
  event.kind === 'auction' ? event.category === CATEGORY : event.kind === 'person' && STATES.has(event.state);

/** The person id an event joins on: its own id, or its seller's. */
export const sellerOf = (event: Person | Auction): number => (event.kind === 'person' ? event.id : event.seller);

/** The join per person id, on keyed state (fields set in `open`, one copy per subtask). */
export class JoinSellers implements KeyedProcessFunction<number, Person | Auction, LocalItem> {
  seller!: ValueState<Seller>;
  waiting!: ListState<number>;

  open(ctx: KeyedRuntimeContext): void {
    this.seller = ctx.getState(new ValueStateDescriptor<Seller>('seller'));
    this.waiting = ctx.getListState(new ListStateDescriptor<number>('auctions before their seller'));
  }

  processElement(event: Person | Auction, _ctx: KeyedContext<number>, out: Collector<LocalItem>): void {
    if (event.kind === 'person') {
      const seller: Seller = { name: event.name, city: event.city, state: event.state };
      this.seller.update(seller);
      const waiting = this.waiting.get();
      if (waiting.length === 0) return;
      for (const id of waiting) out.collect({ name: seller.name, city: seller.city, state: seller.state, id });
      this.waiting.clear();
      return;
    }
    const seller = this.seller.value();
    if (seller === undefined) this.waiting.add(event.id);
    else out.collect({ name: seller.name, city: seller.city, state: seller.state, id: event.id });
  }
}

export const q3: NexmarkQuery<LocalItem> = {
  name: 'q3',
  title: 'Local item suggestion',
  flinkPerCore: 219_000,
  build: (env, source) =>
    env
      .fromSource(source)
      .name('Nexmark')
      .filter(isWanted)
      .name('category 10 auctions, OR/ID/CA people')
      .keyBy((event) => sellerOf(event as Person | Auction))
      .process(new JoinSellers())
      .name('join on seller')
      .uid('q3-join'),
  loop(generator, emit) {
    const sellers = new Map<number, Seller>();
    const waiting = new Map<number, number[]>();
    return (from, to) => {
      for (let i = from; i < to; i++) {
        const event = generator.event(i);
        if (event.kind === 'person') {
          if (!STATES.has(event.state)) continue;
          const seller: Seller = { name: event.name, city: event.city, state: event.state };
          sellers.set(event.id, seller);
          const ids = waiting.get(event.id);
          if (ids === undefined) continue;
          for (const id of ids) emit({ name: seller.name, city: seller.city, state: seller.state, id });
          waiting.delete(event.id);
        } else if (event.kind === 'auction' && event.category === CATEGORY) {
          const seller = sellers.get(event.seller);
          if (seller !== undefined) emit({ name: seller.name, city: seller.city, state: seller.state, id: event.id });
          else {
            const ids = waiting.get(event.seller);
            if (ids === undefined) waiting.set(event.seller, [event.id]);
            else ids.push(event.id);
          }
        }
      }
    };
  },
};
