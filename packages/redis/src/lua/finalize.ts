import type { Redis } from 'ioredis';
import { defineScript } from '../connection.ts';

/** Keys of `finalize-4.lua`, in the header's order. */
export interface FinalizeKeys {
  readonly created: string;
  readonly metadata: string;
  /** The job's checkpoint index. */
  readonly index: string;
  /** The job lease. */
  readonly lease: string;
}

/** The lease a finalize is checked against: its token and epoch. */
export interface LeaseFencing {
  readonly token: string;
  readonly epoch: number;
}

/**
 * Writes the metadata and (for a checkpoint: `indexMember` is its id, '' for a savepoint) the
 * index entry in one step, only if the location exists and, with `lease`, the lease is still the
 * caller's. Rejects with `WEIRLEASELOST` or `WEIRDISCARDED`, having written nothing.
 */
export async function finalizeLocation(
  client: Redis,
  keys: FinalizeKeys,
  metadata: Buffer,
  indexMember: string,
  lease: LeaseFencing | undefined,
): Promise<void> {
  const script = defineScript(client, 'weirFinalize', 'finalize-4.lua', 4);
  await script([keys.created, keys.metadata, keys.index, keys.lease], [metadata, indexMember, lease?.token ?? '', lease?.epoch ?? 0]);
}
