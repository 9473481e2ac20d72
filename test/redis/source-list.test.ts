import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { redisListSource } from '@weir/redis';
import { resolveConnection } from '../../packages/redis/src/connection.ts';
import { resolveDecoder } from '../../packages/redis/src/format/format.ts';
import { deadLetterKey } from '../../packages/redis/src/keys.ts';
import { claim } from '../../packages/redis/src/lua/claim.ts';
import { trimTo } from '../../packages/redis/src/lua/trim.ts';
import { RedisListReader, type ListReaderOptions } from '../../packages/redis/src/source/list-reader.ts';
import { assignLists, type ListSplit } from '../../packages/redis/src/source/list-splits.ts';
import { useRedis } from '../support/use-redis.ts';
import { pollFor, pollRecords, readerContext } from './source-support.ts';

const redis = useRedis();
let c: Redis;
beforeAll(() => {
  c = redis.shared;
});

const prefix = (): string => `t${randomBytes(4).toString('hex')}`;

type Opts = Partial<ListReaderOptions> & { restoredState?: ListSplit[]; subtaskIndex?: number; parallelism?: number };

function reader(list: string, extra: Opts = {}) {
  const { restoredState, subtaskIndex, parallelism, ...rest } = extra;
  return new RedisListReader<number>(readerContext<ListSplit>({ restoredState, subtaskIndex, parallelism }), {
    conn: resolveConnection(redis.url, 'test'),
    list,
    consumer: undefined,
    batchSize: 512,
    pollMs: 10,
    retained: 2,
    decode: resolveDecoder<number>('json') as (raw: Buffer) => unknown,
    deadLetterFormat: 'json',
    deadLetterKey,
    ...rest,
  });
}

