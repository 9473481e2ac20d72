import { beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { SinkWriter, SinkWriterContext } from '@weir/core';
import { redisStreamSink } from '@weir/redis';
import { fenceKey, stagePattern, type SinkName } from '../../packages/redis/src/keys.ts';
import { abortStages } from '../../packages/redis/src/lua/abort.ts';
import { useRedis } from '../support/use-redis.ts';
import { freshKey, readStream, scanKeys, sinkContext } from '../support/redis-sink-context.ts';

const redis = useRedis();
let client: Redis;
beforeAll(() => {
  client = redis.shared;
});

const nameOf = (ctx: SinkWriterContext): SinkName => ({ job: ctx.jobName, uid: ctx.operatorUid });
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

async function checkpoint(writer: SinkWriter<unknown>, id: number): Promise<unknown[]> {
  const state = writer.snapshotState!(id);
  await writer.completeSnapshot!(id);
  return state;
}

async function complete(writer: SinkWriter<unknown>, id: number): Promise<void> {
  await writer.notifyCheckpointComplete!(id);
  await (writer as { whenCommitted?(): Promise<void> }).whenCommitted?.();
}

describe('fencing of exactly-once Redis sinks by epoch', () => {
  it('refuses the commit of a writer of an older epoch once a newer one opened, writing and deleting nothing', async () => {
    const stream = freshKey('out');
    // Subtask 0 of attempt 1 and subtask 1 of attempt 2: the newer writer does not touch the older one's stages.
    const base = sinkContext({ parallelism: 2 });
    const sink = redisStreamSink<number>({ redis: redis.url, stream, exactlyOnce: true });
    const zombie = sink.createWriter({ ...base, subtaskIndex: 0, epoch: 1 });
    await zombie.open!();
    expect(await client.get(fenceKey(nameOf(base)))).toBe('1');
    for (const v of range(0, 10)) zombie.write(v);
    const state = await checkpoint(zombie, 1);
    const stages = await scanKeys(client, stagePattern(nameOf(base)));
    expect(stages).toHaveLength(1);

    const current = sink.createWriter({ ...base, subtaskIndex: 1, epoch: 2 });
    await current.open!();
    expect(await client.get(fenceKey(nameOf(base)))).toBe('2');

    const failure = await complete(zombie, 1).catch((e: unknown) => e);
    expect((failure as Error).message).toMatch(/WEIRFENCED sink fence \S+ holds epoch 2, above this writer's epoch 1/);
    expect(await client.xlen(stream)).toBe(0);
    // Abort is fenced too: the stage the zombie pre-committed stays for the current attempt to commit.
    await expect(abortStages(client, fenceKey(nameOf(base)), stages, 1)).rejects.toThrow(/^WEIRFENCED/);
    expect(await scanKeys(client, stagePattern(nameOf(base)))).toEqual(stages);
    // A writer of the old attempt that opens now is refused before it restores or removes anything.
    const late = sink.createWriter({ ...base, subtaskIndex: 0, epoch: 1, restoredState: state });
    await expect(late.open!()).rejects.toThrow(/WEIRFENCED .*holds epoch 2, above this writer's epoch 1/);
    expect(await scanKeys(client, stagePattern(nameOf(base)))).toEqual(stages);

    // The newer attempt works: writes and commits its own records, and commits the restored ones once.
    for (const v of range(100, 105)) current.write(v);
    await checkpoint(current, 2);
    await complete(current, 2);
    const restored = sink.createWriter({ ...base, subtaskIndex: 0, epoch: 2, restoredState: state });
    await restored.open!();
    expect((await readStream<number>(client, stream)).sort((a, b) => a - b)).toEqual([...range(0, 10), ...range(100, 105)]);
    expect(await scanKeys(client, stagePattern(nameOf(base)))).toEqual([]);
    for (const w of [zombie, current, late, restored]) await w.close!();
  });

  it('lets every subtask of one attempt pass, and a later attempt raise the fence', async () => {
    const base = sinkContext({ parallelism: 2 });
    const sink = redisStreamSink<number>({ redis: redis.url, stream: freshKey('out'), exactlyOnce: true });
    const writers = [0, 1].map((subtaskIndex) => sink.createWriter({ ...base, subtaskIndex, epoch: 7 }));
    for (const w of writers) await w.open!();
    const next = sink.createWriter({ ...base, epoch: 8 });
    await next.open!();
    expect(await client.get(fenceKey(nameOf(base)))).toBe('8');
    for (const w of [...writers, next]) await w.close!();
  });

  it('keeps the fence per job and sink uid', async () => {
    const one = sinkContext({ epoch: 5 });
    const other = { ...one, operatorUid: `${one.operatorUid}-other`, epoch: 1 };
    const sink = redisStreamSink<number>({ redis: redis.url, stream: freshKey('out'), exactlyOnce: true });
    const a = sink.createWriter(one);
    const b = sink.createWriter(other);
    await a.open!();
    await b.open!();
    expect(await client.get(fenceKey(nameOf(one)))).toBe('5');
    expect(await client.get(fenceKey(nameOf(other)))).toBe('1');
    await a.close!();
    await b.close!();
  });
});
