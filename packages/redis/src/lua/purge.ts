import type { Redis } from 'ioredis';
import { defineScript } from '../connection.ts';
import { marker } from './replay.ts';

/** One element to delete: where it is expected (a hint) and its exact bytes. */
export interface ElementAt {
  readonly index: number;
  readonly entry: Buffer;
}

/** What one `purge-1.lua` call did. */
export interface DeleteOutcome {
  readonly deleted: number;
  /** Elements no longer in the list: replayed or purged by another command meanwhile. */
  readonly gone: number;
}

/**
 * Deletes `elements` from the dead-letter list with one `purge-1.lua` call: each one still in the
 * list, found by its exact bytes (at its index, or wherever it moved).
 */
export async function deleteLetters(client: Redis, deadLetterList: string, elements: readonly ElementAt[]): Promise<DeleteOutcome> {
  const purge = defineScript(client, 'weirPurge', 'purge-1.lua', 1);
  const argv: (string | number | Buffer)[] = [marker('purging')];
  for (const e of elements) argv.push(e.index, e.entry);
  const [deleted, gone] = (await purge([deadLetterList], argv)) as [number, number];
  return { deleted, gone };
}
