import { ConfigError, rejectUnknownOptions } from '@weir/core';
import type { DeadLetterFormat } from '../dead-letter/encode.ts';
import { deadLetterKey } from '../keys.ts';

/** Where a source's undecodable records go. */
export interface SourceDeadLetterOptions {
  /** One list for every stream or list the source reads; default `<stream or list>:dead`. */
  readonly key?: string;
  /** Default `'json'`. */
  readonly format?: DeadLetterFormat;
}

export function deadLetterOption(what: string, options: SourceDeadLetterOptions | undefined): { key: (source: string) => string; format: DeadLetterFormat } {
  rejectUnknownOptions(`${what} option 'deadLetter'`, options, ['key', 'format']);
  const key = options?.key;
  const format = options?.format ?? 'json';
  if (format !== 'json' && format !== 'msgpack') throw new TypeError(`dead-letter format must be 'json' or 'msgpack', got ${String(format)}`);
  if (key !== undefined && (typeof key !== 'string' || key === '')) throw new TypeError(`${what} option 'deadLetter.key' must be a non-empty string`);
  return { key: key === undefined ? deadLetterKey : () => key, format };
}

export function positiveInteger(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`option '${option}' must be an integer ≥ 1, got ${String(value)}`);
  return value;
}

/**
 * Sources release input once every checkpoint the job retains is past it, so they take the job's
 * `retained` (`enableCheckpointing(ms, { retained })`) and have no setting of their own: one that
 * disagreed with the job could trim input a retained checkpoint still needs.
 */
export function rejectRetainedCheckpoints(what: string, options: object): void {
  if ('retainedCheckpoints' in options) {
    throw new ConfigError(
      'retainedCheckpoints',
      `${what} has no option 'retainedCheckpoints': sources follow the job's 'retained' (enableCheckpointing(interval, { retained })), ` +
        'releasing input only once every retained checkpoint is past it; remove the option',
    );
  }
}
