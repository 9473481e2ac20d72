/**
 * Per-key rate limits that delay rather than drop: the "at most 10 jobs a second per customer"
 * of BullMQ's group limiter and Laravel's `Redis::throttle`, kept in checkpointed state so a
 * restore neither loses the waiting records nor forgets how many just left.
 */
import { ListStateDescriptor, ValueStateDescriptor } from '../../state/descriptors.ts';
import type { Key } from '../../state/key.ts';
import type { ListState, ValueState } from '../../state/state.ts';
import { ConfigError, requireInteger } from '../../util/config-error.ts';
import { rejectUnknownOptions } from '../../util/options.ts';
import { KeyedProcessFunction, type Collector, type KeyedContext, type KeyedRuntimeContext, type OnTimerContext } from '../functions.ts';
import { OutputTag } from '../output-tag.ts';

/** Options of {@link KeyedStream.rateLimit}: at most `perKey` records of one key in any `per` ms. */
export interface RateLimitOptions<T = unknown> {
  /** How many records of one key may leave within any window of `per` ms: an integer ≥ 1. */
  readonly perKey: number;
  /** The window, in ms of processing time. */
  readonly per: number;
  /**
   * The most records of one key that may wait (an integer ≥ 1; default: no bound). A record that
   * finds its key's waiting list full goes to `overflow` at once, so a key that receives more than
   * it may pass for long cannot grow the keyed state without bound. Needs `overflow`.
   */
  readonly maxWaiting?: number;
  /** Where records go when their key already has `maxWaiting` waiting (read them with `getSideOutput(tag)`): nothing is dropped. */
  readonly overflow?: OutputTag<T>;
}

const OPTIONS = ['perKey', 'per', 'maxWaiting', 'overflow'] as const;

/** The event-time timer only the end-of-input watermark (+∞) reaches. */
const END_OF_INPUT = Number.MAX_SAFE_INTEGER;

/** Checks the options at job build time; every error names the option. */
export function checkRateLimitOptions<T>(options: RateLimitOptions<T>): RateLimitOptions<T> {
  if (options === null || typeof options !== 'object') throw new ConfigError('perKey', 'rateLimit(options) needs options: { perKey, per }');
  rejectUnknownOptions('rateLimit', options, OPTIONS);
  requireInteger('perKey', options.perKey, 1);
  const per = options.per;
  if (typeof per !== 'number' || !Number.isFinite(per) || per <= 0) {
    throw new ConfigError('per', `rateLimit: option 'per' must be a positive number of ms, got ${String(per)}`);
  }
  const { maxWaiting, overflow } = options;
  if (maxWaiting !== undefined) requireInteger('maxWaiting', maxWaiting, 1);
  if (overflow !== undefined && !(overflow instanceof OutputTag)) {
    throw new ConfigError('overflow', "rateLimit: option 'overflow' must be an OutputTag");
  }
  if (maxWaiting !== undefined && overflow === undefined) {
    throw new ConfigError('overflow', "rateLimit: option 'maxWaiting' needs 'overflow', an OutputTag for the records that find their key's waiting list full (nothing is dropped)");
  }
  if (overflow !== undefined && maxWaiting === undefined) {
    throw new ConfigError('maxWaiting', "rateLimit: option 'overflow' is used only with 'maxWaiting', the most records of one key that may wait");
  }
  return options;
}

/**
 * The function behind `rateLimit`: per key, the times the last `perKey` records left (a sliding
 * log, so the limit holds over every window of `per` ms, not only aligned ones) and the records
 * waiting, in arrival order. A record leaves at once when the log has room and nobody waits;
 * otherwise it waits, and a processing-time timer at the moment the oldest departure leaves the
 * window lets the next ones go. While a key has a log, some timer is pending; the last one clears
 * the log, so idle keys hold no state. At the end of a bounded input, whatever still waits leaves
 * at once (over the limit), as windows fire then: before the final checkpoint, so nothing is lost.
 */
