import type { Redis } from 'ioredis';
import { deadLetterBatchesKey, deadLetterPositionsKey, deadLetterReplayedKey } from '../keys.ts';

/** What Weir keeps beside a dead-letter list (see `keys.ts`), summed up. */
export interface DeadLetterBookkeeping {
  /** `<list>:positions`: streams whose last dead-lettered entry id is kept (source letters written once). */
  readonly positions: { readonly key: string; readonly streams: number };
  /** `<list>:batches`: operator letter batches marked as written (written once per checkpoint). */
  readonly batches: { readonly key: string; readonly count: number };
  /** `<list>:replayed`: letters replayed so far, per target. */
  readonly replayed: { readonly key: string; readonly byTarget: Readonly<Record<string, number>> };
}

/** Reads the bookkeeping keys of a dead-letter list (absent keys count as empty). */
export async function readBookkeeping(client: Redis, deadLetterList: string): Promise<DeadLetterBookkeeping> {
  const positions = deadLetterPositionsKey(deadLetterList);
  const batches = deadLetterBatchesKey(deadLetterList);
  const replayed = deadLetterReplayedKey(deadLetterList);
  const [streams, count, byTarget] = await Promise.all([hashLength(client, positions), zsetLength(client, batches), replayCounts(client, replayed)]);
  return { positions: { key: positions, streams }, batches: { key: batches, count }, replayed: { key: replayed, byTarget } };
}

async function hashLength(client: Redis, key: string): Promise<number> {
  return (await client.type(key)) === 'hash' ? client.hlen(key) : 0;
}

async function zsetLength(client: Redis, key: string): Promise<number> {
  return (await client.type(key)) === 'zset' ? client.zcard(key) : 0;
}

async function replayCounts(client: Redis, key: string): Promise<Record<string, number>> {
  if ((await client.type(key)) !== 'hash') return {};
  const all = await client.hgetall(key);
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Number(v)]));
}
