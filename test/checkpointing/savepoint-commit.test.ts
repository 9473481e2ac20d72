/**
 * Review: a savepoint is not a checkpoint recovery picks (it is not in the completed checkpoint
 * store), yet its completion tells the sinks to commit. A failure after the savepoint restores the
 * latest *checkpoint*, older than the savepoint, and the sources replay what the savepoint already
 * made visible: the exactly-once file sink commits those records twice.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSink, fixedDelay, generatorSource } from '@weir/core';
import { readCommitted } from '../support/file-sink-output.ts';
import { quietEnv, tempDirs, waitUntil } from '../support/checkpoint-jobs.ts';

const COUNT = 20_000;
let savepointTaken = false;
let thrown = 0;

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('a savepoint followed by a failure', () => {
  it('commits every record exactly once', async () => {
    const root = await dirs.make();
    const out = join(root, 'out');
    const env = quietEnv(1);
    // No periodic checkpoint before the failure: only the savepoint completes.
    env.enableCheckpointing(600_000, { storage: join(root, 'ck') });
    env.setRestartStrategy(fixedDelay({ attempts: 2, delay: 10 }));
    env
      .fromSource(generatorSource({ count: COUNT, generate: (i) => ({ i }), ratePerSecond: 20_000 }))
      .uid('src')
      .map((r) => {
        if (savepointTaken && thrown === 0) {
          thrown++;
          throw new Error('fails once, after the savepoint');
        }
        return r;
      })
      .uid('map')
      .sinkTo(fileSink<{ i: number }>({ directory: out }))
      .uid('sink');
    const client = env.executeAsync('savepoint-commit');
    const started = Date.now();
    await waitUntil(() => Date.now() - started > 300, 'some records');
    await client.triggerSavepoint(join(root, 'sp'));
    // A savepoint commits nothing: recovery does not restart from it.
    expect(await readCommitted(out).catch(() => [])).toEqual([]);
    savepointTaken = true;
    const result = await client.result;
    expect(thrown).toBe(1);
    expect(result).toMatchObject({ status: 'finished', restarts: 1 });
    const is = (await readCommitted<{ i: number }>(out)).map((o) => o.i);
    expect(new Set(is).size).toBe(COUNT);
    expect(is.length - COUNT, 'records committed twice').toBe(0);
  });
});