/** LPUSHes 0..n-1 (or from..from+n-1), one at a time: the oldest is taken first. */
async function push(list: string, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) await c.lpush(list, JSON.stringify(i));
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('redisListSource', () => {
  it('continues exactly after the snapshot, for a snapshot after every record, across claims', async () => {
    const n = 10;
    for (let k = 0; k <= n; k++) {
      const list = `${prefix()}:q`;
      await push(list, n);
      // Claims of 4: the snapshot falls inside a claimed batch, at its edges, and before the last claim.
      const first = reader(list, { batchSize: 4, recordsPerPoll: 1 });
      await first.start();
      const before = await pollRecords(first, k);
      const state = first.snapshotState(1);
      await first.close();
      expect(before).toEqual(range(0, k));
      expect(state).toEqual([{ processingList: `${list}:processing:0`, offset: k }]);

      const second = reader(list, { batchSize: 4, restoredState: state });
      await second.start();
      expect(await pollRecords(second, n - k)).toEqual(range(k, n));
      expect(await pollFor(second, 60)).toEqual([]);
      await second.close();
      // Every item is in Redis until a checkpoint releases it: all claimed, none lost.
      expect(await c.llen(list)).toBe(0);
      expect(await c.llen(`${list}:processing:0`)).toBe(n);
    }
  });

  it('replays a processing list from its head on a start without a checkpoint (a crash before the first one)', async () => {
    const list = `${prefix()}:q`;
    await push(list, 6);
    const first = reader(list, { batchSize: 4 });
    await first.start();
    expect(await pollRecords(first, 6)).toEqual(range(0, 6));
    await first.close(); // "crashed": no checkpoint completed
    const again = reader(list);
    await again.start();
    expect(await pollRecords(again, 6)).toEqual(range(0, 6));
    await push(list, 2, 6);
    expect(await pollRecords(again, 2)).toEqual([6, 7]);
    await again.close();
  });

  it('trims a processing list only up to what every retained complete checkpoint is past, with absolute offsets', async () => {
    const list = `${prefix()}:q`;
    const processing = `${list}:processing:0`;
    await push(list, 12);
    const r = reader(list, { recordsPerPoll: 1 });
    await r.start();
    await pollRecords(r, 3);
    r.snapshotState(1); // offset 3
    await pollRecords(r, 3);
    r.snapshotState(2); // offset 6
    await pollRecords(r, 2); // 6, 7 delivered, uncovered
    expect(await c.llen(processing)).toBe(12);

    await r.notifyCheckpointComplete(1);
    expect(await c.lrange(processing, 0, 0)).toEqual(['3']);
    expect(await c.hget(`${processing}:meta`, 'trimmed')).toBe('3');
    await r.notifyCheckpointComplete(2); // retained {1, 2}
    expect(await c.lrange(processing, 0, 0)).toEqual(['3']);
    r.snapshotState(3); // offset 8
    r.snapshotState(4); // offset 8, will be aborted
    r.notifyCheckpointAborted(4);
    await r.notifyCheckpointComplete(3); // retained {2, 3}
    expect(await c.lrange(processing, 0, 0)).toEqual(['6']);
    const state = r.snapshotState(5);
    await r.close();
    expect(state).toEqual([{ processingList: processing, offset: 8 }]);

    // Restored at offset 8 with 6 items trimmed: replays 8.. from index 2 of the list.
    const again = reader(list, { restoredState: state, recordsPerPoll: 1 });
    await again.start();
    expect(await pollRecords(again, 4)).toEqual([8, 9, 10, 11]);
    again.snapshotState(6); // offset 12
    await again.notifyCheckpointComplete(6); // retained {restored 8, 6}
    expect(await c.lrange(processing, 0, -1)).toEqual(['8', '9', '10', '11']);
    again.snapshotState(7);
    await again.notifyCheckpointComplete(7); // retained {6, 7}
    expect(await c.llen(processing)).toBe(0);
    expect(await c.hget(`${processing}:meta`, 'trimmed')).toBe('12');
    await again.close();
  });

  it('hands processing lists to the new subtasks on rescale, and no two subtasks claim into one list', async () => {
    const list = `${prefix()}:q`;
    // Three subtasks claim 3 items each and deliver one.
    const states: ListSplit[][] = [];
    for (let s = 0; s < 3; s++) {
      await push(list, 3, 3 * s);
      const r = reader(list, { subtaskIndex: s, parallelism: 3, batchSize: 3, recordsPerPoll: 1 });
      await r.start();
      await pollRecords(r, 1);
      states.push(r.snapshotState(1));
      await r.close();
    }
    expect(await c.llen(list)).toBe(0);
    // Down to 2: subtask 0 gets lists 0 and 2 (round-robin), subtask 1 gets list 1.
    expect(assignLists(list, undefined, 0, [states[0][0], states[2][0]]).claimInto).toBe(0);
    const r0 = reader(list, { subtaskIndex: 0, parallelism: 2, restoredState: [states[0][0], states[2][0]] });
    const r1 = reader(list, { subtaskIndex: 1, parallelism: 2, restoredState: [states[1][0]] });
    await r0.start();
    await r1.start();
    const got = [...(await pollRecords(r0, 4)), ...(await pollRecords(r1, 2))];
    expect(got.sort((a, b) => a - b)).toEqual([1, 2, 4, 5, 7, 8]);
    await push(list, 2, 9);
    const more = [...(await pollFor(r0, 150)), ...(await pollFor(r1, 50))];
    expect(more.sort((a, b) => a - b)).toEqual([9, 10]);
    const next = [...r0.snapshotState(2), ...r1.snapshotState(2)];
    await r0.close();
    await r1.close();
    expect(next.map((s) => s.processingList).sort()).toEqual([0, 1, 2].map((n) => `${list}:processing:${n}`));

    // Up to 4 from 3 lists: subtask 3 holds none and claims into a new list 3.
    const up = assignLists(list, undefined, 3, []);
    expect(up.lists).toEqual([{ processingList: `${list}:processing:3`, from: 'head' }]);
    // A subtask that holds lists but not its own claims into its lowest-numbered one.
    const other = assignLists(list, undefined, 1, [
      { processingList: `${list}:processing:2`, offset: 0 },
      { processingList: `${list}:processing:0`, offset: 0 },
    ]);
    expect(other.claimInto).toBe(1);
  });

  it('refuses to claim into a processing list another reader wrote', async () => {
    const list = `${prefix()}:q`;
    await push(list, 3);
    const processing = `${list}:processing:0`;
    expect((await claim(c, { queue: list, processing }, 2, 0)).map(String)).toEqual(['0', '1']);
    await expect(claim(c, { queue: list, processing }, 2, 0)).rejects.toThrow(/WEIRCONFLICT/);
    expect(await c.llen(list)).toBe(1);
    expect(await trimTo(c, { processing, meta: `${processing}:meta` }, 1)).toBe(1);
    expect(await trimTo(c, { processing, meta: `${processing}:meta` }, 1)).toBe(1); // idempotent
    await expect(trimTo(c, { processing, meta: `${processing}:meta` }, 5)).rejects.toThrow(/WEIRCONFLICT/);
  });

  it('keeps binary items intact (msgpack) and sends undecodable ones to <list>:dead without stopping', async () => {
    const list = `${prefix()}:q`;
    const { pack } = await import('msgpackr');
    await c.lpush(list, pack({ n: 1 }));
    await c.lpush(list, Buffer.from([0xff, 0x00, 0xfe, 0x80]));
    await c.lpush(list, 'not msgpack at all');
    await c.lpush(list, pack({ n: 2 }));
    const source = redisListSource<{ n: number }>({ redis: redis.url, list, format: 'msgpack', pollMs: 10 });
    const r = source.createReader(readerContext());
    await r.start?.();
    expect(await pollRecords(r, 2)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(r.snapshotState!(1)).toEqual([{ processingList: `${list}:processing:0`, offset: 4 }]);
    await r.close?.();
    const letters = (await c.lrange(`${list}:dead`, 0, -1)).map((l) => JSON.parse(l));
    expect(letters.map((l) => l.source)).toEqual([list, list]);
    expect(letters[0]).toMatchObject({ payload: Buffer.from([0xff, 0x00, 0xfe, 0x80]).toString('base64'), payloadEncoding: 'base64', attempts: 1 });
    expect(letters[1]).toMatchObject({ payload: 'not msgpack at all' });
    expect(letters[1].error).toMatch(/\w+: /);
  });

  it('refuses bad options when the job is defined', () => {
    expect(() => redisListSource({ redis: redis.url, list: '', format: 'json' })).toThrow(/list/);
    expect(() => redisListSource({ redis: redis.url, list: 'q', format: 'json', batchSize: 0 })).toThrow(/batchSize/);
    expect(() => redisListSource({ redis: redis.url, list: 'q', format: 'json', batchSize: 10_000 })).toThrow(/at most/);
  });
});
