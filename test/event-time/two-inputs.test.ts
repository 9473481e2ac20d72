/**
 * Two inputs: connect with a (keyed) CoProcessFunction, timers shared by both inputs, and the
 * interval join; enough for joins such as Nexmark q3 (people selling in some states) and q8 (new
 * people who opened an auction in the same 10 s window).
 */
import { describe, expect, it } from 'vitest';
import {
  collectionSource,
  collectSink,
  CoProcessFunction,
  KeyedCoProcessFunction,
  MapStateDescriptor,
  ProcessJoinFunction,
  ValueStateDescriptor,
  type Collector,
  type CoProcessContext,
  type KeyedContext,
  type KeyedRuntimeContext,
  type MapState,
  type OnTimerContext,
  type ProcessJoinContext,
  type ValueState,
} from '@weir/core';
import { environment, everyRecord } from './event-time-support.ts';

interface Person {
  readonly id: number;
  readonly name: string;
  readonly state: string;
  readonly t: number;
}
interface Auction {
  readonly id: number;
  readonly seller: number;
  readonly category: number;
  readonly t: number;
}

const people: Person[] = [
  { id: 1, name: 'ann', state: 'OR', t: 1_000 },
  { id: 2, name: 'bob', state: 'NY', t: 2_000 },
  { id: 3, name: 'cid', state: 'CA', t: 12_500 },
  { id: 4, name: 'dee', state: 'ID', t: 25_000 },
];
const auctions: Auction[] = [
  { id: 10, seller: 1, category: 10, t: 500 }, // before its seller
  { id: 11, seller: 2, category: 10, t: 3_000 },
  { id: 12, seller: 1, category: 10, t: 9_000 },
  { id: 13, seller: 3, category: 7, t: 13_000 },
  { id: 14, seller: 3, category: 10, t: 21_000 },
  { id: 15, seller: 4, category: 10, t: 31_000 },
];

describe('connect with a KeyedCoProcessFunction', () => {
  it('joins two keyed streams on keyed state (Nexmark q3)', async () => {
    class JoinSellers extends KeyedCoProcessFunction<number, Auction, Person, string> {
      seller!: ValueState<Person>;
      waiting!: MapState<number, true>;
      override open(ctx: KeyedRuntimeContext) {
        this.seller = ctx.getState(new ValueStateDescriptor<Person>('seller'));
        this.waiting = ctx.getMapState(new MapStateDescriptor<number, true>('waiting'));
      }
      processElement1(a: Auction, _ctx: KeyedContext<number>, out: Collector<string>) {
        const p = this.seller.value();
        if (p === undefined) this.waiting.put(a.id, true);
        else out.collect(`${p.name} ${p.state} ${a.id}`);
      }
      processElement2(p: Person, _ctx: KeyedContext<number>, out: Collector<string>) {
        this.seller.update(p);
        for (const id of this.waiting.keys()) out.collect(`${p.name} ${p.state} ${id}`);
        this.waiting.clear();
      }
    }
    const env = environment(2);
    const out = collectSink<string>();
    const a = env.fromCollection(auctions).filter((x) => x.category === 10).keyBy((x) => x.seller);
    const p = env
      .fromCollection(people)
      .filter((x) => ['OR', 'ID', 'CA'].includes(x.state))
      .keyBy((x) => x.id);
    a.connect(p).process(new JoinSellers()).sinkTo(out);
    await env.execute();
    expect([...out.values].sort()).toEqual(['ann OR 10', 'ann OR 12', 'cid CA 14', 'dee ID 15']);
  });

  it('shares event-time timers between both inputs, firing at the minimum watermark of the two (Nexmark q8)', async () => {
    /** People who opened an auction in the 10 s window in which they registered. */
    class NewSellers extends KeyedCoProcessFunction<number, Person, Auction, string> {
      person!: MapState<number, string>;
      sold!: MapState<number, true>;
      override open(ctx: KeyedRuntimeContext) {
        this.person = ctx.getMapState(new MapStateDescriptor<number, string>('person by window'));
        this.sold = ctx.getMapState(new MapStateDescriptor<number, true>('auction by window'));
      }
      processElement1(p: Person, ctx: KeyedContext<number>) {
        const end = Math.floor(p.t / 10_000) * 10_000 + 10_000;
        this.person.put(end, p.name);
        ctx.timerService.registerEventTimeTimer(end - 1);
      }
      processElement2(a: Auction, ctx: KeyedContext<number>) {
        const end = Math.floor(a.t / 10_000) * 10_000 + 10_000;
        this.sold.put(end, true);
        ctx.timerService.registerEventTimeTimer(end - 1);
      }
      override onTimer(ts: number, ctx: OnTimerContext<number>, out: Collector<string>) {
        const end = ts + 1;
        const name = this.person.get(end);
        if (name !== undefined && this.sold.contains(end)) out.collect(`${ctx.getCurrentKey()} ${name} [${end - 10_000},${end}) at ${String(ctx.timestamp())}`);
        this.person.remove(end);
        this.sold.remove(end);
      }
    }
    const env = environment(2);
    const out = collectSink<string>();
    const p = env.fromSource(collectionSource(people), everyRecord<Person>((x) => x.t)).keyBy((x) => x.id);
    const a = env.fromSource(collectionSource(auctions), everyRecord<Auction>((x) => x.t)).keyBy((x) => x.seller);
    p.connect(a).process(new NewSellers()).sinkTo(out);
    await env.execute();
    expect([...out.values].sort()).toEqual(['1 ann [0,10000) at 9999', '2 bob [0,10000) at 9999', '3 cid [10000,20000) at 19999']);
  });
});

