import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@weir/core';
import { redisStreamSource } from '@weir/redis';
import { resolveConnection } from '../../packages/redis/src/connection.ts';
import { resolveDecoder } from '../../packages/redis/src/format/format.ts';
import { RedisStreamReader, type StreamReaderOptions, type StreamSplit } from '../../packages/redis/src/source/stream-reader.ts';
import { deadLetterKey } from '../../packages/redis/src/keys.ts';
import { useRedis } from '../support/use-redis.ts';
import { pollFor, pollRecords, readerContext } from './source-support.ts';

const redis = useRedis();
let c: Redis;
beforeAll(() => {
  c = redis.shared;
});

/** A fresh prefix per test: no test sees another's keys. */
const prefix = (): string => `t${randomBytes(4).toString('hex')}`;

interface Rec {
  s: string;
  i: number;
}

type Opts = Partial<StreamReaderOptions> & { restoredState?: StreamSplit[]; subtaskIndex?: number; parallelism?: number; retainedCheckpoints?: number };

function reader(streams: string[], extra: Opts = {}) {
  const { restoredState, subtaskIndex, parallelism, retainedCheckpoints, ...rest } = extra;
  return new RedisStreamReader<Rec>(readerContext<StreamSplit>({ restoredState, subtaskIndex, parallelism, retainedCheckpoints }), {
    conn: resolveConnection(redis.url, 'test'),
    streams,
    field: 'data',
    startAt: 'earliest',
    batchSize: 512,
    blockMs: 50,
    group: undefined,
    trim: false,
    decode: resolveDecoder<Rec>('json') as (raw: Buffer) => unknown,
    deadLetterFormat: 'json',
    deadLetterKey,
    ...rest,
  });
}

async function add(stream: string, n: number, from = 0): Promise<string[]> {
  const ids: string[] = [];
  for (let i = from; i < from + n; i++) ids.push((await c.xadd(stream, '*', 'data', JSON.stringify({ s: stream, i })))!);
  return ids;
}

