import type { Redis } from 'ioredis';
import { defineScript } from '../connection.ts';
import type { TargetKind } from '../sink/target.ts';

/**
 * Writes one encoded batch (see `encodeChunk`) to a sink's target with `append-1.lua`. Calls on
 * one client are pipelined and applied in the order they were made.
 */
export async function appendBatch(client: Redis, target: string, kind: TargetKind, maxLen: number, batch: Buffer): Promise<number> {
  const append = defineScript(client, 'weirAppend', 'append-1.lua', 1);
  return (await append([target], [kind, maxLen, batch])) as number;
}