describe('connect with a CoProcessFunction', () => {
  it('sees both unkeyed inputs, each record with its time', async () => {
    class Tag extends CoProcessFunction<number, string, string> {
      processElement1(n: number, ctx: CoProcessContext, out: Collector<string>) {
        out.collect(`n${n}@${String(ctx.timestamp())}`);
      }
      processElement2(s: string, ctx: CoProcessContext, out: Collector<string>) {
        out.collect(`s${s}@${String(ctx.timestamp())}`);
      }
    }
    const env = environment();
    const out = collectSink<string>();
    const numbers = env.fromSource(collectionSource([1, 2]), everyRecord<number>((n) => n * 10));
    const strings = env.fromCollection(['x']);
    numbers.connect(strings).process(new Tag()).sinkTo(out);
    await env.execute();
    expect([...out.values].sort()).toEqual(['n1@10', 'n2@20', 'sx@undefined']);
  });
});

describe('an interval join', () => {
  interface L {
    readonly k: string;
    readonly t: number;
  }
  const pairs = (left: L[], right: L[], lo: number, hi: number) => {
    const out: string[] = [];
    for (const l of left) for (const r of right) if (l.k === r.k && r.t >= l.t + lo && r.t <= l.t + hi) out.push(`${l.k} ${l.t}-${r.t} @${Math.max(l.t, r.t)}`);
    return out.sort();
  };
  class Pair extends ProcessJoinFunction<L, L, string> {
    processElement(l: L, r: L, ctx: ProcessJoinContext, out: Collector<string>) {
      out.collect(`${l.k} ${l.t}-${r.t} @${ctx.timestamp}`);
    }
  }

  it('pairs every left record with the right records of its key in [t + lower, t + upper], each pair once', async () => {
    const left = Array.from({ length: 60 }, (_, i) => ({ k: `k${i % 3}`, t: i * 7 }));
    const right = Array.from({ length: 60 }, (_, i) => ({ k: `k${i % 4}`, t: i * 5 + 3 }));
    const env = environment(2);
    const out = collectSink<string>();
    const a = env.fromSource(collectionSource(left), everyRecord<L>((x) => x.t)).keyBy((x) => x.k);
    const b = env.fromSource(collectionSource(right), everyRecord<L>((x) => x.t)).keyBy((x) => x.k);
    a.intervalJoin(b).between(-10, 15).process(new Pair()).sinkTo(out);
    await env.execute();
    expect([...out.values].sort()).toEqual(pairs(left, right, -10, 15));
    expect(out.values.length).toBeGreaterThan(50);
  });

  it('honours exclusive bounds', async () => {
    const left = [{ k: 'a', t: 100 }];
    const right = [90, 95, 100, 105, 110].map((t) => ({ k: 'a', t }));
    const env = environment();
    const out = collectSink<string>();
    const a = env.fromSource(collectionSource(left), everyRecord<L>((x) => x.t)).keyBy((x) => x.k);
    const b = env.fromSource(collectionSource(right), everyRecord<L>((x) => x.t)).keyBy((x) => x.k);
    a.intervalJoin(b).between(-10, 10).lowerBoundExclusive().upperBoundExclusive().process(new Pair()).sinkTo(out);
    await env.execute();
    expect([...out.values].sort()).toEqual(['a 100-100 @100', 'a 100-105 @105', 'a 100-95 @100']);
  });
});