export class RateLimitFunction<K extends Key, T> extends KeyedProcessFunction<K, T, T> {
  departures!: ValueState<number[]>;
  /** Records in arrival order; those before `head` have left already. Empty when none waits. */
  waiting!: ListState<T>;
  head!: ValueState<number>;

  constructor(
    readonly perKey: number,
    readonly per: number,
    /** With `overflow`: the most records of one key that may wait. */
    readonly maxWaiting: number = Infinity,
    readonly overflow: OutputTag<T> | undefined = undefined,
  ) {
    super();
  }

  override open(ctx: KeyedRuntimeContext): void {
    this.departures = ctx.getState(new ValueStateDescriptor<number[]>('rateLimit: departures'));
    this.waiting = ctx.getListState(new ListStateDescriptor<T>('rateLimit: waiting'));
    this.head = ctx.getState(new ValueStateDescriptor<number>('rateLimit: head'));
  }

  processElement(value: T, ctx: KeyedContext<K>, out: Collector<T>): void {
    // Someone waits: keep the key's order, the pending timer lets it go.
    const waiting = this.waiting.get().length;
    if (waiting > 0) {
      if (waiting - (this.head.value() ?? 0) >= this.maxWaiting) ctx.output(this.overflow!, value);
      else this.waiting.add(value);
      return;
    }
    const now = ctx.timerService.currentProcessingTime();
    const log = this.recent(now);
    if (log.length < this.perKey) {
      if (log.length === 0) ctx.timerService.registerProcessingTimeTimer(now + this.per);
      log.push(now);
      this.departures.update(log);
      out.collect(value);
      return;
    }
    this.waiting.add(value);
    this.departures.update(log);
    ctx.timerService.registerProcessingTimeTimer(log[0]! + this.per);
    // Fires only on the +∞ watermark every source sends when its input ends, before the final
    // checkpoint: a bounded job lets its waiting records go then, rather than end without them.
    ctx.timerService.registerEventTimeTimer(END_OF_INPUT);
  }

  override onTimer(_timestamp: number, ctx: OnTimerContext<K>, out: Collector<T>): void {
    if (ctx.timeDomain() === 'event-time') {
      this.releaseAll(out);
      return;
    }
    const now = ctx.timerService.currentProcessingTime();
    const log = this.recent(now);
    const waiting = this.waiting.get();
    // Records before `head` have left: the list is rewritten only now and then, not at every
    // timer, so draining a backlog of n costs O(n), not O(n²/perKey).
    let head = waiting.length > 0 ? (this.head.value() ?? 0) : 0;
    while (head < waiting.length && log.length < this.perKey) {
      out.collect(waiting[head++]!);
      log.push(now);
    }
    const stillWaiting = head < waiting.length;
    if (!stillWaiting) {
      if (waiting.length > 0) {
        this.waiting.clear();
        this.head.clear();
        ctx.timerService.deleteEventTimeTimer(END_OF_INPUT);
      }
    } else if (head >= 1024 && head * 2 >= waiting.length) {
      this.waiting.update(waiting.slice(head));
      this.head.clear();
    } else if (head > 0) {
      this.head.update(head);
    }
    if (log.length === 0) {
      this.departures.clear();
      return;
    }
    this.departures.update(log);
    // Waiting records: when the oldest departure leaves the window. Otherwise: when the newest
    // does, to clear the log.
    ctx.timerService.registerProcessingTimeTimer((stillWaiting ? log[0]! : log[log.length - 1]!) + this.per);
  }

  /** The input ended: every waiting record leaves now, over the limit, so that the final checkpoint holds it. */
  private releaseAll(out: Collector<T>): void {
    const waiting = this.waiting.get();
    for (let i = this.head.value() ?? 0; i < waiting.length; i++) out.collect(waiting[i]!);
    this.waiting.clear();
    this.head.clear();
    this.departures.clear();
  }

  /** The departures still inside the window ending at `now`, oldest first. (Not `#private`: functions are copied per subtask.) */
  private recent(now: number): number[] {
    const log = this.departures.value() ?? [];
    let expired = 0;
    while (expired < log.length && log[expired]! <= now - this.per) expired++;
    return expired === 0 ? log : log.slice(expired);
  }
}
