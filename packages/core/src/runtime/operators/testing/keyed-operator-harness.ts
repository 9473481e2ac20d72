import { pino } from 'pino';
import type { OperatorSpec } from '../../../graph/operator-spec.ts';
import { HeapKeyedStateBackend } from '../../../state/heap/heap-state-backend.ts';
import type { Key } from '../../../state/key.ts';
import { KeyGroupRange } from '../../../state/key-group-range.ts';
import { assignToKeyGroup } from '../../../state/key-groups.ts';
import { WATERMARK, WATERMARK_STATUS, Watermark, type ControlEvent } from '../../events.ts';
import type { Output } from '../../output/output.ts';
import { ManualProcessingTimeService } from '../../time/manual-processing-time-service.ts';
import { RecordTime } from '../../time/record-time.ts';
import { createOperator } from '../create-operator.ts';
import type { OperatorContext, StreamOperator, TwoInputStreamOperator } from '../stream-operator.ts';

/** A record an operator emitted, with its event time (`undefined`: none). */
export interface Emitted<T = unknown> {
  readonly value: T;
  readonly timestamp: number | undefined;
}

const MAX_PARALLELISM = 128;

/**
 * Runs one keyed operator subtask (all key groups) outside a job, as Flink's
 * KeyedOneInputStreamOperatorTestHarness: records go in with a key and a time, watermarks and
 * processing time move when the test says, and everything emitted is recorded with its time.
 */
export class KeyedOperatorHarness {
  readonly backend = new HeapKeyedStateBackend(new KeyGroupRange(0, MAX_PARALLELISM - 1), MAX_PARALLELISM);
  readonly processingTime: ManualProcessingTimeService;
  readonly time = new RecordTime();
  readonly output: Emitted[] = [];
  /** Side outputs by tag id. */
  readonly sides = new Map<string, Emitted[]>();
  /** Watermarks the operator passed on. */
  readonly watermarks: number[] = [];
  /** Watermark statuses the operator passed on (`true`: idle). */
  readonly statuses: boolean[] = [];
  readonly operator: StreamOperator<unknown>;

  constructor(spec: OperatorSpec, options: { startTime?: number; sideTags?: readonly string[] } = {}) {
    this.processingTime = new ManualProcessingTimeService(options.startTime ?? 0);
    const record = (into: Emitted[]): Output<unknown> => ({
      collect: (value) => into.push({ value, timestamp: Number.isNaN(this.time.timestamp) ? undefined : this.time.timestamp }),
      emitEvent: (e: ControlEvent) => {
        if (into === this.output && e.kind === WATERMARK) this.watermarks.push(e.timestamp);
        if (into === this.output && e.kind === WATERMARK_STATUS) this.statuses.push(e.idle);
      },
      flush: () => {},
    });
    const sideOutputs = new Map<string, Output<unknown>>();
    for (const tag of options.sideTags ?? []) {
      const list: Emitted[] = [];
      this.sides.set(tag, list);
      sideOutputs.set(tag, record(list));
    }
    const ctx: OperatorContext = {
      operatorName: 'under test',
      operatorUid: 'under-test',
      subtaskIndex: 0,
      parallelism: 1,
      jobName: 'harness',
      maxParallelism: MAX_PARALLELISM,
      keyedBackend: this.backend,
      logger: pino({ level: 'silent' }),
      restoredLists: undefined,
      checkpointing: false,
      fencing: { epoch: 0, checkLease: async () => {} },
      deadLetter: null,
      attempts: 1,
      time: this.time,
      processingTime: this.processingTime,
      sideOutputs,
    };
    this.operator = createOperator(spec, ctx, record(this.output));
  }

  async open(): Promise<this> {
    await this.operator.open();
    return this;
  }

  /** One record of `key` at event time `timestamp` (none: no event time), into the first input. */
  process(key: Key, value: unknown, timestamp?: number): void {
    this.#at(key, timestamp);
    this.operator.collect(value);
  }

  /** One record into the second input of a two-input operator. */
  process2(key: Key, value: unknown, timestamp?: number): void {
    this.#at(key, timestamp);
    (this.operator as TwoInputStreamOperator).collect2(value);
  }

  watermark(timestamp: number): void {
    this.operator.emitEvent(new Watermark(timestamp));
  }

  /** Moves the wall clock to `time`: processing-time timers due by then fire, in order. */
  advanceProcessingTime(time: number): void {
    this.processingTime.advanceTo(time);
  }

  /** The values emitted so far (and forgets them). */
  take(): unknown[] {
    return this.output.splice(0).map((e) => e.value);
  }

  #at(key: Key, timestamp: number | undefined): void {
    this.backend.setCurrentKey(key, assignToKeyGroup(key, MAX_PARALLELISM));
    this.time.timestamp = timestamp ?? NaN;
  }
}
