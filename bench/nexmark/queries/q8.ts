/**
 * Nexmark query 8, monitor new users: the people who registered and put up an auction in the same
 * 10 s tumbling window of event time (the Flink suite's SQL):
 *
 *   SELECT P.id, P.name, P.starttime
 *   FROM (
 *     SELECT id, name, window_start AS starttime, window_end AS endtime
 *     FROM TABLE(TUMBLE(TABLE person, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
 *     GROUP BY id, name, window_start, window_end
 *   ) P
 *   JOIN (
 *     SELECT seller, window_start AS starttime, window_end AS endtime
 *     FROM TABLE(TUMBLE(TABLE auction, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
 *     GROUP BY seller, window_start, window_end
 *   ) A
 *   ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime
 *
 * A window join as Beam writes it (CoGroupByKey in fixed windows): people and auctions in one
 * stream, keyed by person id (an auction by its seller), in tumbling windows; each key's window
 * keeps the person's name if they registered in it and whether they sold in it, and emits one row
 * when both happened.
 */
import { tumblingEventTime, windowStart, type AggregateFunction, type DataStream } from '@weir/core';
import type { Auction, Person } from '../model.ts';
import { LoopWatermark, LoopWindows, nexmarkWithEventTime, WINDOW_MS } from './event-time.ts';
import { sellerOf } from './q3.ts';
import type { NexmarkQuery } from './query.ts';

export interface NewSeller {
  readonly id: number;
  readonly name: string;
  /** The window's start. */
  readonly starttime: number;
}

/** One person id's window: their name if they registered in it, and whether they sold in it. */
export interface PersonWindow {
  name: string | null;
  sold: boolean;
}

export const PERSON_WINDOW: AggregateFunction<Person | Auction, PersonWindow, PersonWindow> = {
  create: () => ({ name: null, sold: false }),
  add(acc, event) {
    if (event.kind === 'person') acc.name = event.name;
    else acc.sold = true;
    return acc;
  },
  result: (acc) => acc,
};

export const q8: NexmarkQuery<NewSeller> = {
  name: 'q8',
  title: 'Monitor new users',
  flinkPerCore: 162_000,
  build: (env, source, config) =>
    (nexmarkWithEventTime(env, source, config).filter((event) => event.kind !== 'bid').name('people and auctions') as DataStream<Person | Auction>)
      .keyBy(sellerOf)
      .window(tumblingEventTime({ size: WINDOW_MS }))
      .aggregate<PersonWindow, PersonWindow, NewSeller>(PERSON_WINDOW, {
        process(id, ctx, [w], out) {
          if (w.name !== null && w.sold) out.collect({ id, name: w.name, starttime: ctx.window.start });
        },
      })
      .name('new people who sold, per 10 s')
      .uid('q8-join'),
  loop(generator, emit) {
    const watermark = new LoopWatermark(generator.config);
    const windows = new LoopWindows(() => ({ people: new Map<number, string>(), sellers: new Set<number>() }));
    const fire = (end: number, w: { people: Map<number, string>; sellers: Set<number> }) => {
      for (const [id, name] of w.people) if (w.sellers.has(id)) emit({ id, name, starttime: end - WINDOW_MS });
    };
    return Object.assign(
      (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          const event = generator.event(i);
          if (event.kind === 'person') windows.acc(windowStart(event.dateTime, 0, WINDOW_MS) + WINDOW_MS).people.set(event.id, event.name);
          else if (event.kind === 'auction') windows.acc(windowStart(event.dateTime, 0, WINDOW_MS) + WINDOW_MS).sellers.add(event.seller);
          windows.fire(watermark.advance(event.dateTime), fire);
        }
      },
      { end: () => windows.fire(Infinity, fire) },
    );
  },
};
