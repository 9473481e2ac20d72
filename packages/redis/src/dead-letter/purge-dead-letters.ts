import type { Redis } from 'ioredis';
import { deleteLetters, type ElementAt } from '../lua/purge.ts';
import { isFiltering, matchesFilter, type LetterFilter } from './letter-filter.ts';
import { DEFAULT_PAGE_SIZE, DeadLetterListError, checkDeadLetterList } from './read-dead-letters.ts';
import { decodeStoredLetter } from './stored-letter.ts';

/** Options of {@link purgeDeadLetters}. */
export interface PurgeDeadLettersOptions {
  readonly deadLetterList: string;
  /**
   * Which letters go; without criteria every element goes, elements that are not letters
   * included. With criteria only letters that meet them.
   */
  readonly filter?: LetterFilter;
  /** Delete at most this many. */
  readonly limit?: number;
  /** Elements per script call; default 500. */
  readonly chunkSize?: number;
}

/** What a purge did. */
export interface PurgeOutcome {
  readonly deleted: number;
  /** Elements in the list after the purge. */
  readonly left: number;
}

const DEFAULT_CHUNK = 500;
/** Passes in a row that find elements gone and delete none (another replay or purge racing) before the purge gives up. */
const MAX_IDLE_PASSES = 100;

/**
 * Deletes dead letters, with `purge-1.lua`: each call deletes the elements it names that are still
 * in the list, found by their exact bytes, so a purge never deletes a letter it did not select
 * (one the job appended meanwhile, say). The bookkeeping keys beside the list (`:positions`,
 * `:batches`, `:replayed`) are kept: a restoring job relies on them not to write a letter twice.
 */
export async function purgeDeadLetters(client: Redis, options: PurgeDeadLettersOptions): Promise<PurgeOutcome> {
  const key = options.deadLetterList;
  await checkDeadLetterList(client, key);
  const everything = !isFiltering(options.filter);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  const limit = options.limit ?? Infinity;
  let deleted = 0;
  for (let idle = 0; ; ) {
    let gone = 0;
    let deletedInPass = 0;
    for (let cursor = 0; deleted < limit; ) {
      const page = await client.lrangeBuffer(key, cursor, cursor + DEFAULT_PAGE_SIZE - 1);
      if (page.length === 0) break;
      const picks: ElementAt[] = [];
      for (let i = 0; i < page.length && deleted + picks.length < limit; i++) {
        const letter = everything ? undefined : decodeStoredLetter(page[i]);
        if (everything || (letter !== undefined && matchesFilter(letter, options.filter))) picks.push({ index: cursor + i, entry: page[i] });
      }
      let removed = 0;
      for (let at = 0; at < picks.length; at += chunkSize) {
        const chunk = picks.slice(at, at + chunkSize).map((p) => ({ index: p.index - removed, entry: p.entry }));
        const outcome = await deleteLetters(client, key, chunk);
        deleted += outcome.deleted;
        deletedInPass += outcome.deleted;
        removed += outcome.deleted;
        gone += outcome.gone;
      }
      cursor += page.length - removed;
    }
    if (gone === 0 || deleted >= limit) return { deleted, left: await client.llen(key) };
    idle = deletedInPass === 0 ? idle + 1 : 0;
    if (idle > MAX_IDLE_PASSES) throw new DeadLetterListError(`${key} kept changing during the purge (another replay or purge running?); ${deleted} deleted, run it again`);
  }
}
