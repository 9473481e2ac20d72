/**
 * Nexmark query 11, user sessions: how many bids each bidder made in each of their sessions, a
 * session ending after 10 s of event time without a bid of theirs (the Flink suite's SQL):
 *
 *   SELECT B.bidder, count(*) AS bid_count,
 *          SESSION_START(B.dateTime, INTERVAL '10' SECOND) AS starttime,
 *          SESSION_END(B.dateTime, INTERVAL '10' SECOND) AS endtime
 *   FROM bid B
 *   GROUP BY B.bidder, SESSION(B.dateTime, INTERVAL '10' SECOND)
 *
 * Event-time session windows per bidder, counted as the bids come (sessions that a bid bridges
 * merge their counts). A session runs from its first bid to 10 s after its last.
 */
import { eventTimeSessions } from '@weir/core';
import { bidsOf, COUNT, LoopWatermark, MinHeap, nexmarkWithEventTime, SESSION_GAP_MS } from './event-time.ts';
import type { NexmarkQuery } from './query.ts';

export interface BidderSession {
  readonly bidder: number;
  readonly bidCount: number;
  readonly starttime: number;
  readonly endtime: number;
}

/** An open session of the loop; `closed` once it merged into another or fired. */
interface Session {
  readonly bidder: number;
  start: number;
  end: number;
  count: number;
  closed: boolean;
}

export const q11: NexmarkQuery<BidderSession> = {
  name: 'q11',
  title: 'User sessions',
  flinkPerCore: undefined,
  build: (env, source, config) =>
    bidsOf(nexmarkWithEventTime(env, source, config))
      .keyBy((bid) => bid.bidder)
      .window(eventTimeSessions({ gap: SESSION_GAP_MS }))
      .aggregate<number, number, BidderSession>(COUNT, {
        process(bidder, ctx, [bidCount], out) {
          out.collect({ bidder, bidCount, starttime: ctx.window.start, endtime: ctx.window.end });
        },
      })
      .name('bids per session, 10 s gap')
      .uid('q11-sessions'),
  loop(generator, emit) {
    const watermark = new LoopWatermark(generator.config);
    /** Per bidder, the open sessions (almost always one), which never overlap or touch. */
    const open = new Map<number, Session[]>();
    /**
     * Sessions by the end they had when last pushed: a session that grew since is pushed again
     * with its new end when it comes up, one that merged away is skipped.
     */
    const due = new MinHeap<[end: number, session: Session]>((a, b) => a[0] < b[0]);
    const fire = (wm: number) => {
      for (let top = due.peek(); top !== undefined && top[0] - 1 <= wm; top = due.peek()) {
        due.pop();
        const s = top[1];
        if (s.closed) continue;
        if (s.end !== top[0]) {
          due.push([s.end, s]);
          continue;
        }
        s.closed = true;
        const sessions = open.get(s.bidder)!;
        if (sessions.length === 1) open.delete(s.bidder);
        else sessions.splice(sessions.indexOf(s), 1);
        emit({ bidder: s.bidder, bidCount: s.count, starttime: s.start, endtime: s.end });
      }
    };
    const add = (bidder: number, ts: number) => {
      const end = ts + SESSION_GAP_MS;
      const sessions = open.get(bidder);
      if (sessions === undefined) {
        const s: Session = { bidder, start: ts, end, count: 1, closed: false };
        open.set(bidder, [s]);
        due.push([end, s]);
        return;
      }
      // Merge every session that [ts, end) overlaps or touches into the first of them.
      let into: Session | undefined;
      for (let j = 0; j < sessions.length; j++) {
        const s = sessions[j];
        if (s.start > end || s.end < ts) continue;
        if (into === undefined) {
          into = s;
          if (ts < s.start) s.start = ts;
          if (end > s.end) s.end = end;
          s.count++;
        } else {
          if (s.start < into.start) into.start = s.start;
          if (s.end > into.end) into.end = s.end;
          into.count += s.count;
          s.closed = true;
          sessions.splice(j--, 1);
        }
      }
      if (into === undefined) {
        const s: Session = { bidder, start: ts, end, count: 1, closed: false };
        sessions.push(s);
        due.push([end, s]);
      }
    };
    return Object.assign(
      (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          const event = generator.event(i);
          if (event.kind === 'bid') add(event.bidder, event.dateTime);
          fire(watermark.advance(event.dateTime));
        }
      },
      { end: () => fire(Infinity) },
    );
  },
};
