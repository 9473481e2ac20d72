/**
 * Fraud detection with timers (Flink's fraud detection walkthrough, in event time): a card that
 * makes a tiny transaction (under $1, a thief testing it) and then a large one (over $500)
 * within a minute raises an alert. The "tiny transaction seen" flag is keyed state per card, and
 * an event-time timer a minute after it clears it, so the state of quiet cards goes away.
 *
 * 200,000 transactions over 10,000 cards, 20 minutes of event time, arriving up to 5 s out of
 * order; 15 cards are attacked (15 alerts), and a few make a small and a large purchase minutes
 * apart (no alert). Checkpointed every second: a killed run resumes where it left off (printSink
 * may print an alert of the last seconds again; fileSink writes each once).
 *
 *   npx weir run examples/fraud-detection.ts
 */
import {
  generatorSource,
  KeyedProcessFunction,
  printSink,
  ValueStateDescriptor,
  watermarks,
  type Collector,
  type KeyedContext,
  type KeyedRuntimeContext,
  type OnTimerContext,
  type StreamEnvironment,
  type ValueState,
} from '@weir/core';

interface Transaction {
  readonly card: string;
  readonly amount: number;
  /** Event time: when the card was used, ms. */
  readonly time: number;
}

interface Alert {
  readonly card: string;
  readonly small: number;
  readonly large: number;
  readonly at: string;
}

const CARDS = 10_000;
const ONE_MINUTE = 60_000;
const START = Date.UTC(2030, 0, 1, 12);

/** A cheap deterministic hash of i: the generator emits the same transactions on every run. */
const hash = (i: number) => (Math.imul(i + 1, 2654435761) >>> 0) / 2 ** 32;

/**
 * Transaction i: card `c<i mod 10,000>`, 6 ms of event time after the one before, up to 5 s out of
 * order, between $1 and $500. From record 50,000 on, every 10,007th card is attacked: a $0.42 test
 * and, 2,000 records (12 s) later, $800; every 10,009th card has a $0.50 purchase and $900 five
 * minutes later, which is no fraud.
 */
function transaction(i: number): Transaction {
  const time = START + i * 6 - Math.floor(hash(i) * 5_000);
  const attacked = (j: number) => j >= 50_000 && j % 10_007 === 0;
  const slow = (j: number) => j >= 50_000 && j % 10_009 === 0;
  if (attacked(i)) return { card: `c${i % CARDS}`, amount: 0.42, time };
  if (attacked(i - 2_000)) return { card: `c${(i - 2_000) % CARDS}`, amount: 800, time };
  if (slow(i)) return { card: `c${i % CARDS}`, amount: 0.5, time };
  if (slow(i - 50_000)) return { card: `c${(i - 50_000) % CARDS}`, amount: 900, time };
  return { card: `c${i % CARDS}`, amount: 1 + Math.floor(hash(i + 7) * 49_900) / 100, time };
}

/** Flags a small transaction for a minute; a large one while flagged is an alert. */
class FraudDetector extends KeyedProcessFunction<string, Transaction, Alert> {
  /** The time of the last small transaction, while within its minute. */
  smallAt!: ValueState<number>;
  smallAmount!: ValueState<number>;

  override open(ctx: KeyedRuntimeContext): void {
    this.smallAt = ctx.getState(new ValueStateDescriptor<number>('small-at'));
    this.smallAmount = ctx.getState(new ValueStateDescriptor<number>('small-amount'));
  }

  processElement(t: Transaction, ctx: KeyedContext<string>, out: Collector<Alert>): void {
    const smallAt = this.smallAt.value();
    if (smallAt !== undefined && t.amount > 500 && t.time >= smallAt && t.time - smallAt <= ONE_MINUTE) {
      out.collect({ card: ctx.getCurrentKey(), small: this.smallAmount.value()!, large: t.amount, at: new Date(t.time).toISOString() });
      this.forget(ctx, smallAt);
    }
    if (t.amount < 1) {
      if (smallAt !== undefined) ctx.timerService.deleteEventTimeTimer(smallAt + ONE_MINUTE);
      this.smallAt.update(t.time);
      this.smallAmount.update(t.amount);
      // Forget the small transaction a minute later (event time: when the watermark gets there).
      ctx.timerService.registerEventTimeTimer(t.time + ONE_MINUTE);
    }
  }

  override onTimer(_timestamp: number, _ctx: OnTimerContext<string>): void {
    this.smallAt.clear();
    this.smallAmount.clear();
  }

  /** (A plain method, not `#private`: each subtask works on its own shallow copy of the function.) */
  forget(ctx: KeyedContext<string>, smallAt: number): void {
    ctx.timerService.deleteEventTimeTimer(smallAt + ONE_MINUTE);
    this.smallAt.clear();
    this.smallAmount.clear();
  }
}

export default function job(env: StreamEnvironment): void {
  env.setParallelism(2);
  env.enableCheckpointing(1000, { storage: './checkpoints' });
  env
    .fromSource(
      generatorSource({ count: 200_000, generate: transaction, ratePerSecond: 50_000 }),
      watermarks.boundedOutOfOrderness<Transaction>((t) => t.time, 5_000),
    )
    .name('transactions')
    .uid('transactions')
    .keyBy((t) => t.card)
    .process(new FraudDetector())
    .name('fraud detector')
    .uid('fraud-detector')
    .sinkTo(printSink<Alert>())
    .name('alerts');
}
