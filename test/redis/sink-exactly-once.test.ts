import { beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { SinkWriter, SinkWriterContext } from '@weir/core';
import { redisHashSink, redisListSink, redisStreamSink, decodeRecord } from '@weir/redis';
import { commitsKey, fenceKey, stageKey, stagePattern, type SinkName } from '../../packages/redis/src/keys.ts';
import { commitTransaction } from '../../packages/redis/src/lua/commit.ts';
import { defineScript } from '../../packages/redis/src/connection.ts';
import { encodeChunk } from '../../packages/redis/src/sink/encoding.ts';
import { useRedis } from '../support/use-redis.ts';
import { freshKey, readStream, scanKeys, sinkContext } from '../support/redis-sink-context.ts';

const redis = useRedis();
let client: Redis;
beforeAll(() => {
  client = redis.shared;
});

/** The key name of the sink a context belongs to. */
const nameOf = (ctx: SinkWriterContext): SinkName => ({ job: ctx.jobName, uid: ctx.operatorUid });

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

async function writeAll<T>(writer: SinkWriter<T>, values: readonly T[]): Promise<void> {
  for (const v of values) writer.write(v);
}

/** Snapshot at the barrier and wait for the pre-commit, as the task does before acknowledging. */
async function checkpoint(writer: SinkWriter<unknown>, id: number): Promise<unknown[]> {
  const state = writer.snapshotState!(id);
  await writer.completeSnapshot!(id);
  return state;
}

describe('the exactly-once stream sink', () => {
  it('makes records visible only after the checkpoint that covers them completes', async () => {
    const stream = freshKey('out');
    const ctx = sinkContext();
    const writer = redisStreamSink<number>({ redis: redis.url, stream, exactlyOnce: true }).createWriter(ctx);
    await writer.open!();
    await writeAll(writer, range(0, 10));
    await checkpoint(writer, 1);
    expect(await client.xlen(stream)).toBe(0);
    expect(await scanKeys(client, stagePattern(nameOf(ctx)))).toHaveLength(1);
    await writeAll(writer, range(10, 15));
    await complete(writer, 1);
    expect(await readStream<number>(client, stream)).toEqual(range(0, 10));
    expect(await scanKeys(client, stagePattern(nameOf(ctx)))).toEqual([]);
    await checkpoint(writer, 2);
    await complete(writer, 2);
    expect(await readStream<number>(client, stream)).toEqual(range(0, 15));
    await writer.close!();
  });

  it('commits transactions of aborted checkpoints with the next complete one, in order', async () => {
    const stream = freshKey('out');
    const writer = redisStreamSink<number>({ redis: redis.url, stream, exactlyOnce: true }).createWriter(sinkContext());
    await writer.open!();
    await writeAll(writer, range(0, 5));
    await checkpoint(writer, 1);
    await writer.notifyCheckpointAborted?.(1);
    await writeAll(writer, range(5, 8));
    await checkpoint(writer, 2);
    expect(await client.xlen(stream)).toBe(0);
    await complete(writer, 2);
    expect(await readStream<number>(client, stream)).toEqual(range(0, 8));
    await writer.close!();
  });

  it('treats a repeated commit as a no-op', async () => {
    const stream = freshKey('out');
    const ctx = sinkContext();
    const writer = redisStreamSink<number>({ redis: redis.url, stream, exactlyOnce: true }).createWriter(ctx);
    await writer.open!();
    await writeAll(writer, range(0, 7));
    const [state] = (await checkpoint(writer, 1)) as [{ pending: [number, { name: string; subtask: number; beganAfter: number; chunks: number }][] }];
    await complete(writer, 1);
    await writer.close!();
    const [, txn] = state.pending[0];
    const again = await commitTransaction(
      client,
      { stage: stageKey(nameOf(ctx), 0, txn.name), markers: commitsKey(nameOf(ctx), 0), target: stream, fence: fenceKey(nameOf(ctx)) },
      { txn: txn.name, beganAfter: txn.beganAfter, kind: 'stream', maxLen: 0, keepMarkers: 1000, chunks: txn.chunks, epoch: ctx.epoch },
    );
    expect(again).toEqual({ outcome: 'duplicate', entries: 0, calls: 1 });
    // A restore from checkpoint 1 commits its pending transaction again: still nothing twice.
    const restored = redisStreamSink<number>({ redis: redis.url, stream, exactlyOnce: true }).createWriter({ ...ctx, restoredState: [state] });
    await restored.open!();
    await restored.close!();
    expect(await readStream<number>(client, stream)).toEqual(range(0, 7));
  });

  it('on restore commits the pending transactions and aborts the current one', async () => {
    const stream = freshKey('out');
    const ctx = sinkContext();
    const sink = redisStreamSink<number>({ redis: redis.url, stream, exactlyOnce: true, chunkSize: 4 });
    const crashed = sink.createWriter(ctx);
    await crashed.open!();
    await writeAll(crashed, range(0, 10));
    const state = await checkpoint(crashed, 1);
    // After the barrier: 9 records of the current transaction, 8 of them already staged in chunks of 4.
    await writeAll(crashed, range(10, 19));
    await new Promise((r) => setTimeout(r, 50));
    expect(await scanKeys(client, stagePattern(nameOf(ctx)))).toHaveLength(2);
    await crashed.close!(); // the process dies before checkpoint 1's notification

    const restored = sink.createWriter({ ...ctx, restoredState: state });
    await restored.open!();
    expect(await readStream<number>(client, stream)).toEqual(range(0, 10));
    expect(await scanKeys(client, stagePattern(nameOf(ctx)))).toEqual([]);
    await writeAll(restored, [100]);
    await checkpoint(restored, 2);
    await complete(restored, 2);
    expect(await readStream<number>(client, stream)).toEqual([...range(0, 10), 100]);
    await restored.close!();
  });

  it('removes lingering stages of this subtask and of vanished subtasks, and only those of this job', async () => {
    const stream = freshKey('out');
    const ctx = sinkContext({ subtaskIndex: 1, parallelism: 2 });
    const uid = nameOf(ctx);
    const sink = redisStreamSink<number>({ redis: redis.url, stream, exactlyOnce: true });
    const first = sink.createWriter(ctx);
    await first.open!();
    await writeAll(first, range(0, 3));
    const state1 = await checkpoint(first, 1);
    await complete(first, 1);
    await writeAll(first, range(3, 6));
    await checkpoint(first, 2); // checkpoint 2 never completes
    await first.close!();

    const chunk = encodeChunk([['value', 'x']]);
    const planted = {
      vanishedMine: stageKey(uid, 3, '1-deadbeef-0'), // subtask 3 of an old parallelism 4: 3 % 2 === 1
      vanishedOther: stageKey(uid, 2, '1-deadbeef-1'), // 2 % 2 === 0: subtask 0's to clean
      otherSubtask: stageKey(uid, 0, '1-deadbeef-2'),
      beforeRestored: stageKey(uid, 1, '0-deadbeef-3'), // began before checkpoint 1: a restored one
      otherJob: stageKey({ job: 'another-job', uid: uid.uid }, 1, '1-deadbeef-4'), // same uid, another job
    };
    for (const key of Object.values(planted)) await client.rpush(key, chunk);
    const beforeRestore = await scanKeys(client, stagePattern(uid));
    expect(beforeRestore).toHaveLength(5);

    const restored = sink.createWriter({ ...ctx, restoredState: state1 });
    await restored.open!();
    expect(await scanKeys(client, stagePattern(uid))).toEqual([planted.vanishedOther, planted.otherSubtask, planted.beforeRestored].sort());
    expect(await client.exists(planted.otherJob)).toBe(1);
    expect(await readStream<number>(client, stream)).toEqual(range(0, 3));
    await restored.close!();
  });

  it('removes every stage of this subtask on a fresh start', async () => {
    const ctx = sinkContext();
    await client.rpush(stageKey(nameOf(ctx), 0, '5-cafebabe-0'), encodeChunk([['value', 'x']]));
    const writer = redisStreamSink<number>({ redis: redis.url, stream: freshKey('out'), exactlyOnce: true }).createWriter(ctx);
    await writer.open!();
    expect(await scanKeys(client, stagePattern(nameOf(ctx)))).toEqual([]);
    await writer.close!();
  });

  it('commits in bounded chunks and resumes a commit that stopped between chunks', async () => {
    const stream = freshKey('out');
    const ctx = sinkContext();
    const writer = redisStreamSink<number>({ redis: redis.url, stream, exactlyOnce: true, chunkSize: 100 }).createWriter(ctx);
    await writer.open!();
    await writeAll(writer, range(0, 1050));
    const [state] = (await checkpoint(writer, 1)) as [{ pending: [number, { name: string; beganAfter: number; chunks: number }][] }];
    await writer.close!(); // no notification: the commit happens on restore
    const [, txn] = state.pending[0];
    const stage = stageKey(nameOf(ctx), 0, txn.name);
    expect(await client.llen(stage)).toBe(11);
    expect(txn.chunks).toBe(11);

    // One chunk moves, then the "process dies".
    const commit = defineScript(client, 'weirCommit', 'commit-4.lua', 4);
    const args = [txn.name, txn.beganAfter, 'stream', 0, 1000, txn.chunks, ctx.epoch];
    expect(await commit([stage, commitsKey(nameOf(ctx), 0), stream, fenceKey(nameOf(ctx))], args)).toEqual(['more', 100]);
    expect(await client.xlen(stream)).toBe(100);

    const restored = redisStreamSink<number>({ redis: redis.url, stream, exactlyOnce: true }).createWriter({ ...ctx, restoredState: [state] });
    await restored.open!();
    expect(await readStream<number>(client, stream)).toEqual(range(0, 1050));
    expect(await client.exists(stage)).toBe(0);
    expect(await client.zscore(commitsKey(nameOf(ctx), 0), txn.name)).toBe('0');
    await restored.close!();
  });

  it('fails the commit of a transaction whose stage another writer removed, naming the stage, and writes nothing', async () => {
    const stream = freshKey('out');
    const ctx = sinkContext();
    const sink = redisStreamSink<number>({ redis: redis.url, stream, exactlyOnce: true });
    const a = sink.createWriter(ctx);
    await a.open!();
    await writeAll(a, range(0, 10));
    const [state] = (await checkpoint(a, 1)) as [{ pending: [number, { name: string; chunks: number }][] }];
    const [, txn] = state.pending[0];
    expect(txn.chunks).toBe(1);
    const stage = stageKey(nameOf(ctx), 0, txn.name);
    expect(await client.llen(stage)).toBe(1);

    // A second writer of the same job, uid and subtask starts fresh: its abortLingering removes A's stage.
    const b = sink.createWriter(ctx);
    await b.open!();
    expect(await client.exists(stage)).toBe(0);

    const failure = await complete(a, 1).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain(`WEIRSTAGELOST stage ${stage} of transaction ${txn.name} is gone`);
    expect(await client.xlen(stream)).toBe(0);
    // Never mistaken for a commit: no marker, so nothing pretends the records were written.
    expect(await client.zscore(commitsKey(nameOf(ctx), 0), txn.name)).toBeNull();
    await a.close!();
    await b.close!();
  });

  it('reads a missing stage as empty only when nothing was staged, or when the count is unknown (older checkpoints)', async () => {
    const ctx = sinkContext();
    const name = nameOf(ctx);
    const commit = defineScript(client, 'weirCommit', 'commit-4.lua', 4);
    const keys = (txn: string): string[] => [stageKey(name, 0, txn), commitsKey(name, 0), freshKey('out'), fenceKey(name)];
    expect(await commit(keys('0-aaaa-0'), ['0-aaaa-0', 0, 'stream', 0, 1000, 0, 1])).toEqual(['committed', 0]);
    expect(await commit(keys('0-aaaa-1'), ['0-aaaa-1', 0, 'stream', 0, 1000, -1, 1])).toEqual(['committed', 0]);
    await expect(commit(keys('0-aaaa-2'), ['0-aaaa-2', 0, 'stream', 0, 1000, 3, 1])).rejects.toThrow(/^WEIRSTAGELOST/);
    expect(await client.zrange(commitsKey(name, 0), 0, '-1')).toEqual(['0-aaaa-0', '0-aaaa-1']);
  });

  it('writes custom fields and trims to an approximate MAXLEN', async () => {
    const stream = freshKey('out');
    const writer = redisStreamSink<{ id: number }>({
      redis: redis.url,
      stream,
      exactlyOnce: true,
      maxLen: 10,
      serialize: (v) => ({ id: v.id, kind: 'bid' }),
    }).createWriter(sinkContext());
    await writer.open!();
    await writeAll(writer, range(0, 1000).map((id) => ({ id })));
    await checkpoint(writer, 1);
    await complete(writer, 1);
    const [first] = await client.xrange(stream, '-', '+', 'COUNT', 1);
    expect(first[1]).toEqual(['id', expect.any(String), 'kind', 'bid']);
    const length = await client.xlen(stream);
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThan(1000);
    const last = await client.xrevrange(stream, '+', '-', 'COUNT', 1);
    expect(last[0][1]).toEqual(['id', '999', 'kind', 'bid']);
    await writer.close!();
  });

  it('commits everything at the end of input when the job does not checkpoint', async () => {
    const stream = freshKey('out');
    const writer = redisStreamSink<number>({ redis: redis.url, stream, exactlyOnce: true }).createWriter(sinkContext({ checkpointing: false }));
    await writer.open!();
    await writeAll(writer, range(0, 20));
    expect(await client.xlen(stream)).toBe(0);
    await writer.flush!(true);
    expect(await readStream<number>(client, stream)).toEqual(range(0, 20));
    await writer.close!();
  });
});

describe('the exactly-once list and hash sinks', () => {
  it('pushes each checkpoint’s records to the list once, after it completes', async () => {
    const list = freshKey('list');
    const ctx = sinkContext();
    const sink = redisListSink<string>({ redis: redis.url, list, exactlyOnce: true, serialize: (s) => s, chunkSize: 3 });
    const writer = sink.createWriter(ctx);
    await writer.open!();
    await writeAll(writer, ['a', 'b', 'c', 'd', 'e']);
    const state = await checkpoint(writer, 1);
    expect(await client.llen(list)).toBe(0);
    await complete(writer, 1);
    await writer.close!();
    const again = sink.createWriter({ ...ctx, restoredState: state });
    await again.open!();
    await again.close!();
    expect(await client.lrange(list, 0, -1)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('decodes list elements written with the default msgpack encoding', async () => {
    const list = freshKey('list');
    const writer = redisListSink<{ job: string }>({ redis: redis.url, list, exactlyOnce: true }).createWriter(sinkContext());
    await writer.open!();
    await writeAll(writer, [{ job: 'x' }, { job: 'y' }]);
    await checkpoint(writer, 1);
    await complete(writer, 1);
    await writer.close!();
    expect((await client.lrangeBuffer(list, 0, -1)).map((b) => decodeRecord(b))).toEqual([{ job: 'x' }, { job: 'y' }]);
  });

  it('adds HINCRBY increments once even when a restore repeats the commit', async () => {
    const hash = freshKey('hash');
    const ctx = sinkContext();
    const sink = redisHashSink<{ word: string }>({ redis: redis.url, hash, key: (w) => w.word, value: () => 1, mode: 'incrby', exactlyOnce: true });
    const writer = sink.createWriter(ctx);
    await writer.open!();
    await writeAll(writer, ['a', 'b', 'a', 'c', 'a'].map((word) => ({ word })));
    const state = await checkpoint(writer, 1);
    expect(await client.hlen(hash)).toBe(0);
    await complete(writer, 1);
    await writer.close!();
    const restored = sink.createWriter({ ...ctx, restoredState: state });
    await restored.open!();
    await restored.close!();
    expect(await client.hgetall(hash)).toEqual({ a: '3', b: '1', c: '1' });
  });
});

/** notifyCheckpointComplete starts commits in the background; wait for them like a later step would. */
async function complete(writer: { notifyCheckpointComplete?(id: number): void | Promise<void> }, id: number): Promise<void> {
  await writer.notifyCheckpointComplete!(id);
  await (writer as { whenCommitted?(): Promise<void> }).whenCommitted?.();
}
