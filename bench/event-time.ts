/**
 * Event time, against hand-written loops doing the same work, measured in the same process:
 *
 * - **tumbling count, 100k keys**: generator → keyBy → a tumbling event-time window counting per
 *   key (100 s of event time, each key 10 times per window) → sink of the per-key counts;
 * - **1M pending timers**: generator → keyBy → a KeyedProcessFunction that registers an event-time
 *   timer 1,000,000 ms after each record (one per record, 100k keys) and counts them as they fire:
 *   after the first million records, a million timers are pending at any time and one fires per
 *   record as the watermark moves on.
 *
 * Standalone: `npx tsx bench/event-time.ts` (BENCH_RECORDS, BENCH_ROUNDS change the size).
 */
import { fileURLToPath } from 'node:url';
import {
  generatorSource,
  KeyedProcessFunction,
  StreamEnvironment,
  tumblingEventTime,
  watermarks,
  type KeyedContext,
  type Sink,
} from '@weir/core';
import { pino } from 'pino';
import type { Progress } from './lib/progress.ts';
import { measuredCase, type CaseResult } from './lib/results.ts';
import { measure, report, type Measurement } from './measure.ts';

const WINDOW_KEYS = 100_000;
/** 10 records per ms of event time: a 100 s window holds 1M records, 10 per key. */
const RECORDS_PER_MS = 10;
const WINDOW_MS = 100_000;
const TIMER_KEYS = 100_000;
/** Each record's timer is this far ahead: with one record per ms, a million are pending. */
const TIMER_DELAY_MS = 1_000_000;

interface Rec {
  readonly key: number;
  readonly t: number;
}

const windowRecord = (i: number): Rec => ({ key: i % WINDOW_KEYS, t: Math.floor(i / RECORDS_PER_MS) });
const timerRecord = (i: number): Rec => ({ key: i % TIMER_KEYS, t: i });

function countingSink(counter: { n: number }): Sink<unknown> {
  return { createWriter: () => ({ write: () => void counter.n++ }) };
}

const quietEnv = () => StreamEnvironment.create({ parallelism: 1, logger: pino({ level: 'warn' }) });

/** Weir: per-key tumbling counts; returns the number of window results. */
async function weirTumbling(count: number): Promise<number> {
  const counter = { n: 0 };
  const env = quietEnv();
  env
    .fromSource(generatorSource({ count, generate: windowRecord }), watermarks.monotonous<Rec>((r) => r.t))
    .keyBy((r) => r.key)
    .window(tumblingEventTime({ size: WINDOW_MS }))
    .aggregate({ create: () => 0, add: (n: number) => n + 1, result: (n: number) => n })
    .sinkTo(countingSink(counter));
  await env.execute('bench-tumbling');
  return counter.n;
}

/**
 * The same by hand: one map of counts per open window, emitted whole when the (monotonous)
 * watermark passes the window's end, then dropped.
 */
function loopTumbling(count: number): number {
  const windows = new Map<number, Map<number, number>>();
  let emitted = 0;
  const fire = (upTo: number) => {
    for (const [end, counts] of windows) {
      if (end - 1 > upTo) continue;
      for (const n of counts.values()) if (n > 0) emitted++;
      windows.delete(end);
    }
  };
  let watermark = -Infinity;
  for (let i = 0; i < count; i++) {
    const r = windowRecord(i);
    const end = r.t - (r.t % WINDOW_MS) + WINDOW_MS;
    let counts = windows.get(end);
    if (counts === undefined) windows.set(end, (counts = new Map()));
    counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
    if (r.t - 1 > watermark) {
      watermark = r.t - 1;
      fire(watermark);
    }
  }
  fire(Infinity);
  return emitted;
}

/** Registers a timer per record, far ahead, and counts the timers that fire. */
class TimerPerRecord extends KeyedProcessFunction<number, Rec, number> {
  fired = 0;
  processElement(r: Rec, ctx: KeyedContext<number>): void {
    ctx.timerService.registerEventTimeTimer(r.t + TIMER_DELAY_MS);
  }
  override onTimer(): void {
    this.fired++;
  }
  override close(): void {
    TimerPerRecord.total += this.fired;
  }
  static total = 0;
}

async function weirTimers(count: number): Promise<number> {
  TimerPerRecord.total = 0;
  const env = quietEnv();
  env
    .fromSource(generatorSource({ count, generate: timerRecord }), watermarks.monotonous<Rec>((r) => r.t))
    .keyBy((r) => r.key)
    .process(new TimerPerRecord())
    .sinkTo(countingSink({ n: 0 }));
  await env.execute('bench-timers');
  return TimerPerRecord.total;
}

