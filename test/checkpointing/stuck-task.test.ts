/**
 * A failure always ends in a restart or a final failure: when one subtask fails while another is
 * stuck on I/O that never returns (a sink opening against a Redis that is gone), the stuck one is
 * abandoned after the cancellation timeout, its resources are closed, and the job restarts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { collectSink, fixedDelay, generatorSource, type Sink } from '@weir/core';
import { capturingLogger, quietEnv, tempDirs } from '../support/checkpoint-jobs.ts';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('a subtask stuck while another fails', () => {
  it('stops waiting on its open at once when cancelled', async () => {
    let attempt = 0;
    const sink: Sink<number> = {
      createWriter: (ctx) => {
        if (ctx.subtaskIndex === 0) attempt++;
        const mine = attempt;
        return {
          open: () => (mine === 1 && ctx.subtaskIndex === 1 ? new Promise<void>(() => {}) : undefined),
          write: () => {
            if (mine === 1) throw new Error('the first attempt fails');
          },
        };
      },
    };
    const env = quietEnv(2);
    env.enableCheckpointing(50, { storage: await dirs.make() });
    env.setRestartStrategy(fixedDelay({ attempts: 2, delay: 10 }));
    env.fromSource(generatorSource({ count: 2_000, generate: (i) => i })).uid('src').rebalance().sinkTo(sink).uid('sink');
    expect(await env.execute('stuck-open')).toMatchObject({ status: 'finished', restarts: 1 });
  });

  it('is abandoned after the cancellation timeout when it does not finish closing, and the job restarts and finishes', async () => {
    let attempt = 0;
    const closedStuck: number[] = [];
    const out = collectSink<number>();
    const sink: Sink<number> = {
      createWriter: (ctx) => {
        if (ctx.subtaskIndex === 0) attempt++;
        const mine = attempt;
        const inner = out.createWriter(ctx);
        return {
          // Subtask 0 of the first attempt fails on its first record; subtask 1 of it never finishes closing.
          write: (v: number) => {
            if (mine === 1 && ctx.subtaskIndex === 0) throw new Error('the first attempt fails');
            inner.write(v);
          },
          close: () => {
            if (mine !== 1 || ctx.subtaskIndex !== 1) return undefined;
            closedStuck.push(mine);
            return new Promise<void>(() => {});
          },
        };
      },
    };
    const { logger, entries } = capturingLogger();
    const env = quietEnv(2, logger);
    env.enableCheckpointing(50, { storage: await dirs.make() });
    env.setRestartStrategy(fixedDelay({ attempts: 2, delay: 10 }));
    env.setTaskCancellationTimeout(200);
    env.fromSource(generatorSource({ count: 2_000, generate: (i) => i })).uid('src').rebalance().sinkTo(sink).uid('sink');
    const result = await env.execute('stuck');
    expect(result).toMatchObject({ status: 'finished', restarts: 1 });
    expect(out.values.filter((v) => v >= 0).length).toBeGreaterThanOrEqual(2_000);
    expect(entries.some((e) => /did not stop within 200 ms/.test(e.msg))).toBe(true);
    expect(closedStuck).toEqual([1]);
  });
});

describe('an acknowledgement a task sends while its attempt is torn down', () => {
  it('completes no checkpoint: the checkpoints in progress are aborted when the first task fails', async () => {
    let attempt = 0;
    let failAfter = false;
    const sink: Sink<number> = {
      createWriter: (ctx) => {
        if (ctx.subtaskIndex === 0) attempt++;
        const mine = attempt;
        let closed!: () => void;
        const whenClosed = new Promise<void>((r) => (closed = r));
        return {
          write: () => {
            if (mine === 1 && ctx.subtaskIndex === 0 && failAfter) throw new Error('fails after the barrier of checkpoint 2');
          },
          snapshotState: (id) => {
            if (mine === 1 && id === 2 && ctx.subtaskIndex === 0) failAfter = true;
            return [];
          },
          // Subtask 1 finishes its snapshot of checkpoint 2 only when it is closed (its writer torn down).
          completeSnapshot: (id) => (mine === 1 && id === 2 && ctx.subtaskIndex === 1 ? whenClosed : Promise.resolve()),
          close: () => closed(),
        };
      },
    };
    const { logger, entries } = capturingLogger();
    const env = quietEnv(2, logger);
    env.enableCheckpointing(30, { storage: await dirs.make(), tolerableFailures: 5 });
    env.setRestartStrategy(fixedDelay({ attempts: 2, delay: 10 }));
    env.fromSource(generatorSource({ count: 20_000, generate: (i) => i, ratePerSecond: 20_000 })).uid('src').rebalance().sinkTo(sink).uid('sink');
    const result = await env.execute('torn-down');
    expect(result.restarts).toBe(1);
    const ended = entries.filter((e) => e.checkpointId === 2 && /^checkpoint (completed|aborted)/.test(e.msg)).map((e) => e.msg);
    expect(ended).toEqual(['checkpoint aborted: A task failed; the checkpoint cannot complete.']);
  });
});
