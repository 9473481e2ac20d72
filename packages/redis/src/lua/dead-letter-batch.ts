import type { Redis } from 'ioredis';
import { defineScript } from '../connection.ts';

/** Keys of `dead-letter-batch-2.lua`, in the header's order. */
export interface DeadLetterBatchKeys {
  readonly deadLetterList: string;
  /** Its batch markers (a sorted set). */
  readonly batches: string;
}

/**
 * Appends `entries` to the dead-letter list unless batch `batchId` was written before, atomically
 * with its marker; keeps the last `keepMarkers` markers. Resolves with the letters written (0 for a
 * repeated batch).
 */
export async function writeLetterBatch(
  client: Redis,
  keys: DeadLetterBatchKeys,
  batchId: string,
  entries: readonly (string | Buffer)[],
  keepMarkers: number,
): Promise<number> {
  const script = defineScript(client, 'weirDeadLetterBatch', 'dead-letter-batch-2.lua', 2);
  return (await script([keys.deadLetterList, keys.batches], [batchId, keepMarkers, ...entries])) as number;
}
