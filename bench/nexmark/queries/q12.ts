/**
 * Nexmark query 12, processing-time windows: how many bids each bidder makes in each 10 s tumbling
 * window of wall-clock time (the Flink suite's SQL):
 *
 *   CREATE VIEW B AS SELECT *, PROCTIME() AS p_time FROM bid;
 *   SELECT bidder, count(*) AS bid_count, window_start AS starttime, window_end AS endtime
 *   FROM TABLE(TUMBLE(TABLE B, DESCRIPTOR(p_time), INTERVAL '10' SECOND))
 *   GROUP BY bidder, window_start, window_end
 *
 * Which window a bid falls in depends on when it is processed, so the results differ from run to
 * run; only their totals can be checked (every bid counted once, if every window fired). As in
 * Flink, windows still open when a bounded input ends do not fire: the wall clock has not reached
 * their end.
 */
import { tumblingProcessingTime } from '@weir/core';
import type { NexmarkGenerator } from '../generator.ts';
import { bidsOf, COUNT, WINDOW_MS } from './event-time.ts';
import type { BidderSession } from './q11.ts';
import type { LoopRun, NexmarkQuery } from './query.ts';

/** One bidder's bids in one window of wall-clock time. */
export type BidderWindow = BidderSession;

/** How many events the loop handles between two readings of the clock. */
const CLOCK_EVERY = 1024;

/** q12 with windows of `windowMs` ms of wall-clock time (the suite's is 10 s; tests use shorter ones). */
export function processingTimeWindows(windowMs: number): NexmarkQuery<BidderWindow> {
  return {
    name: 'q12',
    title: 'Processing-time windows',
    flinkPerCore: undefined,
    nondeterministic: true,
    build: (env, source) =>
      bidsOf(env.fromSource(source, 'Nexmark'))
        .keyBy((bid) => bid.bidder)
        .window(tumblingProcessingTime({ size: windowMs }))
        .aggregate<number, number, BidderWindow>(COUNT, {
          process(bidder, ctx, [bidCount], out) {
            out.collect({ bidder, bidCount, starttime: ctx.window.start, endtime: ctx.window.end });
          },
        })
        .name(`bids per bidder per ${windowMs / 1000} s of wall-clock time`)
        .uid('q12-window'),
    loop: (generator, emit) => processingTimeLoop(generator, emit, windowMs),
  };
}

/**
 * Bids per bidder in the current window, emitted when the clock (read at each call and every
 * 1024 events) passes the window's end; as in the job, the window open at the end is not emitted.
 */
function processingTimeLoop(generator: NexmarkGenerator, emit: (r: BidderWindow) => void, windowMs: number): LoopRun {
  let counts = new Map<number, number>();
  let end = -Infinity;
  const tick = () => {
    const now = Date.now();
    if (now < end) return;
    const starttime = end - windowMs;
    for (const [bidder, bidCount] of counts) emit({ bidder, bidCount, starttime, endtime: end });
    if (counts.size > 0) counts = new Map();
    end = now - (now % windowMs) + windowMs;
  };
  return (from, to) => {
    tick();
    for (let i = from; i < to; i++) {
      if ((i & (CLOCK_EVERY - 1)) === 0) tick();
      const event = generator.event(i);
      if (event.kind === 'bid') counts.set(event.bidder, (counts.get(event.bidder) ?? 0) + 1);
    }
  };
}

export const q12 = processingTimeWindows(WINDOW_MS);
