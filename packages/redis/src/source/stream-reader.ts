import type { InputStatus, ReaderOutput, SourceOutput, SourceReaderContext } from '@weir/core';
import type { Redis } from 'ioredis';
import { drop, type ResolvedConnection } from '../connection.ts';
import type { DeadLetterFormat } from '../dead-letter/encode.ts';
import type { Decoder } from '../format/format.ts';
import { deadLetterPositionsKey } from '../keys.ts';
import { writeStreamLetters, type PositionedLetter, type StreamLetters } from '../lua/dead-letter.ts';
import type { SourceReaderMetrics } from '@weir/core';
import { FetchingReader, fetchingOptions, type Fetched, type SplitLetter } from './fetching-reader.ts';
import { RetainedPositions } from './retained-positions.ts';
import { compareStreamIds, isStreamId, nextStreamId, STREAM_START } from './stream-ids.ts';
import type { StreamStartAt } from './stream-source.ts';

/** The position of one stream: the id of the last entry delivered downstream (`0-0`: none yet). */
export interface StreamSplit {
  readonly stream: string;
  readonly lastId: string;
  /**
   * How many entries the stream had been given (XINFO's `entries-added`) up to `lastId`: what the
   * lag is counted from. Absent when unknown (a start at a given id; checkpoints before it existed).
   */
  readonly entriesRead?: number;
}

export interface StreamReaderOptions {
  readonly conn: ResolvedConnection;
  readonly streams: readonly string[];
  readonly field: string;
  readonly startAt: StreamStartAt;
  readonly batchSize: number;
  readonly blockMs: number;
  readonly group: string | undefined;
  readonly trim: boolean;
  readonly decode: Decoder<unknown>;
  readonly deadLetterFormat: DeadLetterFormat;
  readonly deadLetterKey: (source: string) => string;
  readonly recordsPerPoll?: number;
  /** Where a record's source timestamp comes from (see `RedisStreamSourceOptions.eventTime`); none by default. */
  readonly eventTime?: StreamEventTime;
}

/** The time of a stream entry: the milliseconds of its id, or a field holding epoch ms or an ISO date. */
export type StreamEventTime = 'entry-id' | { readonly field: string };

/** The milliseconds part of an entry id `<ms>-<seq>`. */
export function entryIdTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/** A field's value as epoch ms: a number, or a date `Date.parse` reads; NaN otherwise. */
export function fieldTime(value: Buffer): number {
  const text = value.toString();
  const n = Number(text);
  return text !== '' && !Number.isNaN(n) ? n : Date.parse(text);
}

/**
 * One subtask of a stream source. Its splits are the streams `i ≡ subtask (mod parallelism)` on a
 * fresh start, the restored ones after a restore. `XREAD` runs on a duplicated connection (it
 * blocks); releases and dead letters go through the main one. Input is released (trimmed) only
 * once every checkpoint the job retains (`ctx.retainedCheckpoints`) is past it.
 */
