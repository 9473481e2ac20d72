import type { Key } from '../../state/key.ts';
import { assignToKeyGroup, keyGroupToOperatorTable } from '../../state/key-groups.ts';
import type { ChannelWriter } from '../channel/channel.ts';
import { operatorFailure, type OperatorIdentity } from '../errors.ts';
import { Batch, type ControlEvent } from '../events.ts';
import type { RecordTime } from '../time/record-time.ts';
import type { CountingOutput, Output } from './output.ts';

/**
 * Outputs that end a chain: they fill batches of `batchSize` records and offer them to channels,
 * one per downstream subtask, according to the edge's partitioner. The task checks its writers for
 * backpressure after each step; these never wait themselves.
 *
 * With `time` (an edge whose records have event time), each record's timestamp is read from the
 * task's {@link RecordTime} as it is collected and travels in the batch's `timestamps` column.
 */

/** A batch's timestamp column: `n` of the `filled` slots (the column itself when it is full). */
function column(filled: Float64Array, n: number): Float64Array {
  return n === filled.length ? filled : filled.slice(0, n);
}

/** Forward: subtask i sends everything to subtask i of the next task. */
export class ForwardOutput<T> implements CountingOutput<T> {
  recordsOut = 0;
  #records: T[] = [];
  #timestamps: Float64Array | null;

  constructor(
    readonly writer: ChannelWriter,
    readonly batchSize: number,
    readonly time: RecordTime | null = null,
  ) {
    this.#timestamps = time === null ? null : new Float64Array(batchSize);
  }

