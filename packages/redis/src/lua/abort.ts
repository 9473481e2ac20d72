import type { Redis } from 'ioredis';
import { defineScript } from '../connection.ts';

/**
 * Deletes stages of transactions that will never be committed with `abort-2.lua`, one call per
 * stage, pipelined; rejects with `WEIRFENCED` (deleting nothing more) when a later writer owns the
 * sink. Resolves with the number of stages deleted.
 */
export async function abortStages(client: Redis, fence: string, stages: readonly string[], epoch: number): Promise<number> {
  if (stages.length === 0) return 0;
  const script = defineScript(client, 'weirAbort', 'abort-2.lua', 2);
  if (stages.length === 1) return Number(await script([fence, stages[0]], [epoch]));
  const pipeline = client.pipeline();
  for (const stage of stages) script.queue(pipeline, [fence, stage], [epoch]);
  const results = (await pipeline.exec()) ?? [];
  let deleted = 0;
  for (const [err, n] of results) {
    if (err !== null) throw err;
    deleted += Number(n);
  }
  return deleted;
}
