import { StreamEnvironment, collectSink, createLogger, fixedDelay } from '@weir/core';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../support/temp-dirs.ts';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('JobClient.status()', () => {
  it('reports state, restarts, and per task its parallelism and the records it moved through channels', async () => {
    const env = StreamEnvironment.create({ parallelism: 2, batchSize: 64, logger: createLogger('silent') });
    const out = collectSink<number>();
    env
      .fromCollection(Array.from({ length: 1000 }, (_, i) => i))
      .rebalance()
      .map((i) => i * 2)
      .keyBy((i) => i % 10)
      .reduce((a, b) => a + b)
      .sinkTo(out);
    const client = env.executeAsync('status');
    expect(client.status().state).toMatch(/initializing|running/);
    await client.result;
    const status = client.status();
    expect(status).toMatchObject({ jobName: 'status', state: 'finished', restarts: 0 });
    expect(status.vertices.map((v) => [v.parallelism, v.inputs, v.recordsIn, v.recordsOut])).toEqual([
      [1, [], 0, 1000],
      [2, ['v0'], 1000, 1000],
      [2, ['v1'], 1000, 0],
    ]);
    // Per subtask, on the main thread (no workers): the counts add up to the task's.
    expect(status.vertices[1].subtasks.map((s) => [s.index, s.thread])).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(status.vertices[1].subtasks.reduce((n, s) => n + s.recordsIn, 0)).toBe(1000);
    expect(status.threads.map((t) => t.thread)).toEqual([0]);
  });
});

describe('JobClient.status() after failures', () => {
  it('keeps the last failures with the operator, subtask and phase that failed, newest first', async () => {
    const env = StreamEnvironment.create({ logger: createLogger('silent') });
    env.enableCheckpointing(20, { storage: await dirs.make() });
    env.setRestartStrategy(fixedDelay({ attempts: 3, delay: 1 }));
    let failures = 0;
    env
      .fromCollection(Array.from({ length: 100 }, (_, i) => i))
      .map((i) => {
        if (i === 50 && failures < 2) throw new Error(`boom ${++failures}`);
        return i;
      })
      .name('explode')
      .uid('explode')
      .sinkTo(collectSink());
    const client = env.executeAsync('failing');
    await client.result;
    const status = client.status();
    expect(status.restarts).toBe(2);
    expect(status.exceptions.map((f) => [f.operator, f.operatorUid, f.subtask, f.phase])).toEqual([
      ['explode', 'explode', 0, 'processElement'],
      ['explode', 'explode', 0, 'processElement'],
    ]);
    expect(status.exceptions[0].message).toMatch(/boom 2$/);
    expect(status.lastFailure).toEqual(status.exceptions[0]);
  });
});
