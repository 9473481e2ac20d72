import type { Redis } from 'ioredis';
import { defineScript } from '../connection.ts';

/** Keys of `discard-4.lua`, in the header's order. */
export interface DiscardKeys {
  readonly created: string;
  readonly names: string;
  readonly metadata: string;
  /** The job's checkpoint index. */
  readonly index: string;
}

/**
 * Deletes everything at a location in one step (metadata, state keys, names, `_created`) and,
 * for a checkpoint, its index entry (`indexMember`, the id; '' for a savepoint). Idempotent.
 * Resolves with the number of keys deleted.
 */
export async function discardLocation(client: Redis, keys: DiscardKeys, statePrefix: string, indexMember: string): Promise<number> {
  const script = defineScript(client, 'weirDiscard', 'discard-4.lua', 4);
  return Number(await script([keys.created, keys.names, keys.metadata, keys.index], [statePrefix, indexMember]));
}
