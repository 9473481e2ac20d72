import type { Redis } from 'ioredis';

/** One encoded letter and the list it goes to. */
export interface AddressedLetter {
  readonly key: string;
  readonly entry: string | Buffer;
}

/**
 * Appends letters to their dead-letter lists (`RPUSH`, oldest first), one pipeline for the lot;
 * resolves once Redis has acknowledged every one, rejects with the first error. At least once: a
 * call repeated after an ambiguous failure may write a letter twice.
 */
export async function writeDeadLetters(client: Redis, letters: readonly AddressedLetter[]): Promise<void> {
  if (letters.length === 0) return;
  const byKey = new Map<string, (string | Buffer)[]>();
  for (const { key, entry } of letters) {
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [entry]);
    else list.push(entry);
  }
  const pipeline = client.pipeline();
  for (const [key, entries] of byKey) pipeline.rpush(key, ...entries);
  const results = await pipeline.exec();
  for (const [err] of results ?? []) if (err !== null) throw err;
}