export class RedisStreamReader<T> extends FetchingReader<T, StreamSplit, string> {
  readonly #o: StreamReaderOptions;
  readonly #streams: string[];
  readonly #split = new Map<string, number>();
  /** Per split: entries the stream had been given up to the last delivered one (see {@link StreamSplit.entriesRead}). */
  readonly #entriesRead: (number | undefined)[];
  /** Per split: where `XREAD` continues (the last id fetched). */
  readonly #fetched: string[];
  /** Per split: the last id delivered downstream (`''` until `start` resolves the start position). */
  readonly #delivered: string[];
  readonly #positions: RetainedPositions<string>;
  readonly #field: Buffer;
  #blocking: Redis | undefined;
  #releasing: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;
  /** Per split, the output its records go to (one watermark generator per stream). */
  #splitOutputs: SourceOutput<T>[] = [];
  #output: ReaderOutput<T> | undefined;
  /** The record the base class just collected, waiting for `delivered` to say which split it is from. */
  #held: T | undefined;
  #holding = false;
  readonly #relay: SourceOutput<T> = {
    collect: (record) => {
      this.#held = record;
      this.#holding = true;
    },
  };
  /** With `eventTime: { field }`: each fetched entry's time, until it is delivered. */
  readonly #fieldTimes = new Map<string, number>();
  readonly #timeField: Buffer | undefined;

  constructor(ctx: SourceReaderContext<StreamSplit>, o: StreamReaderOptions) {
    // XREAD blocks by itself: no idle wait.
    super(ctx, fetchingOptions(o, 0));
    this.#o = o;
    const restored = ctx.restoredState;
    for (const s of restored ?? []) {
      if (typeof s?.stream !== 'string' || !isStreamId(s.lastId)) throw new TypeError(`restored stream split is not { stream, lastId }: ${JSON.stringify(s)}`);
    }
    this.#streams = restored !== undefined ? restored.map((s) => s.stream) : o.streams.filter((_, i) => i % ctx.parallelism === ctx.subtaskIndex);
    this.#streams.forEach((s, i) => this.#split.set(s, i));
    this.#delivered = restored !== undefined ? restored.map((s) => s.lastId) : this.#streams.map(() => '');
    this.#entriesRead = restored !== undefined ? restored.map((s) => (typeof s.entriesRead === 'number' ? s.entriesRead : undefined)) : this.#streams.map(() => undefined);
    this.#fetched = this.#delivered.slice();
    this.#field = Buffer.from(o.field);
    this.#timeField = typeof o.eventTime === 'object' ? Buffer.from(o.eventTime.field) : undefined;
    this.#positions = new RetainedPositions(
      ctx.retainedCheckpoints,
      compareStreamIds,
      restored === undefined ? undefined : new Map(restored.map((s) => [s.stream, s.lastId])),
    );
  }

  protected get client(): Redis {
    return this.#o.conn.client;
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.#streams.length; i++) {
      if (this.#delivered[i] === '') [this.#delivered[i], this.#entriesRead[i]] = await this.#startPosition(this.#streams[i]);
      this.#fetched[i] = this.#delivered[i];
    }
    if (this.#streams.length === 0) {
      this.logger.info('no stream to read in this subtask (more subtasks than streams)');
      return;
    }
    // Closed while starting (a cancel does not wait for start): no connection that nobody closes.
    if (this.closed) return;
    this.logger.info({ streams: this.#streams, from: this.#delivered }, 'reading streams');
    this.#blocking = this.#o.conn.duplicate();
    this.startFetching();
  }

  /** Where a fresh start reads from, and how many entries the stream had been given up to there (one XINFO: both at one instant). */
  async #startPosition(stream: string): Promise<[id: string, entriesRead: number | undefined]> {
    const at = this.#o.startAt;
    if (at !== 'earliest' && at !== 'latest') return [at.id, undefined];
    const info = await streamInfo(this.client, stream);
    if (info === undefined) return [STREAM_START, 0];
    const added = info.entriesAdded;
    if (at === 'earliest') return [STREAM_START, added === undefined ? undefined : added - info.length];
    return [info.lastEntryId ?? STREAM_START, added];
  }

  /**
   * Lag per stream: entries the stream was given (`entries-added`) minus those this reader has
   * read, counted from its start or checkpoint. Redis cannot count the entries after an id without
   * reading them, and a group's own lag is unknown after the XGROUP SETID a restore does. Entries
   * deleted (XDEL) before they were read count as lag until the reader is caught up, when the count
   * is set again from Redis. A stream whose count is not known yet reports no lag.
   */
  protected override async readBacklog(): Promise<SourceReaderMetrics> {
    if (this.#streams.length === 0) return { lagRecords: 0 };
    const pipeline = this.client.pipeline();
    for (const stream of this.#streams) pipeline.call('XINFO', 'STREAM', stream);
    const replies = (await pipeline.exec()) ?? [];
    let lag = 0;
    let known = false;
    for (let i = 0; i < this.#streams.length; i++) {
      const [err, reply] = replies[i] ?? [null, undefined];
      const info = err === null ? parseStreamInfo(reply) : undefined;
      if (info?.entriesAdded === undefined) continue;
      // Caught up to the last entry ever added: the count is exactly what Redis says.
      if (this.#delivered[i] === info.lastGeneratedId) this.#entriesRead[i] = info.entriesAdded;
      const read = this.#entriesRead[i];
      if (read === undefined) continue;
      known = true;
      lag += Math.max(0, info.entriesAdded - read);
    }
    return known ? { lagRecords: lag } : {};
  }

  /**
   * Records go out through one output per stream, so that each stream has its own watermark
   * generator (a stream that lags does not see its records made late by a fast one), with the
   * entry's time when `eventTime` is set. The base class collects a record and then says which
   * split it was from (`delivered`): the record waits in between, in the same call.
   */
  override pollNext(output: ReaderOutput<T>): InputStatus {
    if (this.#output !== output) {
      this.#output = output;
      this.#splitOutputs = this.#streams.map((s) => output.createOutputForSplit?.(s) ?? output);
    }
    // More subtasks than streams: nothing to read, so do not hold event time back.
    if (this.#streams.length === 0) output.markIdle?.();
    return super.pollNext(this.#relay);
  }

  protected async fetch(): Promise<readonly Fetched<string>[]> {
    const reply = await this.#blocking!.xreadBuffer(
      'COUNT',
      this.#o.batchSize,
      'BLOCK',
      this.#o.blockMs,
      'STREAMS',
      ...this.#streams,
      ...this.#fetched,
    );
    if (reply === null) return [];
    const out: Fetched<string>[] = [];
    const pairs = (reply instanceof Map ? [...reply.entries()] : reply) as [Buffer, [Buffer, Buffer[]][]][];
    for (const [key, entries] of pairs) {
      const split = this.#split.get(key.toString());
      if (split === undefined || entries.length === 0) continue;
      for (const [idBytes, fields] of entries) {
        const id = idBytes.toString();
        const raw = this.#payload(fields);
        if (this.#timeField !== undefined) this.#fieldTimes.set(id, this.#timeOf(fields));
        out.push(
          raw !== undefined
            ? { split, position: id, raw }
            : { split, position: id, raw: entryAsJson(fields), problem: `entry ${id} has no field '${this.#o.field}'` },
        );
      }
      this.#fetched[split] = entries[entries.length - 1][0].toString();
    }
    return out;
  }

  #payload(fields: Buffer[]): Buffer | undefined {
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i].equals(this.#field)) return fields[i + 1];
    return undefined;
  }

  #timeOf(fields: Buffer[]): number {
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i].equals(this.#timeField!)) return fieldTime(fields[i + 1]);
    return NaN;
  }

  protected delivered(split: number, id: string): void {
    this.#delivered[split] = id;
    const read = this.#entriesRead[split];
    if (read !== undefined) this.#entriesRead[split] = read + 1;
    const eventTime = this.#o.eventTime;
    let time: number | undefined;
    if (eventTime === 'entry-id') time = entryIdTime(id);
    else if (eventTime !== undefined) {
      time = this.#fieldTimes.get(id);
      this.#fieldTimes.delete(id);
    }
    if (!this.#holding) return; // dead-lettered, or already handled: nothing to emit
    const record = this.#held as T;
    this.#held = undefined;
    this.#holding = false;
    const out = this.#splitOutputs[split] ?? this.#output;
    if (out === undefined) throw new Error('a stream record was delivered outside pollNext');
    out.collect(record, time);
  }

  protected letterSource(split: number): string {
    return this.#streams[split];
  }

  protected letterPosition(id: string): string {
    return id;
  }

  /** One `dead-letter-2.lua` call per stream, in one pipeline: an entry id dead-lettered before writes nothing. */
  protected writeDeadLetters(letters: readonly SplitLetter<string>[]): Promise<void> {
    const groups: StreamLetters[] = [];
    for (let i = 0; i < letters.length; ) {
      const split = letters[i].split;
      const group: PositionedLetter[] = [];
      for (; i < letters.length && letters[i].split === split; i++) group.push({ position: letters[i].position, entry: letters[i].entry });
      const stream = this.#streams[split];
      const deadLetterList = this.#o.deadLetterKey(stream);
      groups.push({ deadLetterList, positions: deadLetterPositionsKey(deadLetterList), stream, letters: group });
    }
    return writeStreamLetters(this.client, groups);
  }

  snapshotState(checkpointId: number): StreamSplit[] {
    const states: StreamSplit[] = this.#streams.map((stream, i) => {
      const entriesRead = this.#entriesRead[i];
      return entriesRead === undefined ? { stream, lastId: this.#delivered[i] } : { stream, lastId: this.#delivered[i], entriesRead };
    });
    this.#positions.snapshotted(checkpointId, new Map(states.map((s) => [s.stream, s.lastId])));
    return states;
  }

  /** Moves the group to the checkpoint's position and, with `trim`, trims what every retained checkpoint is past. */
  notifyCheckpointComplete(checkpointId: number): Promise<void> {
    const release = this.#positions.completed(checkpointId);
    if (release === undefined || this.#streams.length === 0) return this.#releasing;
    this.#releasing = this.#releasing.then(() => this.#release(release.committed, release.releasable));
    return this.#releasing;
  }

  notifyCheckpointAborted(checkpointId: number): void {
    this.#positions.aborted(checkpointId);
  }

  /** Never throws: a release that fails is logged, and the next complete checkpoint releases as far. */
  async #release(committed: ReadonlyMap<string, string>, releasable: ReadonlyMap<string, string>): Promise<void> {
    const { group, trim } = this.#o;
    try {
      const pipeline = this.client.pipeline();
      const setIds: string[] = [];
      for (const [stream, id] of committed) {
        if (group !== undefined) {
          pipeline.xgroup('SETID', stream, group, id);
          setIds.push(stream);
        }
        const upTo = releasable.get(stream);
        if (trim && upTo !== undefined && upTo !== STREAM_START) pipeline.xtrim(stream, 'MINID', nextStreamId(upTo));
      }
      const results = (await pipeline.exec()) ?? [];
      for (let i = 0; i < results.length; i++) {
        const err = results[i][0];
        if (err === null) continue;
        const stream = i < setIds.length ? setIds[i] : undefined;
        if (stream !== undefined && group !== undefined && /NOGROUP|requires the key to exist/.test(err.message)) {
          await this.#createGroup(stream, group, committed.get(stream)!);
        } else {
          throw err;
        }
      }
    } catch (e) {
      this.logger.warn({ err: e }, 'releasing stream input after a complete checkpoint failed; the next checkpoint retries');
    }
  }

  async #createGroup(stream: string, group: string, id: string): Promise<void> {
    try {
      await this.client.xgroup('CREATE', stream, group, id, 'MKSTREAM');
    } catch (e) {
      if (!(e instanceof Error && e.message.startsWith('BUSYGROUP'))) throw e;
      await this.client.xgroup('SETID', stream, group, id);
    }
  }

  /**
   * Ends the blocking connection at once, settling the XREAD in flight: a plain `disconnect()`
   * while ioredis is reconnecting (Redis down) leaves the XREAD unsettled for ever, and the reader
   * could never close.
   */
  protected override interruptFetch(): void {
    if (this.#blocking !== undefined) void drop(this.#blocking);
  }

  /** Stops reading, waits for a release in flight, and closes both connections. Idempotent. */
  override close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await super.close();
        await this.#releasing;
      } finally {
        if (this.#blocking !== undefined) await drop(this.#blocking);
        await this.#o.conn.close();
      }
    })();
    return this.#closing;
  }
}

