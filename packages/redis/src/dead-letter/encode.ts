import { describeError, type DeadLetter } from '@weir/core';
import { Packr } from 'msgpackr';

/** How dead letters are written: JSON text (readable with `LRANGE` in redis-cli) or msgpack. */
export type DeadLetterFormat = 'json' | 'msgpack';

const packr = new Packr({ useRecords: false, moreTypes: false });

/**
 * Encodes a letter as one list element: an object `{ payload, error, operator, attempts, time,
 * source, position }` (`source` and `position` null when unknown). In JSON, raw bytes that are
 * valid UTF-8 are kept as text and other bytes become base64, with `payloadEncoding: 'base64'`
 * saying so; a payload JSON cannot represent (a cycle, a BigInt) becomes its `String(...)` with
 * `payloadEncoding: 'string'`. In msgpack, bytes stay bytes.
 */
export function encodeDeadLetter(letter: DeadLetter, format: DeadLetterFormat): string | Buffer {
  if (format === 'msgpack') return packr.pack(plain(letter, letter.payload, undefined));
  const { payload } = letter;
  if (Buffer.isBuffer(payload)) {
    const text = payload.toString('utf8');
    return Buffer.byteLength(text) === payload.length && !text.includes('\uFFFD')
      ? JSON.stringify(plain(letter, text, undefined))
      : JSON.stringify(plain(letter, payload.toString('base64'), 'base64'));
  }
  try {
    return JSON.stringify(plain(letter, payload ?? null, undefined));
  } catch {
    return JSON.stringify(plain(letter, String(payload), 'string'));
  }
}

function plain(letter: DeadLetter, payload: unknown, payloadEncoding: 'base64' | 'string' | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {
    payload,
    error: letter.error,
    operator: letter.operator,
    attempts: letter.attempts,
    time: letter.time,
    source: letter.source ?? null,
    position: letter.position ?? null,
  };
  if (payloadEncoding !== undefined) out.payloadEncoding = payloadEncoding;
  return out;
}

/** A letter for input a source could not decode (tried once), at `position` of `source`. */
export function sourceLetter(raw: Buffer, error: unknown, operator: string, source: string, position: string): DeadLetter {
  return { payload: raw, error: describeError(error), operator, attempts: 1, time: Date.now(), source, position };
}
