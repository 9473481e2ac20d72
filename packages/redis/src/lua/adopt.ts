import type { Redis } from 'ioredis';
import { defineScript } from '../connection.ts';
import { MAX_CLAIM } from './claim.ts';

/** Keys of `adopt-4.lua`, in the header's order. */
export interface AdoptKeys {
  /** The stranded processing list. */
  readonly stranded: string;
  /** Its bookkeeping hash (field `trimmed`). */
  readonly strandedMeta: string;
  /** The adopting subtask's claim list. */
  readonly into: string;
  /** The registry of the source's processing lists. */
  readonly registry: string;
}

/**
 * Moves every item of a stranded processing list to the end of `into`, `MAX_CLAIM` per atomic
 * call, and unregisters the emptied list. Resolves with the number of items moved.
 */
export async function adoptAll(client: Redis, keys: AdoptKeys): Promise<number> {
  const adopt = defineScript(client, 'weirAdopt', 'adopt-4.lua', 4);
  let moved = 0;
  for (;;) {
    const [n, left] = (await adopt([keys.stranded, keys.strandedMeta, keys.into, keys.registry], [MAX_CLAIM])) as [number, number];
    moved += n;
    if (left === 0 || n === 0) return moved;
  }
}