/** An entry without the payload field, as JSON of its fields (for its dead letter). */
function entryAsJson(fields: Buffer[]): Buffer {
  const o: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) o[fields[i].toString()] = fields[i + 1].toString();
  return Buffer.from(JSON.stringify(o));
}

interface StreamInfo {
  readonly length: number;
  readonly lastGeneratedId: string;
  /** Redis 7+. */
  readonly entriesAdded: number | undefined;
  readonly lastEntryId: string | undefined;
}

/** XINFO STREAM, or `undefined` when the stream does not exist. */
async function streamInfo(client: Redis, stream: string): Promise<StreamInfo | undefined> {
  try {
    return parseStreamInfo(await client.call('XINFO', 'STREAM', stream));
  } catch (e) {
    if (e instanceof Error && /no such key/i.test(e.message)) return undefined;
    throw e;
  }
}

function parseStreamInfo(reply: unknown): StreamInfo | undefined {
  if (!Array.isArray(reply)) return undefined;
  const f = new Map<string, unknown>();
  for (let i = 0; i + 1 < reply.length; i += 2) f.set(String(reply[i]), reply[i + 1]);
  const added = f.get('entries-added');
  const last = f.get('last-entry');
  return {
    length: Number(f.get('length') ?? 0),
    lastGeneratedId: String(f.get('last-generated-id') ?? STREAM_START),
    entriesAdded: added === undefined || added === null ? undefined : Number(added),
    lastEntryId: Array.isArray(last) && last.length > 0 ? String(last[0]) : undefined,
  };
}