  collect(record: T): void {
    const n = this.#records.push(record);
    if (this.#timestamps !== null) this.#timestamps[n - 1] = this.time!.timestamp;
    if (n === this.batchSize) this.flush();
  }

  flush(): void {
    const n = this.#records.length;
    if (n === 0) return;
    this.recordsOut += n;
    const ts = this.#timestamps;
    this.writer.offer(new Batch(this.#records, null, null, ts === null ? null : column(ts, n)));
    this.#records = [];
    if (ts !== null && n === this.batchSize) this.#timestamps = new Float64Array(this.batchSize);
  }

  emitEvent(event: ControlEvent): void {
    this.flush();
    this.writer.offer(event);
  }
}

/** Round-robin over the downstream subtasks, record by record (Flink's rebalance). */
export class RebalanceOutput<T> implements CountingOutput<T> {
  recordsOut = 0;
  readonly #pending: T[][];
  readonly #timestamps: Float64Array[] | null;
  #next = 0;

  constructor(
    readonly writers: readonly ChannelWriter[],
    readonly batchSize: number,
    firstChannel = 0,
    readonly time: RecordTime | null = null,
  ) {
    this.#pending = writers.map(() => []);
    this.#timestamps = time === null ? null : writers.map(() => new Float64Array(batchSize));
    this.#next = firstChannel % writers.length;
  }

  collect(record: T): void {
    const i = this.#next;
    this.#next = i + 1 === this.writers.length ? 0 : i + 1;
    const n = this.#pending[i].push(record);
    if (this.#timestamps !== null) this.#timestamps[i][n - 1] = this.time!.timestamp;
    if (n === this.batchSize) this.#flushChannel(i);
  }

  flush(): void {
    for (let i = 0; i < this.writers.length; i++) if (this.#pending[i].length > 0) this.#flushChannel(i);
  }

  emitEvent(event: ControlEvent): void {
    this.flush();
    for (const w of this.writers) w.offer(event);
  }

  #flushChannel(i: number): void {
    const n = this.#pending[i].length;
    this.recordsOut += n;
    const ts = this.#timestamps;
    this.writers[i].offer(new Batch(this.#pending[i], null, null, ts === null ? null : column(ts[i], n)));
    this.#pending[i] = [];
    if (ts !== null && n === this.batchSize) ts[i] = new Float64Array(this.batchSize);
  }
}

/** Every record to every downstream subtask (records are shared by reference, not copied). */
export class BroadcastOutput<T> implements CountingOutput<T> {
  recordsOut = 0;
  #records: T[] = [];
  readonly #timestamps: Float64Array | null;

  constructor(
    readonly writers: readonly ChannelWriter[],
    readonly batchSize: number,
    readonly time: RecordTime | null = null,
  ) {
    this.#timestamps = time === null ? null : new Float64Array(batchSize);
  }

  collect(record: T): void {
    const n = this.#records.push(record);
    if (this.#timestamps !== null) this.#timestamps[n - 1] = this.time!.timestamp;
    if (n === this.batchSize) this.flush();
  }

  flush(): void {
    const n = this.#records.length;
    if (n === 0) return;
    const records = this.#records;
    this.#records = [];
    this.recordsOut += n;
    for (let i = 0; i < this.writers.length; i++) {
      // Each channel gets its own copy of the column (a thread transport may transfer it).
      const ts = this.#timestamps === null ? null : this.#timestamps.slice(0, n);
      this.writers[i].offer(new Batch(i === 0 ? records : records.slice(), null, null, ts));
    }
  }

  emitEvent(event: ControlEvent): void {
    this.flush();
    for (const w of this.writers) w.offer(event);
  }
}

/**
 * keyBy: each record goes to the subtask owning its key group. The key and key group travel with
 * the record so that the keyed task does not hash again.
 */
export class KeyGroupOutput<T> implements CountingOutput<T> {
  recordsOut = 0;
  // Per downstream subtask, the batch being filled: preallocated arrays and a fill count, so that
  // routing a record is three indexed stores (no array growth while a batch fills).
  readonly #records: T[][];
  readonly #keys: Key[][];
  readonly #groups: number[][];
  readonly #timestamps: Float64Array[] | null;
  readonly #fill: Int32Array;
  readonly #table: Int32Array;

  constructor(
    readonly writers: readonly ChannelWriter[],
    readonly batchSize: number,
    readonly keySelector: (value: T) => Key,
    readonly maxParallelism: number,
    /** The operator whose output is keyed, in this subtask: named when the key selector throws. */
    readonly producer: OperatorIdentity,
    readonly time: RecordTime | null = null,
  ) {
    this.#table = keyGroupToOperatorTable(maxParallelism, writers.length);
    this.#records = writers.map(() => new Array<T>(batchSize));
    this.#keys = writers.map(() => new Array<Key>(batchSize));
    this.#groups = writers.map(() => new Array<number>(batchSize));
    this.#timestamps = time === null ? null : writers.map(() => new Float64Array(batchSize));
    this.#fill = new Int32Array(writers.length);
  }

  collect(record: T): void {
    let key: Key;
    let kg: number;
    try {
      key = this.keySelector(record);
      kg = assignToKeyGroup(key, this.maxParallelism);
    } catch (e) {
      throw operatorFailure(this.producer, e, 'keyBy');
    }
    const i = this.#table[kg];
    const at = this.#fill[i];
    this.#records[i][at] = record;
    this.#keys[i][at] = key;
    this.#groups[i][at] = kg;
    if (this.#timestamps !== null) this.#timestamps[i][at] = this.time!.timestamp;
    if ((this.#fill[i] = at + 1) === this.batchSize) this.#flushChannel(i);
  }

  flush(): void {
    for (let i = 0; i < this.writers.length; i++) if (this.#fill[i] > 0) this.#flushChannel(i);
  }

  emitEvent(event: ControlEvent): void {
    this.flush();
    for (const w of this.writers) w.offer(event);
  }

  #flushChannel(i: number): void {
    const n = this.#fill[i];
    this.recordsOut += n;
    const records = this.#records[i];
    const keys = this.#keys[i];
    const groups = this.#groups[i];
    if (n < this.batchSize) {
      records.length = n;
      keys.length = n;
      groups.length = n;
    }
    const ts = this.#timestamps;
    this.writers[i].offer(new Batch(records, keys, groups, ts === null ? null : column(ts[i], n)));
    this.#records[i] = new Array<T>(this.batchSize);
    this.#keys[i] = new Array<Key>(this.batchSize);
    this.#groups[i] = new Array<number>(this.batchSize);
    if (ts !== null && n === this.batchSize) ts[i] = new Float64Array(this.batchSize);
    this.#fill[i] = 0;
  }
}

/** One stream consumed by several operators: every record to each of them. */
export class FanOutOutput<T> implements Output<T> {
  constructor(readonly outputs: readonly Output<T>[]) {}

  collect(record: T): void {
    for (let i = 0; i < this.outputs.length; i++) this.outputs[i].collect(record);
  }

  flush(): void {
    for (const o of this.outputs) o.flush();
  }

  emitEvent(event: ControlEvent): void {
    for (const o of this.outputs) o.emitEvent(event);
  }
}
