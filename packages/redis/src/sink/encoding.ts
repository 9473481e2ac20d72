import { Packr } from 'msgpackr';

/**
 * How records and staged chunks are encoded on their way to Redis: plain msgpack (no msgpackr
 * records or structures, whose definitions would live outside the bytes), so that any msgpack
 * reader, Redis's own `cmsgpack` included, decodes them.
 */
const packr = new Packr({ useRecords: false, moreTypes: false });

/** The stream field that holds a record when a stream sink has no `serialize`. */
export const DEFAULT_STREAM_FIELD = 'value';

/** Encodes one record as msgpack bytes: the default of the list sink and the stream sink. */
export function encodeRecord(value: unknown): Buffer {
  return packr.pack(value);
}

/** Decodes bytes written by {@link encodeRecord}. */
export function decodeRecord<T = unknown>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}

/** One entry of a staged chunk: a value, or a stream entry's alternating fields and values. */
export type ChunkEntry = string | Uint8Array | readonly (string | Uint8Array)[];

/**
 * Encodes one staged chunk (an array of entries) for `commit-4.lua`: msgpack arrays and strings
 * only. Bytes go out as msgpack *str*, not *bin*: Redis's `cmsgpack` rejects the bin family, and a
 * Lua string holds any bytes.
 */
export function encodeChunk(entries: readonly ChunkEntry[]): Buffer {
  let size = arrayHeaderSize(entries.length);
  for (const e of entries) {
    if (typeof e === 'string' || e instanceof Uint8Array) size += strSize(e);
    else {
      size += arrayHeaderSize(e.length);
      for (const v of e) size += strSize(v);
    }
  }
  const out = Buffer.allocUnsafe(size);
  let at = writeArrayHeader(out, 0, entries.length);
  for (const e of entries) {
    if (typeof e === 'string' || e instanceof Uint8Array) at = writeStr(out, at, e);
    else {
      at = writeArrayHeader(out, at, e.length);
      for (const v of e) at = writeStr(out, at, v);
    }
  }
  return out;
}

function arrayHeaderSize(n: number): number {
  return n < 16 ? 1 : n < 0x10000 ? 3 : 5;
}

function writeArrayHeader(out: Buffer, at: number, n: number): number {
  if (n < 16) {
    out[at] = 0x90 | n;
    return at + 1;
  }
  if (n < 0x10000) {
    out[at] = 0xdc;
    out.writeUInt16BE(n, at + 1);
    return at + 3;
  }
  out[at] = 0xdd;
  out.writeUInt32BE(n, at + 1);
  return at + 5;
}

function byteLength(v: string | Uint8Array): number {
  return typeof v === 'string' ? Buffer.byteLength(v) : v.byteLength;
}

function strSize(v: string | Uint8Array): number {
  const n = byteLength(v);
  return n + (n < 32 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);
}

function writeStr(out: Buffer, at: number, v: string | Uint8Array): number {
  const n = byteLength(v);
  if (n < 32) out[at++] = 0xa0 | n;
  else if (n < 0x100) {
    out[at] = 0xd9;
    out[at + 1] = n;
    at += 2;
  } else if (n < 0x10000) {
    out[at] = 0xda;
    out.writeUInt16BE(n, at + 1);
    at += 3;
  } else {
    out[at] = 0xdb;
    out.writeUInt32BE(n, at + 1);
    at += 5;
  }
  if (typeof v === 'string') out.write(v, at, 'utf8');
  else out.set(v, at);
  return at + n;
}
