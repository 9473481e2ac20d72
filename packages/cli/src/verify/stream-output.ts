import type { Decoder, ResolvedConnection } from '@weir/redis';
import { UsageError } from '../errors.ts';
import { weirRedis, type WeirRedis } from '../weir-redis.ts';
import type { OutputRecord } from './compare-output.ts';

/** `--output-stream redis://host:port[/db]/stream`, split into the connection and the stream. */
export interface StreamOutputSpec {
  /** `redis://host:port/db`, what ioredis connects to. */
  readonly url: string;
  readonly stream: string;
}

/**
 * Parses `redis://[user:password@]host:port[/db]/stream` (or `rediss://`): the last path segment
 * is the stream (URL-encoded if it holds `/`), a number before it the database.
 */
export function parseOutputStream(text: string): StreamOutputSpec {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--output-stream needs redis://host:port[/db]/stream, got '${text}'`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new UsageError(`--output-stream needs redis://host:port[/db]/stream, got '${text}'`);
  const m = /^\/(?:(\d+)\/)?([^/]+)$/.exec(url.pathname);
  if (m === null) throw new UsageError(`--output-stream names no stream: redis://host:port[/db]/stream, got '${text}'`);
  const auth = url.username === '' ? '' : `${url.username}${url.password === '' ? '' : `:${url.password}`}@`;
  return { url: `${url.protocol}//${auth}${url.host}/${m[1] ?? '0'}`, stream: decodeURIComponent(m[2]) };
}

/**
 * The committed output of a job that writes a Redis stream. The runs of `weir verify` write to the
 * same stream one after the other: each run's output is what was added between the stream's last
 * id before it and its end. Nothing else may write the stream meanwhile.
 */
export class StreamOutput {
  readonly spec: StreamOutputSpec;
  readonly #conn: ResolvedConnection;
  readonly #redis: WeirRedis;
  readonly #msgpack: Decoder<unknown>;

  /** Connects to the stream's Redis (lazily: the first command connects). */
  static async open(spec: StreamOutputSpec): Promise<StreamOutput> {
    const redis = await weirRedis();
    return new StreamOutput(spec, redis.resolveConnection(spec.url, 'weir:verify'), redis);
  }

  private constructor(spec: StreamOutputSpec, conn: ResolvedConnection, redis: WeirRedis) {
    this.spec = spec;
    this.#conn = conn;
    this.#redis = redis;
    this.#msgpack = redis.resolveDecoder('msgpack');
  }

  /** The stream's last entry id now (`0-0` when empty or absent): the next run's output comes after it. */
  async mark(): Promise<string> {
    const client = this.#conn.client;
    const type = await client.type(this.spec.stream);
    if (type !== 'none' && type !== 'stream') throw new UsageError(`--output-stream: ${this.spec.stream} is a ${type}, not a stream`);
    const last = await client.xrevrange(this.spec.stream, '+', '-', 'COUNT', 1);
    return last.length === 0 ? '0-0' : last[0][0];
  }

  /** The entries added after `afterId` (up to `untilId` when given), as records, with their ids. */
  async readAfter(afterId: string, untilId = '+'): Promise<{ ids: string[]; records: OutputRecord[] }> {
    const client = this.#conn.client;
    const ids: string[] = [];
    const records: OutputRecord[] = [];
    for (let from = `(${afterId}`; ; ) {
      const page = await client.xrangeBuffer(this.spec.stream, from, untilId, 'COUNT', 1000);
      if (page.length === 0) break;
      for (const [rawId, fields] of page) {
        const id = rawId.toString();
        ids.push(id);
        records.push(entryRecord(fields, this.#msgpack));
        from = `(${id}`;
      }
      if (page.length < 1000) break;
    }
    return { ids, records };
  }

  /**
   * Removes what the runs left in Redis: their entries from the stream, and the stage, commit
   * marker and fence keys of their exactly-once sinks (default prefix `weir`), found by job name.
   */
  async cleanUp(ids: readonly string[], jobNames: readonly string[]): Promise<void> {
    const client = this.#conn.client;
    for (let i = 0; i < ids.length; i += 1000) await client.xdel(this.spec.stream, ...ids.slice(i, i + 1000));
    for (const job of jobNames) {
      for (const family of ['stage', 'commits', 'fence']) {
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `weir:${family}:${this.#redis.keySafe(job)}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await client.unlink(...keys);
        } while (cursor !== '0');
      }
    }
  }

  async close(): Promise<void> {
    await this.#conn.close();
  }
}

/**
 * An entry as a record: compared by its exact bytes, shown with the `value` field decoded from
 * msgpack (what Redis sinks write by default) and other fields as text.
 */
function entryRecord(fields: Buffer[], msgpack: Decoder<unknown>): OutputRecord {
  const identity: string[] = [];
  const shown: Record<string, unknown> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i].toString('utf8');
    const value = fields[i + 1];
    identity.push(`${name}=${value.toString('base64')}`);
    shown[name] = render(name, value, msgpack);
  }
  const keys = Object.keys(shown);
  const display = keys.length === 1 && keys[0] === 'value' ? json(shown.value) : json(shown);
  return { identity: identity.join(' '), display };
}

function render(field: string, value: Buffer, msgpack: Decoder<unknown>): unknown {
  if (field === 'value') {
    try {
      return msgpack(value);
    } catch {
      // not msgpack: shown as text below
    }
  }
  const text = value.toString('utf8');
  return text.includes('\uFFFD') ? `base64:${value.toString('base64')}` : text;
}

function json(value: unknown): string {
  return (
    JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Map) return Object.fromEntries(v);
      if (v instanceof Set) return [...v];
      return v;
    }) ?? String(value)
  );
}
