import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@weir/core';
import { redisListSource } from '@weir/redis';
import { resolveConnection } from '../../packages/redis/src/connection.ts';
import { resolveDecoder } from '../../packages/redis/src/format/format.ts';
import { deadLetterKey } from '../../packages/redis/src/keys.ts';
import { claim } from '../../packages/redis/src/lua/claim.ts';
import { trimTo } from '../../packages/redis/src/lua/trim.ts';
import { RedisListReader, type ListReaderOptions } from '../../packages/redis/src/source/list-reader.ts';
import { assignLists, strandedLists, type ListSplit } from '../../packages/redis/src/source/list-splits.ts';
import { useRedis } from '../support/use-redis.ts';
import { pollFor, pollRecords, readerContext } from './source-support.ts';

const redis = useRedis();
let c: Redis;
beforeAll(() => {
  c = redis.shared;
});

const prefix = (): string => `t${randomBytes(4).toString('hex')}`;

type Opts = Partial<ListReaderOptions> & { restoredState?: ListSplit[]; subtaskIndex?: number; parallelism?: number; retainedCheckpoints?: number };

function reader(list: string, extra: Opts = {}) {
  const { restoredState, subtaskIndex, parallelism, retainedCheckpoints, ...rest } = extra;
  return new RedisListReader<number>(readerContext<ListSplit>({ restoredState, subtaskIndex, parallelism, retainedCheckpoints }), {
    conn: resolveConnection(redis.url, 'test'),
    list,
    consumer: undefined,
    batchSize: 512,
    pollMs: 10,
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
      expect(state).toEqual([{ processingList: `${list}:processing:0`, offset: k, lists: 1 }]);

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

  it('reports its backlog: the queue and what it claimed but did not emit as lag, the rest of its processing list as processing', async () => {
    const list = `${prefix()}:q`;
    await push(list, 20);
    const r = reader(list, { batchSize: 8, recordsPerPoll: 1 });
    await r.start();
    expect(await pollRecords(r, 3)).toEqual(range(0, 3));
    // The backlog is read beside fetching, at most once a second: wait for a reading after the first claims.
    let m = r.metrics();
    const deadline = Date.now() + 5000;
    while ((m.processingRecords ?? 0) < 3 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 50));
      m = r.metrics();
    }
    await r.close();
    const queued = await c.llen(list);
    const claimed = await c.llen(`${list}:processing:0`);
    expect(m.processingRecords).toBe(3);
    // Everything not yet emitted: still queued, or claimed and not delivered (as of that reading).
    expect(m.lagRecords! + m.processingRecords!).toBe(20);
    expect(queued + claimed).toBe(20);
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
    expect(state).toEqual([{ processingList: processing, offset: 8, lists: 1 }]);

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
    expect(assignLists(list, undefined, 0, 2, [states[0][0], states[2][0]]).claimInto).toBe(0);
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
    const up = assignLists(list, undefined, 3, 4, []);
    expect(up.lists).toEqual([{ processingList: `${list}:processing:3`, from: 'head' }]);
    // A subtask that holds lists but not its own claims into its lowest-numbered one.
    const other = assignLists(list, undefined, 1, 2, [
      { processingList: `${list}:processing:2`, offset: 0 },
      { processingList: `${list}:processing:0`, offset: 0 },
    ]);
    expect(other.claimInto).toBe(1);
  });

  it('refuses to claim into a processing list another reader wrote', async () => {
    const list = `${prefix()}:q`;
    await push(list, 3);
    const processing = `${list}:processing:0`;
    const registry = `${list}:processing-lists`;
    expect((await claim(c, { queue: list, processing, registry }, 2, 0)).map(String)).toEqual(['0', '1']);
    expect(await c.smembers(registry)).toEqual([processing]);
    await expect(claim(c, { queue: list, processing, registry }, 2, 0)).rejects.toThrow(/WEIRCONFLICT/);
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
    expect(r.snapshotState!(1)).toEqual([{ processingList: `${list}:processing:0`, offset: 4, lists: 1 }]);
    await r.close?.();
    const letters = (await c.lrange(`${list}:dead`, 0, -1)).map((l) => JSON.parse(l));
    // Named by the processing list that held them and their absolute offset there.
    expect(letters.map((l) => [l.source, l.position])).toEqual([
      [`${list}:processing:0`, '1'],
      [`${list}:processing:0`, '2'],
    ]);
    expect(letters[0]).toMatchObject({ payload: Buffer.from([0xff, 0x00, 0xfe, 0x80]).toString('base64'), payloadEncoding: 'base64', attempts: 1 });
    expect(letters[1]).toMatchObject({ payload: 'not msgpack at all' });
    expect(letters[1].error).toMatch(/\w+: /);
  });

  it('reads again what a wider run claimed and died with before its first checkpoint (scale up, crash, scale down)', async () => {
    const list = `${prefix()}:q`;
    // P=1: checkpoint 1 covers items 0-3.
    await push(list, 4);
    const first = reader(list, { recordsPerPoll: 1 });
    await first.start();
    expect(await pollRecords(first, 4)).toEqual(range(0, 4));
    const checkpoint1 = first.snapshotState(1);
    await first.notifyCheckpointComplete(1);
    await first.close();
    // 8 more; restored at P=2, subtask 1 (no split) claims them all into list 1, and the run dies
    // before any checkpoint.
    await push(list, 8, 4);
    const wide = reader(list, { subtaskIndex: 1, parallelism: 2, restoredState: [] });
    await wide.start();
    expect(await pollRecords(wide, 8)).toEqual(range(4, 12));
    await wide.close();
    expect(await c.llen(`${list}:processing:1`)).toBe(8);
    // Restored at P=1 from checkpoint 1, which names list 0 only: list 1 is adopted.
    const narrow = reader(list, { restoredState: checkpoint1 });
    await narrow.start();
    expect(await pollRecords(narrow, 8)).toEqual(range(4, 12));
    expect(await pollFor(narrow, 60)).toEqual([]);
    expect(narrow.snapshotState(2)).toEqual([{ processingList: `${list}:processing:0`, offset: 12, lists: 1 }]);
    await narrow.close();
    expect(await c.llen(`${list}:processing:1`)).toBe(0);
    expect(await c.hget(`${list}:processing:1:meta`, 'trimmed')).toBe('8'); // its offsets stay valid
    expect(await c.smembers(`${list}:processing-lists`)).toEqual([`${list}:processing:0`]);
  });

  it('hands every stranded list to exactly one subtask, whatever the parallelism before and after', () => {
    const list = 'q';
    const registered = Array.from({ length: 12 }, (_, n) => `${list}:processing:${n}`);
    for (let k = 1; k <= 5; k++) {
      for (let p = 1; p <= 6; p++) {
        // A checkpoint that names lists 0..k-1, dealt round-robin over p subtasks (the core's redistribution).
        const dealt: ListSplit[][] = Array.from({ length: p }, () => []);
        for (let n = 0; n < k; n++) dealt[n % p].push({ processingList: `${list}:processing:${n}`, offset: 0, lists: k });
        const read = new Map<string, number>();
        for (let s = 0; s < p; s++) {
          const a = assignLists(list, undefined, s, p, dealt[s]);
          expect(a.listCount).toBe(Math.max(k, p));
          for (const l of a.lists) read.set(l.processingList, (read.get(l.processingList) ?? 0) + 1);
          for (const l of strandedLists(a, s, registered, list, undefined)) read.set(l, (read.get(l) ?? 0) + 1);
        }
        // Every registered list is read (or adopted) by exactly one subtask.
        expect([...read.keys()].sort(), `k=${k} p=${p}`).toEqual([...registered].sort());
        expect([...read.values()].every((n) => n === 1), `k=${k} p=${p}`).toBe(true);
      }
    }
    // A fresh start adopts too (lists ≥ P, round-robin); a checkpoint without `lists` adopts nothing.
    expect(strandedLists(assignLists(list, undefined, 1, 2, undefined), 1, registered, list, undefined)).toEqual(
      [3, 5, 7, 9, 11].map((n) => `${list}:processing:${n}`),
    );
    const legacy = assignLists(list, undefined, 0, 1, [{ processingList: `${list}:processing:0`, offset: 0 }]);
    expect(strandedLists(legacy, 0, registered, list, undefined)).toEqual([]);
    // Another consumer's lists are never touched.
    expect(strandedLists(assignLists(list, 'a', 0, 1, undefined), 0, [...registered, `${list}:processing:a:3`], list, 'a')).toEqual([`${list}:processing:a:3`]);
  });

  it('writes each undecodable item to the dead-letter list once, across replays and adoption, with its position', async () => {
    const list = `${prefix()}:q`;
    for (const item of ['0', 'bad-1', '2', 'bad-3']) await c.lpush(list, item);
    const dead = `${list}:dead`;
    const positions = async () => (await c.lrange(dead, 0, -1)).map((l) => JSON.parse(l)).map((l) => `${l.source}@${l.position}:${l.payload}`);
    // A run that dead-letters both and dies before a checkpoint covers them.
    const first = reader(list, { batchSize: 2 });
    await first.start();
    expect(await pollRecords(first, 2)).toEqual([0, 2]);
    await first.close();
    expect(await positions()).toEqual([`${list}:processing:0@1:bad-1`, `${list}:processing:0@3:bad-3`]);
    // Started again without a checkpoint: the items are replayed, the letters not written again.
    const again = reader(list);
    await again.start();
    expect(await pollRecords(again, 2)).toEqual([0, 2]);
    expect(await pollFor(again, 60)).toEqual([]);
    const state = again.snapshotState(1);
    await again.close();
    expect(await positions()).toHaveLength(2);
    // A wider run dead-letters an item in list 1 and dies; the narrower restore adopts list 1.
    await c.lpush(list, '4', 'bad-5');
    const wide = reader(list, { subtaskIndex: 1, parallelism: 2, restoredState: [] });
    await wide.start();
    expect(await pollRecords(wide, 1)).toEqual([4]);
    await wide.close();
    expect(await positions()).toEqual([`${list}:processing:0@1:bad-1`, `${list}:processing:0@3:bad-3`, `${list}:processing:1@1:bad-5`]);
    const narrow = reader(list, { restoredState: state });
    await narrow.start();
    expect(await pollRecords(narrow, 1)).toEqual([4]);
    expect(await pollFor(narrow, 60)).toEqual([]);
    await narrow.close();
    expect(await positions()).toHaveLength(3);
  });

  it('moves past an item dead-lettered before a crash, so that its processing list is trimmed to empty', async () => {
    const list = `${prefix()}:q`;
    for (const item of ['0', '1', 'bad-2']) await c.lpush(list, item);
    const first = reader(list);
    await first.start();
    expect(await pollRecords(first, 2)).toEqual([0, 1]);
    expect(await pollFor(first, 60)).toEqual([]);
    await first.close();
    // Replayed without a checkpoint: the last item is a tombstone now; it is delivered all the same.
    const again = reader(list, { recordsPerPoll: 1 });
    await again.start();
    expect(await pollRecords(again, 2)).toEqual([0, 1]);
    expect(await pollFor(again, 60)).toEqual([]);
    const state = again.snapshotState(1);
    expect(state[0].offset).toBe(3);
    await again.notifyCheckpointComplete(1);
    await again.close();
    expect(await c.llen(`${list}:processing:0`)).toBe(0);
    expect(await c.llen(`${list}:dead`)).toBe(1);
  });

  it("trims only what every checkpoint the job retains is past (the job's retained, not an option)", async () => {
    const list = `${prefix()}:q`;
    const processing = `${list}:processing:0`;
    const source = redisListSource<number>({ redis: redis.url, list, format: 'json', pollMs: 10 });
    const r = source.createReader(readerContext<ListSplit>({ retainedCheckpoints: 3 }));
    await r.start?.();
    for (let id = 1; id <= 4; id++) {
      await push(list, 1, id - 1);
      await pollRecords(r, 1);
      r.snapshotState!(id); // offset id
    }
    const trimmed = async () => Number((await c.hget(`${processing}:meta`, 'trimmed')) ?? 0);
    await r.notifyCheckpointComplete!(1);
    await r.notifyCheckpointComplete!(2);
    await r.notifyCheckpointComplete!(3); // retained {1, 2, 3}: checkpoint 1 needs offset 1 on
    expect(await trimmed()).toBe(1);
    await r.notifyCheckpointComplete!(4); // retained {2, 3, 4}
    expect(await trimmed()).toBe(2);
    await r.close!();
  });

  it('refuses bad options when the job is defined', () => {
    expect(() => redisListSource({ redis: redis.url, list: '', format: 'json' })).toThrow(/list/);
    expect(() => redisListSource({ redis: redis.url, list: 'q', format: 'json', batchSize: 0 })).toThrow(/batchSize/);
    expect(() => redisListSource({ redis: redis.url, list: 'q', format: 'json', batchSize: 10_000 })).toThrow(/at most/);
  });

  it('refuses option keys it does not know, naming the nearest, and the per-source retainedCheckpoints', () => {
    const bad = (o: object) => () => redisListSource({ redis: redis.url, list: 'q', format: 'json', ...o } as Parameters<typeof redisListSource>[0]);
    expect(bad({ pollMS: 5 })).toThrow(ConfigError);
    expect(bad({ pollMS: 5 })).toThrow(/redisListSource has no option 'pollMS'; did you mean 'pollMs'/);
    expect(bad({ deadLetter: { keys: 'x' } })).toThrow(/option 'deadLetter' has no option 'keys'; did you mean 'key'/);
    const retained = (() => {
      try {
        bad({ retainedCheckpoints: 3 })();
      } catch (e) {
        return e;
      }
    })();
    expect(retained).toBeInstanceOf(ConfigError);
    expect((retained as ConfigError).option).toBe('retainedCheckpoints');
    expect((retained as Error).message).toMatch(/follow the job's 'retained'/);
  });
});
