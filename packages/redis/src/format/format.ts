import { Unpackr } from 'msgpackr';

/** Turns the raw bytes of a stream entry's field or a list item into a record; throws if it cannot. */
export type Decoder<T> = (raw: Buffer) => T;

/**
 * How a source decodes what it reads: `'json'` (UTF-8 JSON text), `'msgpack'` (what the Redis sinks
 * write by default), `'string'` (UTF-8 text as is), or a {@link Decoder} of your own.
 */
export type Format<T> = 'json' | 'msgpack' | 'string' | Decoder<T>;

/** Plain msgpack; msgpackr records with inline structures decode too. */
const unpackr = new Unpackr({ useRecords: false, moreTypes: false });

/** The decoder of a format. A throw means the input cannot be decoded: sources dead-letter it. */
export function resolveDecoder<T>(format: Format<T>): Decoder<T> {
  if (typeof format === 'function') return format;
  switch (format) {
    case 'json':
      return (raw) => JSON.parse(raw.toString('utf8')) as T;
    case 'msgpack':
      return (raw) => unpackr.unpack(raw) as T;
    case 'string':
      return (raw) => raw.toString('utf8') as T;
    default:
      throw new TypeError(`format must be 'json', 'msgpack', 'string' or a function (raw: Buffer) => record, got ${String(format)}`);
  }
}
