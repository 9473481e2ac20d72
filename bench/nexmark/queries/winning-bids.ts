/**
 * The core q4 and q6 share: each auction joined with the bids made during its lifetime, and its
 * highest price emitted when it closes (the Flink suite's inner query, as in q4):
 *
 *   SELECT A.id, A.seller, A.category, MAX(B.price) AS final
 *   FROM auction A, bid B
 *   WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
 *   GROUP BY A.id, A.seller, A.category
 *
 * Flink runs it as an unbounded join whose maximum it revises with every bid; here, as in Beam's
 * WinningBids, an auction's maximum is emitted once, final, when event time passes its `expires`
 * (an event-time timer), and its state is dropped then. An auction without a bid in its lifetime
 * has no row (an inner join). A bid may come before its auction (random bids point up to 10
 * auctions ahead, and events may come out of order): it waits in state until the watermark passes
 * its time, after which no auction it could belong to can come.
 *
 * Closed auctions then reach a keyed step (by category, by seller) from every subtask of the join
 * in no set order; {@link InCloseOrder} hands them on in the order they closed (by `expires`, then
 * auction id), so that what q4 and q6 compute from them does not depend on the parallelism.
 */
import {
  KeyedCoProcessFunction,
  KeyedProcessFunction,
  ListStateDescriptor,
  MapStateDescriptor,
  ValueStateDescriptor,
  type Collector,
  type DataStream,
  type KeyedContext,
  type KeyedRuntimeContext,
  type ListState,
  type MapState,
  type OnTimerContext,
  type Source,
  type StreamEnvironment,
  type ValueState,
} from '@weir/core';
import type { NexmarkConfig } from '../config.ts';
import type { NexmarkGenerator } from '../generator.ts';
import { isAuction, type Auction, type Bid, type NexmarkEvent } from '../model.ts';
import { bidsOf, LoopWatermark, MinHeap, nexmarkWithEventTime } from './event-time.ts';
import type { LoopRun } from './query.ts';

/** An auction that closed with at least one bid in its lifetime, and the highest price bid. */
export interface ClosedAuction {
  readonly id: number;
  readonly seller: number;
  readonly category: number;
  /** When it closed: its event time. */
  readonly expires: number;
  readonly price: number;
}

/** What the join keeps of an open auction; `price` −1 until a bid in its lifetime comes. */
interface OpenAuction {
  readonly seller: number;
  readonly category: number;
  readonly dateTime: number;
  readonly expires: number;
  price: number;
}

/** A bid that came before its auction: `[dateTime, price]`. */
type EarlyBid = [dateTime: number, price: number];

/** The join, per auction id: auctions on input 1, bids on input 2. */
export class WinningBids extends KeyedCoProcessFunction<number, Auction, Bid, ClosedAuction> {
  auction!: ValueState<OpenAuction>;
  early!: ListState<EarlyBid>;

  override open(ctx: KeyedRuntimeContext): void {
    this.auction = ctx.getState(new ValueStateDescriptor<OpenAuction>('open auction'));
    this.early = ctx.getListState(new ListStateDescriptor<EarlyBid>('bids before their auction'));
  }

  processElement1(a: Auction, ctx: KeyedContext<number>, _out: Collector<ClosedAuction>): void {
    let price = -1;
    const early = this.early.get();
    if (early.length > 0) {
      for (const [t, p] of early) if (p > price && t >= a.dateTime && t <= a.expires) price = p;
      this.early.clear();
    }
    this.auction.update({ seller: a.seller, category: a.category, dateTime: a.dateTime, expires: a.expires, price });
    ctx.timerService.registerEventTimeTimer(a.expires);
  }

  processElement2(bid: Bid, ctx: KeyedContext<number>, _out: Collector<ClosedAuction>): void {
    const a = this.auction.value();
    if (a !== undefined) {
      if (bid.price > a.price && bid.dateTime >= a.dateTime && bid.dateTime <= a.expires) {
        a.price = bid.price;
        this.auction.update(a);
      }
      return;
    }
    // Its auction closed already, or comes later: only an auction at or before the bid's time
    // could take it, and none can come once the watermark has passed that time.
    if (bid.dateTime <= ctx.timerService.currentWatermark()) return;
    this.early.add([bid.dateTime, bid.price]);
    ctx.timerService.registerEventTimeTimer(bid.dateTime);
  }

  override onTimer(timestamp: number, ctx: OnTimerContext<number>, out: Collector<ClosedAuction>): void {
    const a = this.auction.value();
    if (a !== undefined) {
      if (timestamp !== a.expires) return;
      if (a.price >= 0) out.collect({ id: ctx.getCurrentKey(), seller: a.seller, category: a.category, expires: a.expires, price: a.price });
      this.auction.clear();
      return;
    }
    // Bids that waited for an auction that did not come in time.
    const early = this.early.get();
    if (early.length === 0) return;
    const keep = early.filter(([t]) => t > timestamp);
    if (keep.length === 0) this.early.clear();
    else this.early.update(keep);
  }
}

