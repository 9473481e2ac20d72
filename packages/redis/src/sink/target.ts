/** A value as it goes to Redis: numbers are made strings first, so Lua sees what a client sends. */
export type Bytes = string | Buffer;
import { encodeChunk, type ChunkEntry } from './encoding.ts';

/**
 * What a Redis sink writes to, and how its records are buffered on the way: one stream (XADD per
 * record), one list (RPUSH), or one hash (HSET or HINCRBY per field). A target makes buffers; a
 * buffer collects records between flushes (at-least-once) or for a transaction (exactly-once), and
 * drains as encoded chunks: a batch for `append-1.lua` or a staged chunk for `commit-4.lua`.
 */
export interface SinkTarget<T> {
  /** The `commit-4.lua` target kind. */
  readonly kind: TargetKind;
  /** The Redis key written. */
  readonly key: string;
  /** Approximate `MAXLEN` of a stream; 0 for none. */
  readonly maxLen: number;
  newBuffer(): TargetBuffer<T>;
}

export type TargetKind = 'stream' | 'list' | 'hset' | 'hincrby';

export interface TargetBuffer<T> {
  add(value: T): void;
  /** Entries buffered (records, or distinct fields of a hash). */
  readonly size: number;
  /** Encodes up to `max` buffered entries as one chunk and removes them from the buffer. */
  takeChunk(max: number): Buffer | undefined;
}

/** A stream: one entry per record, `fields` as alternating field names and values. */
export function streamTarget<T>(key: string, maxLen: number, fields: (value: T) => Bytes[]): SinkTarget<T> {
  return {
    kind: 'stream',
    key,
    maxLen,
    newBuffer: () => new EntryBuffer<T, Bytes[]>(fields),
  };
}

/** A list: RPUSH of one element per record. */
export function listTarget<T>(key: string, element: (value: T) => Bytes): SinkTarget<T> {
  return {
    kind: 'list',
    key,
    maxLen: 0,
    newBuffer: () => new EntryBuffer<T, Bytes>(element),
  };
}

/**
 * A hash: the last value per field (`hset`) or the sum of increments per field (`hincrby`) since
 * the last drain; upserts commute with this folding, so a batch needs one write per field.
 */
export function hashTarget<T>(
  key: string,
  mode: 'set' | 'incrby',
  field: (value: T) => string,
  fieldValue: (value: T) => string | number,
): SinkTarget<T> {
  return {
    kind: mode === 'set' ? 'hset' : 'hincrby',
    key,
    maxLen: 0,
    newBuffer: () => (mode === 'set' ? new HashSetBuffer(field, fieldValue) : new HashIncrBuffer(field, fieldValue)),
  };
}

class EntryBuffer<T, E extends ChunkEntry> implements TargetBuffer<T> {
  #entries: E[] = [];

  constructor(readonly encode: (value: T) => E) {}

  get size(): number {
    return this.#entries.length;
  }

  add(value: T): void {
    this.#entries.push(this.encode(value));
  }

  takeChunk(max: number): Buffer | undefined {
    if (this.#entries.length === 0) return undefined;
    if (this.#entries.length <= max) {
      const all = this.#entries;
      this.#entries = [];
      return encodeChunk(all);
    }
    return encodeChunk(this.#entries.splice(0, max));
  }
}

class HashSetBuffer<T> implements TargetBuffer<T> {
  #fields = new Map<string, string>();

  constructor(
    readonly field: (value: T) => string,
    readonly fieldValue: (value: T) => string | number,
  ) {}

  get size(): number {
    return this.#fields.size;
  }

  add(value: T): void {
    this.#fields.set(this.field(value), String(this.fieldValue(value)));
  }

  takeChunk(max: number): Buffer | undefined {
    return this.#fields.size === 0 ? undefined : encodeChunk(this.#take(max));
  }

  #take(max: number): string[] {
    const flat: string[] = [];
    let n = 0;
    for (const [f, v] of this.#fields) {
      if (n++ === max) break;
      flat.push(f, v);
      this.#fields.delete(f);
    }
    return flat;
  }
}

class HashIncrBuffer<T> implements TargetBuffer<T> {
  #sums = new Map<string, number>();

  constructor(
    readonly field: (value: T) => string,
    readonly increment: (value: T) => string | number,
  ) {}

  get size(): number {
    return this.#sums.size;
  }

  add(value: T): void {
    const by = Number(this.increment(value));
    if (!Number.isSafeInteger(by)) {
      throw new RangeError(`redisHashSink in 'incrby' mode needs integer increments, got ${String(this.increment(value))}`);
    }
    const f = this.field(value);
    const sum = (this.#sums.get(f) ?? 0) + by;
    if (!Number.isSafeInteger(sum)) throw new RangeError(`increment of hash field ${f} overflows a safe integer`);
    this.#sums.set(f, sum);
  }

  takeChunk(max: number): Buffer | undefined {
    return this.#sums.size === 0 ? undefined : encodeChunk(this.#take(max));
  }

  #take(max: number): string[] {
    const flat: string[] = [];
    let n = 0;
    for (const [f, by] of this.#sums) {
      if (n++ === max) break;
      flat.push(f, String(by));
      this.#sums.delete(f);
    }
    return flat;
  }
}
