import type { Redis } from 'ioredis';
import { defineScript } from '../connection.ts';

/**
 * What a list source's processing list holds in place of an item whose letter is written (see
 * `dead-letter-3.lua`); readers deliver it as nothing. Starts with bytes that neither JSON, UTF-8
 * text producers nor msgpack maps write.
 */
export const TOMBSTONE = Buffer.from('\u0000\u00ffweir:dead-lettered\u0000', 'latin1');

/** One letter to write: the position of its record in the split, and the encoded letter. */
export interface PositionedLetter {
  readonly position: string;
  readonly entry: string | Buffer;
}

/** The letters of one stream's entries, in id order, and where they go. */
export interface StreamLetters {
  readonly deadLetterList: string;
  /** The list's positions hash (see `deadLetterPositionsKey`). */
  readonly positions: string;
  readonly stream: string;
  readonly letters: readonly PositionedLetter[];
}

/** The letters of items of one processing list (positions are absolute offsets), and where they go. */
export interface ListLetters {
  readonly deadLetterList: string;
  readonly processing: string;
  /** The processing list's bookkeeping hash (field `trimmed`). */
  readonly meta: string;
  readonly letters: readonly PositionedLetter[];
}

/**
 * Writes the letters of stream entries with `dead-letter-2.lua`, one call per stream in one
 * pipeline: an entry id at or below the last one dead-lettered into that list writes nothing.
 * Rejects with the first error.
 */
export async function writeStreamLetters(client: Redis, groups: readonly StreamLetters[]): Promise<void> {
  const script = defineScript(client, 'weirDeadLetterEntries', 'dead-letter-2.lua', 2);
  const pipeline = client.pipeline();
  for (const g of groups) script.queue(pipeline, [g.deadLetterList, g.positions], [g.stream, ...pairs(g.letters)]);
  for (const [err] of (await pipeline.exec()) ?? []) if (err !== null) throw err;
}

/**
 * Writes the letters of processing-list items with `dead-letter-3.lua`, one call per list in one
 * pipeline: each written item becomes a {@link TOMBSTONE}, and an item that already is one writes
 * nothing. Rejects with the first error.
 */
export async function writeListLetters(client: Redis, groups: readonly ListLetters[]): Promise<void> {
  const script = defineScript(client, 'weirDeadLetterItems', 'dead-letter-3.lua', 3);
  const pipeline = client.pipeline();
  for (const g of groups) script.queue(pipeline, [g.deadLetterList, g.processing, g.meta], [TOMBSTONE, ...pairs(g.letters)]);
  for (const [err] of (await pipeline.exec()) ?? []) if (err !== null) throw err;
}

function pairs(letters: readonly PositionedLetter[]): (string | Buffer)[] {
  const argv: (string | Buffer)[] = [];
  for (const l of letters) argv.push(l.position, l.entry);
  return argv;
}
