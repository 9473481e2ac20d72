import type { Redis } from 'ioredis';
import { defineScript } from '../connection.ts';

/**
 * Raises the sink's fence to `epoch` with `fence-1.lua`, or rejects with `WEIRFENCED` when a later
 * attempt or run of the job has opened the sink already. Resolves with the epoch it held before
 * (-1 for none).
 */
export async function raiseFence(client: Redis, fence: string, epoch: number): Promise<number> {
  const script = defineScript(client, 'weirFence', 'fence-1.lua', 1);
  return Number(await script([fence], [epoch]));
}
