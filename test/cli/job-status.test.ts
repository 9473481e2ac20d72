import { StreamEnvironment, collectSink, createLogger } from '@weir/core';
import { describe, expect, it } from 'vitest';

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
  });
});
