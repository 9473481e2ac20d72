import type { Redis } from 'ioredis';
import { decodeStoredLetter, type StoredLetter } from './stored-letter.ts';

/** One element of a dead-letter list: its index when read, its bytes, and the letter, when it is one. */
export interface ListedElement {
  readonly index: number;
  readonly entry: Buffer;
  /** `undefined` for an element that is not a letter Weir wrote. */
  readonly letter: StoredLetter | undefined;
}

/** Elements read per `LRANGE`. */
export const DEFAULT_PAGE_SIZE = 1000;

/**
 * Reads a dead-letter list from head (oldest) to tail in pages of `pageSize` elements, one
 * `LRANGE` each. Pages are read one after another, not as one snapshot: letters appended
 * meanwhile are read too, and a list changed elsewhere (another replay or purge) may be read with
 * gaps or repeats; the `dlq` commands that write re-read what they change.
 */
export async function* readDeadLetters(client: Redis, key: string, pageSize = DEFAULT_PAGE_SIZE): AsyncGenerator<ListedElement[]> {
  for (let start = 0; ; start += pageSize) {
    const page = await client.lrangeBuffer(key, start, start + pageSize - 1);
    if (page.length === 0) return;
    yield page.map((entry, i) => ({ index: start + i, entry, letter: decodeStoredLetter(entry) }));
    if (page.length < pageSize) return;
  }
}

/**
 * Checks that `key` can be a dead-letter list: a list, or absent (an empty list). Throws an error
 * naming the key's type otherwise, and says when it is a list's bookkeeping key.
 */
export async function checkDeadLetterList(client: Redis, key: string): Promise<'list' | 'none'> {
  const type = await client.type(key);
  if (type === 'list' || type === 'none') return type;
  const base = /:(positions|batches|replayed)$/.exec(key);
  const hint = base === null ? '' : `: it is the ${base[1]} bookkeeping of the dead-letter list ${key.slice(0, base.index)}`;
  throw new DeadLetterListError(`${key} is a ${type}, not a dead-letter list${hint}`);
}

/** A key that is not a dead-letter list, or a target of the wrong type. */
export class DeadLetterListError extends Error {
  override readonly name = 'DeadLetterListError';
}
