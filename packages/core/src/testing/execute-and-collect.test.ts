import { describe, expect, expectTypeOf, it } from 'vitest';
import { generatorSource } from '../connector/generator-source.ts';
import { JobExecutionError } from '../jobmanager/job-result.ts';
import { executeAndCollect } from './execute-and-collect.ts';

describe('executeAndCollect', () => {
  it('resolves with what the returned stream produced, in order', async () => {
    const out = await executeAndCollect((env) => env.fromCollection(['a', 'bb', 'ccc']).map((s) => s.length));
    expect(out).toEqual([1, 2, 3]);
    expectTypeOf(out).toEqualTypeOf<number[]>();
  });

  it('runs keyed state across every parallel subtask', async () => {
    const out = await executeAndCollect(
      (env) =>
        env
          .fromSource(generatorSource({ count: 100, generate: (i) => ({ key: i % 3, n: 1 }) }))
          .keyBy((r) => r.key)
          .reduce((a, b) => ({ key: a.key, n: a.n + b.n })),
      { parallelism: 2 },
    );
    expect(out).toHaveLength(100);
    const last = new Map(out.map((r) => [r.key, r.n]));
    expect(Object.fromEntries(last)).toEqual({ 0: 34, 1: 33, 2: 33 });
  });

  it('accepts a pipeline that builds asynchronously', async () => {
    const out = await executeAndCollect(async (env) => env.fromCollection(await Promise.resolve([1, 2])));
    expect(out).toEqual([1, 2]);
  });

  it('rejects with the JobExecutionError of a failing job', async () => {
    const failing = executeAndCollect((env) =>
      env.fromCollection([1]).map((): number => {
        throw new Error('boom');
      }),
    );
    await expect(failing).rejects.toBeInstanceOf(JobExecutionError);
    await expect(failing).rejects.toThrow(/boom/);
  });
});
