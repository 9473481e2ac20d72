import type { Redis } from 'ioredis';
import { defineScript } from '../connection.ts';

/** Keys of `trim-2.lua`, in the header's order. */
export interface TrimKeys {
  /** The processing list. */
  readonly processing: string;
  /** Its bookkeeping hash (field `trimmed`). */
  readonly meta: string;
}

/**
 * Removes every item below absolute offset `target` from the head of the processing list and
 * records it in the hash, atomically; a no-op when already trimmed that far. Resolves with the
 * new `trimmed` count.
 */
export async function trimTo(client: Redis, keys: TrimKeys, target: number): Promise<number> {
  const trim = defineScript(client, 'weirTrim', 'trim-2.lua', 2);
  return Number(await trim([keys.processing, keys.meta], [target]));
}
