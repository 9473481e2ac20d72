/**
 * Review: when the last source reader ends, the AttemptGateway asks for the final checkpoint at
 * once; if a checkpoint (or savepoint) is still in flight, that request is refused
 * (maxConcurrent 1) and nothing asks again, so a bounded job waits a whole checkpoint interval
 * (10 min by default in production intervals of minutes) before it can finish.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatorSource, TwoPhaseCommitSinkWriter, type Sink, type SinkWriterContext } from '@weir/core';
import { quietEnv, tempDirs } from '../support/checkpoint-jobs.ts';

let releaseFirst: (() => void) | undefined;
const firstHeld = new Promise<void>((r) => (releaseFirst = r));
let preCommits = 0;

/** Holds the first pre-commit (the savepoint's) until the test releases it. */
class SlowFirstWriter extends TwoPhaseCommitSinkWriter<number, { n: number }> {
  #n = 0;
  constructor(ctx: SinkWriterContext) {
    super(ctx);
  }
  protected beginTransaction(): { n: number } {
    return { n: this.#n++ };
  }
  protected invoke(): void {}
  protected async preCommit(): Promise<void> {
    if (preCommits++ === 0) await firstHeld;
  }
  protected async commit(): Promise<void> {}
  protected async abort(): Promise<void> {}
  protected async abortLingering(): Promise<void> {}
}

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('the final checkpoint of a bounded job', () => {
  it('is taken soon after a checkpoint that was in flight when the sources ended', async () => {
    const root = await dirs.make();
    const env = quietEnv(1);
    env.enableCheckpointing(600_000, { storage: join(root, 'ck') });
    const sink: Sink<number> = { createWriter: (ctx) => new SlowFirstWriter(ctx) };
    env.fromSource(generatorSource({ count: 1000, generate: (i) => i, ratePerSecond: 10_000 })).uid('src').sinkTo(sink).uid('sink');
    const client = env.executeAsync('final-request');
    await new Promise((r) => setTimeout(r, 20));
    const savepoint = client.triggerSavepoint(join(root, 'sp'));
    // The source ends (about 100 ms) while the savepoint waits for the sink's pre-commit.
    await new Promise((r) => setTimeout(r, 600));
    releaseFirst!();
    await savepoint;
    // Without a new request the job would wait for the next periodic trigger, 600 s away: a bound
    // far below that and far above any real finish tells the two apart on a busy machine too.
    const outcome = await Promise.race([
      client.result.then((r) => r.status),
      new Promise((r) => setTimeout(() => r('still running 60 s later'), 60_000)),
    ]);
    if (outcome !== 'finished') client.cancel();
    expect(outcome).toBe('finished');
  }, 90_000);
});