/**
 * The same by hand: a binary min-heap of (time, key) on typed arrays, every timer fired in time
 * order as the watermark passes it. With `dedupe`, a set of pending times per key keeps one timer
 * per (key, time), as the runtime does; without, the loop relies on knowing that every timer is
 * distinct (the ceiling). Neither has key groups or snapshots.
 */
function loopTimers(count: number, dedupe: boolean): number {
  const pending = new Map<number, Set<number>>();
  let ts = new Float64Array(1 << 16);
  let keys = new Int32Array(1 << 16);
  let size = 0;
  let fired = 0;
  const push = (t: number, k: number) => {
    if (size === ts.length) {
      const t2 = new Float64Array(size * 2);
      t2.set(ts);
      ts = t2;
      const k2 = new Int32Array(size * 2);
      k2.set(keys);
      keys = k2;
    }
    let at = size++;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (ts[parent] <= t) break;
      ts[at] = ts[parent];
      keys[at] = keys[parent];
      at = parent;
    }
    ts[at] = t;
    keys[at] = k;
  };
  const pop = () => {
    const t = ts[--size];
    const k = keys[size];
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && ts[child + 1] < ts[child]) child++;
      if (ts[child] >= t) break;
      ts[at] = ts[child];
      keys[at] = keys[child];
      at = child;
    }
    ts[at] = t;
    keys[at] = k;
  };
  const fireUpTo = (watermark: number) => {
    while (size > 0 && ts[0] <= watermark) {
      fired++;
      if (dedupe) {
        const times = pending.get(keys[0])!;
        times.delete(ts[0]);
        if (times.size === 0) pending.delete(keys[0]);
      }
      pop();
    }
  };
  for (let i = 0; i < count; i++) {
    const r = timerRecord(i);
    const at = r.t + TIMER_DELAY_MS;
    if (dedupe) {
      let times = pending.get(r.key);
      if (times === undefined) pending.set(r.key, (times = new Set()));
      if (times.has(at)) continue;
      times.add(at);
    }
    push(at, r.key);
    fireUpTo(r.t - 1);
  }
  fireUpTo(Infinity);
  return fired;
}

export async function runEventTime(records: number, rounds: number, progress?: Progress): Promise<CaseResult[]> {
  const rows: CaseResult[] = [];
  const pair = async (title: string, query: string, loopFn: () => number, weirFn: () => Promise<number>, more?: { name: string; fn: () => number }) => {
    const loop = await measure(`${query} hand-written loop`, records, rounds, async () => loopFn(), progress);
    const other = more === undefined ? undefined : await measure(`${query} ${more.name}`, records, rounds, async () => more.fn(), progress);
    const weir = await measure(`${query} weir p=1`, records, rounds, weirFn, progress);
    if (loop.emitted !== weir.emitted) throw new Error(`${query}: outputs differ: loop ${loop.emitted}, weir ${weir.emitted}`);
    report(title, other === undefined ? [loop, weir] : [loop, other, weir], loop);
    const row = (m: Measurement, variant: string) =>
      measuredCase({
        experiment: 'event-time',
        case: m.name,
        query,
        variant,
        events: records,
        rounds: m.all,
        perCore: m.perCore,
        baselineRatio: m.recordsPerSecond / loop.recordsPerSecond,
        perCoreBaselineRatio: m.perCore / loop.perCore,
        baseline: variant === 'loop' ? null : loop.name,
        parallelism: 1,
        outputRecords: m.emitted,
      });
    rows.push(row(loop, 'loop'), ...(other === undefined ? [] : [row(other, 'loop')]), row(weir, 'weir'));
  };
  await pair(
    `event time: tumbling count over ${WINDOW_KEYS.toLocaleString('en')} keys (100 s windows, 10 records per key per window)`,
    'tumbling',
    () => loopTumbling(records),
    () => weirTumbling(records),
  );
  await pair(
    `event time: a timer per record, ${TIMER_DELAY_MS.toLocaleString('en')} ahead (1M pending once warm)`,
    'timers',
    () => loopTimers(records, false),
    () => weirTimers(records),
    { name: 'loop, deduplicated', fn: () => loopTimers(records, true) },
  );
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const records = Number(process.env.BENCH_RECORDS ?? 3_000_000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  console.log(`weir bench event-time: node ${process.version}, ${rounds} rounds per row, median shown`);
  await runEventTime(records, rounds);
}
