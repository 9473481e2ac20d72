/**
 * A two-phase-commit sink whose pre-commits keep failing (a disk that stays full): each checkpoint
 * is declined, tolerated up to `tolerableFailures`, and then the restart strategy decides. Nothing
 * may end the process instead: a pre-commit of checkpoint n+1 that rejects while nobody awaits it
 * (completeSnapshot stopped at n's rejection) must not become an unhandled rejection.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobExecutionError, TwoPhaseCommitSinkWriter, fixedDelay, generatorSource, type Sink, type SinkWriterContext } from '@weir/core';
import { quietEnv, rejectionOf, tempDirs } from '../support/checkpoint-jobs.ts';

interface Txn {
  readonly name: string;
}

/** Every pre-commit fails after a while, so that several are in flight when the first rejects. */
class FullDiskWriter extends TwoPhaseCommitSinkWriter<number, Txn> {
  #seq = 0;
  constructor(ctx: SinkWriterContext) {
    super(ctx);
  }
  protected beginTransaction(): Txn {
    return { name: String(this.#seq++) };
  }
  protected invoke(): void {}
  protected async preCommit(txn: Txn): Promise<void> {
    await new Promise((r) => setTimeout(r, 5 + (Number(txn.name) % 3) * 20));
    throw new Error('ENOSPC: no space left on device');
  }
  protected async commit(): Promise<void> {}
  protected async abort(): Promise<void> {}
  protected async abortLingering(): Promise<void> {}
}

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('a pre-commit that keeps failing', () => {
  it('fails the job through its restart strategy, never through an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const env = quietEnv(1);
      env.enableCheckpointing(10, { storage: join(await dirs.make(), 'ck'), tolerableFailures: 3, maxConcurrent: 3 });
      env.setRestartStrategy(fixedDelay({ attempts: 1, delay: 10 }));
      const sink: Sink<number> = { createWriter: (ctx) => new FullDiskWriter(ctx) };
      env.fromSource(generatorSource({ generate: (i) => i, ratePerSecond: 5_000 })).uid('src').sinkTo(sink).uid('sink');
      const client = env.executeAsync('full-disk');
      const error = await rejectionOf(client.result);
      expect(error).toBeInstanceOf(JobExecutionError);
      expect(error.message).toMatch(/tolerable failure threshold \(3\)/);
      expect(client.status().restarts).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
