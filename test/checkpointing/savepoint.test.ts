/**
 * Savepoints: taken on demand from a running job, never deleted by retention, and restorable by a
 * new job at another parallelism, which continues from the savepoint's state and positions.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectSink, generatorSource, type Sink, type StreamEnvironment } from '@weir/core';
import {
  capturingLogger,
  checkpointDirs,
  CountPerKey,
  exists,
  keyedRecord,
  quietEnv,
  tempDirs,
  waitUntil,
  type Counted,
} from '../support/checkpoint-jobs.ts';

const JOB = 'savepointed';
/** Even, so that every key is fed by one generator split at parallelism 2: order per key is kept. */
const KEYS = 100;
const COUNT = 200_000;

function defineJob(env: StreamEnvironment, sink: Sink<Counted>, paced: boolean): void {
  env
    .fromSource(generatorSource({ count: COUNT, generate: keyedRecord(KEYS), ratePerSecond: paced ? 20_000 : undefined }))
    .uid('source')
    .keyBy((r) => r.k)
    .process(new CountPerKey())
    .uid('count')
    .sinkTo(sink)
    .uid('sink');
}

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('savepoints', () => {
  it('are written on demand, outlive retention, and restore at another parallelism', async () => {
    const storage = await dirs.make();
    const savepoints = await dirs.make();
    const env = quietEnv(2);
    env.enableCheckpointing(20, { storage, retained: 2 });
    defineJob(env, { createWriter: () => ({ write() {} }) }, true);
    const client = env.executeAsync(JOB);
    await waitUntil(() => client.checkpointStats().counts.completed >= 1, 'a first checkpoint');

    const pointer = await client.triggerSavepoint(savepoints);
    expect(dirname(pointer)).toBe(savepoints);
    expect(basename(pointer)).toMatch(/^savepoint-\d+-[a-z0-9]{6}$/);
    expect(await readdir(pointer)).toContain('_metadata');
    const savepointId = Number(basename(pointer).split('-')[1]);

    // Many checkpoints later, retention (2) has deleted every checkpoint older than the savepoint,
    // but not the savepoint itself, which is not listed among the checkpoints at all.
    await waitUntil(() => (client.checkpointStats().latestCompleted?.checkpointId ?? 0) >= savepointId + 6, 'more checkpoints');
    client.cancel();
    await client.result;
    const chks = await checkpointDirs(storage, JOB);
    expect(chks).toHaveLength(2);
    for (const chk of chks) expect(Number(chk.slice(4))).toBeGreaterThan(savepointId);
    expect(await exists(join(pointer, '_metadata'))).toBe(true);
    expect(await readdir(savepoints)).toEqual([basename(pointer)]);

    // A new job, at parallelism 3, from the savepoint (not from the newer checkpoints beside it).
    const { logger, entries } = capturingLogger();
    const resumed = quietEnv(3, logger);
    resumed.enableCheckpointing(20, { storage, fromCheckpoint: pointer });
    const out = collectSink<Counted>();
    defineJob(resumed, out, false);
    expect((await resumed.execute(JOB)).status).toBe('finished');
    expect(entries.find((e) => e.msg.startsWith('restoring from'))).toMatchObject({ kind: 'savepoint', checkpointId: savepointId });

    // It continues each generator split where the savepoint left it: per parity (split), the
    // indices from the split's position to the end, each once, and counts that go on from the
    // savepoint's: record i is the (i div KEYS + 1)-th of its key.
    for (const parity of [0, 1]) {
      const indices = out.values.filter((o) => o.i % 2 === parity).map((o) => o.i).sort((a, b) => a - b);
      const from = indices[0];
      expect(from, `split ${parity} restarted from its savepoint position`).toBeGreaterThan(1);
      expect(indices).toEqual(Array.from({ length: Math.ceil((COUNT - from) / 2) }, (_, j) => from + 2 * j));
    }
    expect(out.values.filter((o) => o.n !== Math.floor(o.i / KEYS) + 1 || o.k !== `k${o.i % KEYS}`)).toEqual([]);
  });
});

describe('a savepoint to a directory that cannot be made', () => {
  it('fails with the reason, below /proc too, and the job goes on checkpointing', async () => {
    const storage = await dirs.make();
    const env = quietEnv(1);
    env.enableCheckpointing(30, { storage, tolerableFailures: 5 });
    env.fromSource(generatorSource({ generate: keyedRecord(KEYS), ratePerSecond: 5_000 })).uid('source').sinkTo(collectSink()).uid('sink');
    const client = env.executeAsync(JOB);
    await waitUntil(() => client.checkpointStats().counts.completed >= 1, 'a checkpoint');
    await expect(client.triggerSavepoint('/proc/weir-savepoints')).rejects.toThrow(/ENOENT|storage/i);
    const after = client.checkpointStats().counts.completed;
    await waitUntil(() => client.checkpointStats().counts.completed >= after + 2, 'two more checkpoints');
    expect(client.checkpointStats().counts.inProgress).toBeLessThanOrEqual(1);
    client.cancel();
    await client.result;
  });
});