/** The closed auctions of the Nexmark stream: auctions and bids keyed by auction id, joined. */
export function closedAuctions(env: StreamEnvironment, source: Source<NexmarkEvent>, config: NexmarkConfig, uid: string): DataStream<ClosedAuction> {
  const events = nexmarkWithEventTime(env, source, config);
  const auctions = events.filter(isAuction).name('auctions') as DataStream<Auction>;
  return auctions
    .keyBy((a) => a.id)
    .connect(bidsOf(events).keyBy((b) => b.auction))
    .process(new WinningBids())
    .name('winning bids')
    .uid(uid);
}

/**
 * Closed auctions of one key, handed to {@link onClosed} in the order they closed: each waits
 * (keyed map state, by time) until the watermark reaches its `expires`, when every auction of the
 * key that closed at or before it has arrived; those of one millisecond go by auction id.
 */
export abstract class InCloseOrder<R> extends KeyedProcessFunction<number, ClosedAuction, R> {
  pending!: MapState<number, ClosedAuction[]>;

  override open(ctx: KeyedRuntimeContext): void {
    this.pending = ctx.getMapState(new MapStateDescriptor<number, ClosedAuction[]>('closed auctions by time'));
  }

  processElement(closed: ClosedAuction, ctx: KeyedContext<number>, _out: Collector<R>): void {
    const waiting = this.pending.get(closed.expires);
    if (waiting === undefined) {
      this.pending.put(closed.expires, [closed]);
      ctx.timerService.registerEventTimeTimer(closed.expires);
    } else {
      waiting.push(closed);
      this.pending.put(closed.expires, waiting);
    }
  }

  override onTimer(timestamp: number, _ctx: OnTimerContext<number>, out: Collector<R>): void {
    const closed = this.pending.get(timestamp);
    if (closed === undefined) return;
    this.pending.remove(timestamp);
    if (closed.length > 1) closed.sort((a, b) => a.id - b.id);
    for (const c of closed) this.onClosed(c, out);
  }

  /** One closed auction of the current key, in close order. */
  abstract onClosed(closed: ClosedAuction, out: Collector<R>): void;
}

/**
 * The same join as a loop: open auctions by id, and by (expires, id) in a heap; bids that came
 * before their auction by auction id, forgotten once the watermark passes them. `onClosed` gets
 * every closed auction with a bid, in close order (by `expires`, then id), as {@link InCloseOrder}
 * hands them on per key.
 */
export function winningBidsLoop(generator: NexmarkGenerator, onClosed: (closed: ClosedAuction) => void): LoopRun {
  interface Open extends OpenAuction {
    readonly id: number;
  }
  const watermark = new LoopWatermark(generator.config);
  let wm = -Infinity;
  const open = new Map<number, Open>();
  const closing = new MinHeap<Open>((a, b) => a.expires < b.expires || (a.expires === b.expires && a.id < b.id));
  const early = new Map<number, EarlyBid[]>();
  /** `[dateTime, auction]` of early bids as they came (nearly in time order), to forget them. */
  const earlyQueue: [number, number][] = [];
  let earlyHead = 0;

  const close = (upTo: number) => {
    for (let a = closing.peek(); a !== undefined && a.expires <= upTo; a = closing.peek()) {
      closing.pop();
      open.delete(a.id);
      if (a.price >= 0) onClosed({ id: a.id, seller: a.seller, category: a.category, expires: a.expires, price: a.price });
    }
  };
  const forgetEarly = () => {
    while (earlyHead < earlyQueue.length && earlyQueue[earlyHead][0] <= wm) {
      const auction = earlyQueue[earlyHead++][1];
      const bids = early.get(auction);
      if (bids === undefined) continue;
      const keep = bids.filter(([t]) => t > wm);
      if (keep.length === 0) early.delete(auction);
      else early.set(auction, keep);
    }
    if (earlyHead > 4096 && earlyHead * 2 > earlyQueue.length) {
      earlyQueue.splice(0, earlyHead);
      earlyHead = 0;
    }
  };

  return Object.assign(
    (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const event = generator.event(i);
        if (event.kind === 'auction') {
          let price = -1;
          const bids = early.get(event.id);
          if (bids !== undefined) {
            for (const [t, p] of bids) if (p > price && t >= event.dateTime && t <= event.expires) price = p;
            early.delete(event.id);
          }
          const a: Open = { id: event.id, seller: event.seller, category: event.category, dateTime: event.dateTime, expires: event.expires, price };
          open.set(event.id, a);
          closing.push(a);
        } else if (event.kind === 'bid') {
          const a = open.get(event.auction);
          if (a !== undefined) {
            if (event.price > a.price && event.dateTime >= a.dateTime && event.dateTime <= a.expires) a.price = event.price;
          } else if (event.dateTime > wm) {
            const bids = early.get(event.auction);
            if (bids === undefined) early.set(event.auction, [[event.dateTime, event.price]]);
            else bids.push([event.dateTime, event.price]);
            earlyQueue.push([event.dateTime, event.auction]);
          }
        }
        const next = watermark.advance(event.dateTime);
        if (next > wm) {
          wm = next;
          close(wm);
          forgetEarly();
        }
      }
    },
    { end: () => close(Infinity) },
  );
}
