import { Packr } from 'msgpackr';
import type { DeadLetterFormat } from './encode.ts';

/**
 * A dead letter as it is stored in a dead-letter list (see `encode.ts`), read back: the fields of
 * the letter and the format it was written in. `source` and `position` are null for the letters of
 * an operator (`onError`), set for those of a source.
 */
export interface StoredLetter {
  readonly format: DeadLetterFormat;
  readonly payload: unknown;
  readonly error: string;
  readonly operator: string;
  readonly attempts: number;
  readonly time: number;
  readonly source: string | null;
  readonly position: string | null;
  /** JSON letters only: `'base64'` for raw bytes that were not UTF-8, `'string'` for a payload JSON could not hold. */
  readonly payloadEncoding?: 'base64' | 'string';
}

/** The same settings `encode.ts` writes with: plain maps, no records, no extension types. */
const packr = new Packr({ useRecords: false, moreTypes: false });

/**
 * Reads one element of a dead-letter list; `undefined` when it is not a letter Weir wrote (not
 * JSON or msgpack, or without `error`, `operator` and `time`).
 */
export function decodeStoredLetter(raw: Buffer): StoredLetter | undefined {
  if (raw.length === 0) return undefined;
  const first = raw[0];
  let value: unknown;
  let format: DeadLetterFormat;
  try {
    if (first === 0x7b /* { */ || first === 0x20 || first === 0x0a || first === 0x09 || first === 0x0d) {
      value = JSON.parse(raw.toString('utf8'));
      format = 'json';
    } else if ((first >= 0x80 && first <= 0x8f) || first === 0xde || first === 0xdf) {
      value = packr.unpack(raw);
      format = 'msgpack';
    } else {
      return undefined;
    }
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  if (typeof o.error !== 'string' || typeof o.operator !== 'string' || typeof o.time !== 'number' || !('payload' in o)) return undefined;
  const encoding = o.payloadEncoding === 'base64' || o.payloadEncoding === 'string' ? o.payloadEncoding : undefined;
  return {
    format,
    payload: o.payload,
    error: o.error,
    operator: o.operator,
    attempts: typeof o.attempts === 'number' ? o.attempts : 1,
    time: o.time,
    source: typeof o.source === 'string' ? o.source : null,
    position: o.position === null || o.position === undefined ? null : String(o.position),
    ...(encoding === undefined ? {} : { payloadEncoding: encoding }),
  };
}

/**
 * The bytes a replay writes back for a letter, in the form its producer wrote them:
 *
 * - a source's letter (it names its `source`) holds the raw input that could not be decoded: text
 *   as is, base64 (`payloadEncoding: 'base64'`) decoded back to the original bytes, msgpack `bin`
 *   as the bytes;
 * - an operator's letter holds the record: it goes back encoded as the letter was, JSON text for
 *   a JSON letter (what a `format: 'json'` source reads), plain msgpack for a msgpack letter (what
 *   `format: 'msgpack'` reads); a payload JSON could not hold (`payloadEncoding: 'string'`) goes
 *   back as that string.
 */
export function replayPayload(letter: StoredLetter): Buffer {
  const { payload } = letter;
  if (letter.payloadEncoding === 'base64' && typeof payload === 'string') return Buffer.from(payload, 'base64');
  if (letter.payloadEncoding === 'string' && typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (letter.source !== null) {
    if (Buffer.isBuffer(payload)) return payload;
    if (payload instanceof Uint8Array) return Buffer.from(payload);
    if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  }
  if (letter.format === 'msgpack') return packr.pack(payload);
  return Buffer.from(JSON.stringify(payload ?? null), 'utf8');
}