describe('redisStreamSource', () => {
  it('continues exactly after the snapshot, for a snapshot after every record of a fetched batch', async () => {
    const p = prefix();
    const [s1, s2] = [`${p}:a`, `${p}:b`];
    await add(s1, 4);
    await add(s2, 3);
    const all = 7;
    for (let k = 0; k <= all; k++) {
      // One record per poll, the whole batch fetched at once: the snapshot falls inside it.
      const first = reader([s1, s2], { recordsPerPoll: 1 });
      await first.start();
      const before = await pollRecords(first, k);
      expect(before).toHaveLength(k);
      const state = first.snapshotState(1);
      await first.close();

      const second = reader([s1, s2], { restoredState: state });
      await second.start();
      const after = await pollRecords(second, all - k);
      expect(await pollFor(second, 120)).toEqual([]);
      await second.close();

      const seen = [...before, ...after];
      // Nothing lost, nothing twice, and each stream in its order.
      expect(seen.map((r) => `${r.s}/${r.i}`).sort()).toEqual(
        [...[0, 1, 2, 3].map((i) => `${s1}/${i}`), ...[0, 1, 2].map((i) => `${s2}/${i}`)].sort(),
      );
      for (const s of [s1, s2]) expect(seen.filter((r) => r.s === s).map((r) => r.i)).toEqual(seen.filter((r) => r.s === s).map((r) => r.i).sort());
    }
  });

  it('spreads streams round-robin over subtasks and reads entries added while it blocks', async () => {
    const p = prefix();
    const streams = [`${p}:0`, `${p}:1`, `${p}:2`];
    const r0 = reader(streams, { subtaskIndex: 0, parallelism: 2 });
    const r1 = reader(streams, { subtaskIndex: 1, parallelism: 2 });
    await r0.start();
    await r1.start();
    expect(r0.snapshotState(1).map((s) => s.stream)).toEqual([streams[0], streams[2]]);
    expect(r1.snapshotState(1).map((s) => s.stream)).toEqual([streams[1]]);
    setTimeout(() => void add(streams[1], 2), 30);
    expect((await pollRecords(r1, 2)).map((r) => r.i)).toEqual([0, 1]);
    await r0.close();
    await r1.close();
  });

  it("starts after the last entry with 'latest' and after the given id with { id }", async () => {
    const p = prefix();
    const s = `${p}:s`;
    const ids = await add(s, 3);
    const latest = reader([s], { startAt: 'latest' });
    await latest.start();
    await add(s, 1, 3);
    expect((await pollRecords(latest, 1)).map((r) => r.i)).toEqual([3]);
    await latest.close();
    const fromId = reader([s], { startAt: { id: ids[0] } });
    await fromId.start();
    expect((await pollRecords(fromId, 3)).map((r) => r.i)).toEqual([1, 2, 3]);
    await fromId.close();
  });

  it('moves the consumer group only when a checkpoint completes', async () => {
    const p = prefix();
    const s = `${p}:s`;
    const ids = await add(s, 5);
    const r = reader([s], { group: 'g', recordsPerPoll: 1 });
    await r.start();
    await pollRecords(r, 2);
    r.snapshotState(1);
    await pollRecords(r, 2);
    r.snapshotState(2);
    expect(await groups(s)).toEqual({}); // nothing committed before a checkpoint completes
    await r.notifyCheckpointComplete(1);
    expect(await groups(s)).toEqual({ g: ids[1] });
    r.notifyCheckpointAborted(2);
    await r.notifyCheckpointComplete(2); // aborted: unknown to the reader, nothing moves
    expect(await groups(s)).toEqual({ g: ids[1] });
    await pollRecords(r, 1);
    r.snapshotState(3);
    await r.notifyCheckpointComplete(3);
    expect(await groups(s)).toEqual({ g: ids[4] });
    await r.close();
  });

  it('names the default group after the job and the source uid, and makes it on a missing stream', async () => {
    const p = prefix();
    const s = `${p}:empty`;
    const source = redisStreamSource<Rec>({ redis: redis.url, streams: [s], format: 'json', startAt: 'earliest', blockMs: 50 });
    const r = source.createReader(readerContext({ jobName: 'orders' }));
    await r.start?.();
    r.snapshotState!(1);
    await r.notifyCheckpointComplete!(1);
    expect(await groups(s)).toEqual({ 'weir:orders:src': '0-0' });
    await r.close!();
  });

  it('trims only what every retained complete checkpoint is past', async () => {
    const p = prefix();
    const s = `${p}:s`;
    const ids = await add(s, 10);
    const r = reader([s], { trim: true, retainedCheckpoints: 2, recordsPerPoll: 1 });
    await r.start();
    const remaining = async (): Promise<string[]> => (await c.xrange(s, '-', '+')).map((e) => e[0]);

    await pollRecords(r, 3);
    r.snapshotState(1); // covers ids[0..2]
    await pollRecords(r, 2);
    r.snapshotState(2); // covers ids[0..4]
    await pollRecords(r, 2); // ids[5..6] delivered, covered by no checkpoint
    expect(await remaining()).toEqual(ids); // nothing complete yet

    await r.notifyCheckpointComplete(1);
    expect(await remaining()).toEqual(ids.slice(3));
    await r.notifyCheckpointComplete(2); // retained {1, 2}: 1 still needs ids[3..]
    expect(await remaining()).toEqual(ids.slice(3));
    r.snapshotState(3); // covers ids[0..6]
    await r.notifyCheckpointComplete(3); // retained {2, 3}
    expect(await remaining()).toEqual(ids.slice(5));
    const state = r.snapshotState(4);
    await r.close();

    // After a restore, the restored checkpoint counts as retained until two newer ones complete.
    const again = reader([s], { trim: true, retainedCheckpoints: 2, restoredState: state, recordsPerPoll: 1 });
    await again.start();
    await pollRecords(again, 2);
    again.snapshotState(5);
    await again.notifyCheckpointComplete(5);
    expect(await remaining()).toEqual(ids.slice(7));
    again.snapshotState(6);
    await again.notifyCheckpointComplete(6);
    expect(await remaining()).toEqual(ids.slice(9));
    await again.close();
  });

  it('sends an undecodable entry or one without the payload field to <stream>:dead and goes on', async () => {
    const p = prefix();
    const s = `${p}:s`;
    await c.xadd(s, '*', 'data', JSON.stringify({ s, i: 0 }));
    const bad = await c.xadd(s, '*', 'data', '{not json');
    const noField = await c.xadd(s, '*', 'other', 'x');
    await c.xadd(s, '*', 'data', JSON.stringify({ s, i: 3 }));
    const r = reader([s]);
    await r.start();
    expect((await pollRecords(r, 2)).map((x) => x.i)).toEqual([0, 3]);
    const state = r.snapshotState(1);
    expect(state[0].lastId).not.toBe(noField); // past the dead letters, at the last entry
    await r.close();
    const letters = (await c.lrange(`${s}:dead`, 0, -1)).map((l) => JSON.parse(l));
    expect(letters).toHaveLength(2);
    expect(letters[0]).toMatchObject({ payload: '{not json', operator: 'src', attempts: 1, source: s, position: bad });
    expect(letters[0].error).toMatch(/SyntaxError/);
    expect(letters[1]).toMatchObject({ payload: '{"other":"x"}', source: s, position: noField });
    expect(letters[1].error).toContain(`entry ${noField} has no field 'data'`);
    expect(typeof letters[0].time).toBe('number');
    expect(bad).toBeDefined();
  });

  it('writes the letter of each undecodable entry once, also when a restore replays it', async () => {
    const p = prefix();
    const [s1, s2] = [`${p}:a`, `${p}:b`];
    const bad1 = await c.xadd(s1, '*', 'data', 'nope-1');
    await add(s1, 1, 1);
    const bad2 = await c.xadd(s2, '*', 'data', 'nope-2');
    const bad3 = await c.xadd(s2, '*', 'other', 'x');
    const deadLetter = { key: `${p}:dead`, format: 'json' as const };
    const read = async (restoredState?: StreamSplit[]) => {
      const r = reader([s1, s2], { restoredState, deadLetterKey: () => deadLetter.key });
      await r.start();
      expect((await pollRecords(r, 1)).map((x) => x.i)).toEqual([1]);
      expect(await pollFor(r, 100)).toEqual([]);
      const state = r.snapshotState(1);
      await r.close();
      return state;
    };
    const letters = async () => (await c.lrange(deadLetter.key, 0, -1)).map((l) => JSON.parse(l)).map((l) => `${l.source}@${l.position}`);
    await read(); // dies before a checkpoint covers the letters
    expect(await letters()).toEqual([`${s1}@${bad1}`, `${s2}@${bad2}`, `${s2}@${bad3}`]);
    const state = await read(); // the same entries again, from the start
    expect(await letters()).toHaveLength(3);
    // A restore from before the letters (here: a checkpoint at the start) replays them too.
    await read(state.map((x) => ({ ...x, lastId: '0-0' })));
    expect(await letters()).toHaveLength(3);
    // A new bad entry is written.
    const bad4 = await c.xadd(s1, '*', 'data', 'nope-4');
    await add(s1, 1, 1);
    await read(state);
    expect((await letters()).slice(3)).toEqual([`${s1}@${bad4}`]);
  });

  it("trims only what every checkpoint the job retains is past (the job's retained, not an option)", async () => {
    const p = prefix();
    const s = `${p}:s`;
    const source = redisStreamSource<Rec>({ redis: redis.url, streams: [s], format: 'json', field: 'data', startAt: 'earliest', blockMs: 50, trim: true, group: false });
    const r = source.createReader(readerContext<StreamSplit>({ retainedCheckpoints: 3 }));
    await r.start?.();
    const ids: string[] = [];
    for (let id = 1; id <= 4; id++) {
      ids.push(...(await add(s, 1, id - 1)));
      await pollRecords(r, 1);
      r.snapshotState!(id); // covers ids[0..id-1]
    }
    const remaining = async (): Promise<string[]> => (await c.xrange(s, '-', '+')).map((e) => e[0]);
    await r.notifyCheckpointComplete!(1);
    await r.notifyCheckpointComplete!(2);
    await r.notifyCheckpointComplete!(3); // retained {1, 2, 3}: checkpoint 1 needs ids[1..]
    expect(await remaining()).toEqual(ids.slice(1));
    await r.notifyCheckpointComplete!(4); // retained {2, 3, 4}
    expect(await remaining()).toEqual(ids.slice(2));
    await r.close!();
  });

  it('reports its lag: entries added to its streams that it has not emitted, counted across a restore', async () => {
    const p = prefix();
    const [s1, s2] = [`${p}:a`, `${p}:b`];
    await add(s1, 20);
    await add(s2, 10);
    /** The backlog is read beside fetching, at most once a second: the first reading that satisfies `ok`. */
    const lagOf = async (r: ReturnType<typeof reader>, ok: (lag: number) => boolean): Promise<number | undefined> => {
      const deadline = Date.now() + 5000;
      let lag = r.metrics().lagRecords;
      while ((lag === undefined || !ok(lag)) && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 50));
        lag = r.metrics().lagRecords;
      }
      return lag;
    };
    const first = reader([s1, s2], { batchSize: 8, recordsPerPoll: 1 });
    await first.start();
    expect(await pollRecords(first, 5)).toHaveLength(5);
    // Fetched but not emitted counts: only what left the reader is read.
    expect(await lagOf(first, (lag) => lag === 25)).toBe(25);
    const state = first.snapshotState(1);
    await first.close();

    await add(s1, 7, 20);
    const second = reader([s1, s2], { restoredState: state, recordsPerPoll: 1 });
    await second.start();
    expect(await lagOf(second, (lag) => lag === 32)).toBe(32);
    expect(await pollRecords(second, 32)).toHaveLength(32);
    expect(await lagOf(second, (lag) => lag === 0)).toBe(0);
    await second.close();

    // From 'latest': what was there is not lag; what comes after is, until read.
    const third = reader([s1], { startAt: 'latest' });
    await third.start();
    expect(await lagOf(third, () => true)).toBe(0);
    await add(s1, 3, 27);
    expect(await lagOf(third, (lag) => lag === 3)).toBe(3);
    await third.close();
  });

  it('learns its lag once caught up when a checkpoint did not hold the count (a start at a given id)', async () => {
    const s = `${prefix()}:a`;
    const ids = await add(s, 6);
    const r = reader([s], { startAt: { id: ids[1]! } });
    await r.start();
    expect(await pollRecords(r, 4)).toHaveLength(4);
    const deadline = Date.now() + 5000;
    while (r.metrics().lagRecords === undefined && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    expect(r.metrics().lagRecords).toBe(0);
    expect(r.snapshotState(1)[0]!.entriesRead).toBe(6);
    await r.close();
  });

  it('refuses option keys it does not know, naming the nearest, and the per-source retainedCheckpoints', () => {
    const bad = (o: object) => () =>
      redisStreamSource({ redis: redis.url, streams: ['a'], format: 'json', startAt: 'earliest', ...o } as Parameters<typeof redisStreamSource>[0]);
    expect(bad({ feild: 'data' })).toThrow(ConfigError);
    expect(bad({ feild: 'data' })).toThrow(/redisStreamSource has no option 'feild'; did you mean 'field'/);
    expect(bad({ deadLetter: { fromat: 'json' } })).toThrow(/did you mean 'format'/);
    expect(bad({ retainedCheckpoints: 3 })).toThrow(/follow the job's 'retained'/);
  });

  it('refuses bad options when the job is defined', () => {
    expect(() => redisStreamSource({ redis: redis.url, streams: [], format: 'json', startAt: 'earliest' })).toThrow(/streams/);
    expect(() => redisStreamSource({ redis: redis.url, streams: ['a', 'a'], format: 'json', startAt: 'earliest' })).toThrow(/twice/);
    expect(() => redisStreamSource({ redis: redis.url, streams: ['a'], format: 'json', startAt: { id: 'x' } })).toThrow(/startAt/);
    expect(() => redisStreamSource({ redis: redis.url, streams: ['a'], format: 'yaml' as 'json', startAt: 'earliest' })).toThrow(/format/);
  });
});

/** Consumer groups of a stream and their last delivered id. */
async function groups(stream: string): Promise<Record<string, string>> {
  if ((await c.exists(stream)) === 0) return {};
  const raw = (await c.xinfo('GROUPS', stream)) as unknown[];
  const out: Record<string, string> = {};
  for (const g of raw) {
    const entries = g instanceof Map ? [...g.entries()].flat() : (g as unknown[]);
    const o: Record<string, unknown> = {};
    for (let i = 0; i + 1 < entries.length; i += 2) o[String(entries[i])] = entries[i + 1];
    out[String(o.name)] = String(o['last-delivered-id']);
  }
  return out;
}
