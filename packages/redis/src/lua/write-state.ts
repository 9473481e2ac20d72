import type { Redis } from 'ioredis';
import { defineScript } from '../connection.ts';

/** Keys of `write-state-3.lua`, in the header's order. */
export interface WriteStateKeys {
  /** The location's `_created` key. */
  readonly created: string;
  /** The state key to write. */
  readonly state: string;
  /** The location's `_names` set. */
  readonly names: string;
}

/**
 * Writes one state handle's bytes and records its name, only while the location exists; rejects
 * with `WEIRDISCARDED` (the location was discarded) or `WEIREXISTS` (the name was written before).
 */
export async function writeStateBytes(client: Redis, keys: WriteStateKeys, name: string, bytes: Buffer): Promise<void> {
  const script = defineScript(client, 'weirWriteState', 'write-state-3.lua', 3);
  await script([keys.created, keys.state, keys.names], [name, bytes]);
}
