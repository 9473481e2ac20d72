import type { DeadLetterFormat } from '../dead-letter/encode.ts';
import { deadLetterKey } from '../keys.ts';

/** Where a source's undecodable records go. */
export interface SourceDeadLetterOptions {
  /** One list for every stream or list the source reads; default `<stream or list>:dead`. */
  readonly key?: string;
  /** Default `'json'`. */
  readonly format?: DeadLetterFormat;
}

export function deadLetterOption(options: SourceDeadLetterOptions | undefined): { key: (source: string) => string; format: DeadLetterFormat } {
  const key = options?.key;
  const format = options?.format ?? 'json';
  if (format !== 'json' && format !== 'msgpack') throw new TypeError(`dead-letter format must be 'json' or 'msgpack', got ${String(format)}`);
  return { key: key === undefined ? deadLetterKey : () => key, format };
}

export function positiveInteger(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`option '${option}' must be an integer ≥ 1, got ${String(value)}`);
  return value;
}
