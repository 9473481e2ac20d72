import type { StoredLetter } from './stored-letter.ts';

/**
 * Which dead letters a `dlq` command acts on; every criterion given must hold. Without criteria,
 * every letter matches.
 */
export interface LetterFilter {
  /** A substring of the error, compared without regard to case. */
  readonly reason?: string;
  /** A pattern the error must match. */
  readonly reasonPattern?: RegExp;
  /** The uid of the operator (or source) that gave up, exactly. */
  readonly operator?: string;
  /** Letters written at or after this time (epoch ms). */
  readonly since?: number;
  /** Letters written before this time (epoch ms). */
  readonly until?: number;
}

/** Whether the filter has any criterion. */
export function isFiltering(filter: LetterFilter | undefined): boolean {
  if (filter === undefined) return false;
  return filter.reason !== undefined || filter.reasonPattern !== undefined || filter.operator !== undefined || filter.since !== undefined || filter.until !== undefined;
}

/** Whether `letter` meets every criterion of `filter`. */
export function matchesFilter(letter: StoredLetter, filter: LetterFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (filter.reason !== undefined && !letter.error.toLowerCase().includes(filter.reason.toLowerCase())) return false;
  if (filter.reasonPattern !== undefined) {
    filter.reasonPattern.lastIndex = 0;
    if (!filter.reasonPattern.test(letter.error)) return false;
  }
  if (filter.operator !== undefined && letter.operator !== filter.operator) return false;
  if (filter.since !== undefined && !(letter.time >= filter.since)) return false;
  if (filter.until !== undefined && !(letter.time < filter.until)) return false;
  return true;
}
