import { StreamEnvironment } from '@weir/core';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { applyRunOverrides, checkpointRoot } from './apply-run-options.ts';

describe('applyRunOverrides', () => {
  it('turns checkpointing on for --checkpoint-dir, at 1000 ms unless told otherwise', () => {
    const env = StreamEnvironment.create();
    const cp = applyRunOverrides(env, { checkpointDir: '/tmp/ck' });
    expect(cp).toEqual({ interval: 1000, options: expect.objectContaining({ storage: '/tmp/ck' }) });
    expect(env.getCheckpointing()?.interval).toBe(1000);
    expect(checkpointRoot(cp)).toBe('/tmp/ck');
  });

  it("overrides the job's own settings and keeps the rest of them", () => {
    const env = StreamEnvironment.create().setParallelism(2).enableCheckpointing(5000, { retained: 5, storage: './mine' });
    applyRunOverrides(env, { parallelism: 4, checkpointInterval: 200, fromSavepoint: '/sp/savepoint-3-abcdef' });
    expect(env.getParallelism()).toBe(4);
    expect(env.getCheckpointing()).toEqual({
      interval: 200,
      options: expect.objectContaining({ retained: 5, storage: './mine', fromCheckpoint: '/sp/savepoint-3-abcdef' }),
    });
  });

  it('leaves a job without checkpointing alone, and refuses restore options for it', () => {
    const env = StreamEnvironment.create();
    expect(applyRunOverrides(env, { parallelism: 3 })).toBeUndefined();
    expect(env.getCheckpointing()).toBeUndefined();
    expect(() => applyRunOverrides(env, { fresh: true, allowNonRestoredState: true })).toThrow(
      new UsageError('--fresh and --allow-non-restored-state need checkpointing, which the job does not enable: add --checkpoint-dir DIR'),
    );
  });

  it('refuses --fresh with a savepoint to start from', () => {
    expect(() => applyRunOverrides(StreamEnvironment.create(), { fresh: true, fromSavepoint: 'x', checkpointDir: 'ck' })).toThrow(/conflict/);
    const env = StreamEnvironment.create().enableCheckpointing(1000, { fromCheckpoint: '/ck/job/chk-3' });
    expect(() => applyRunOverrides(env, { fresh: true })).toThrow("--fresh conflicts with the job's own fromCheckpoint (/ck/job/chk-3)");
  });
});
