/**
 * Operator list state is part of the snapshot at the barrier: a process function that changes an
 * element in place after the barrier (`list.get()[0].n++`) must not put that change into the
 * checkpoint, or a restore resumes from a count that already includes records the source replays.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ListStateDescriptor,
  fileSink,
  fixedDelay,
  generatorSource,
  type Collector,
  type ListState,
  type ProcessFunction,
  type RuntimeContext,
} from '@weir/core';
import { readCommitted } from '../support/file-sink-output.ts';
import { quietEnv, tempDirs } from '../support/checkpoint-jobs.ts';

const COUNT = 30_000;

interface Numbered {
  i: number;
  n: number;
}

/** Numbers the records it sees, in one element of operator list state changed in place. */
class NumberInPlace implements ProcessFunction<{ i: number }, Numbered> {
  counter!: ListState<{ n: number }>;
  open(ctx: RuntimeContext): void {
    this.counter = ctx.getOperatorListState(new ListStateDescriptor<{ n: number }>('counter'));
    if (this.counter.get().length === 0) this.counter.add({ n: 0 });
  }
  processElement(value: { i: number }, _ctx: RuntimeContext, out: Collector<Numbered>): void {
    const c = this.counter.get()[0];
    c.n++;
    out.collect({ i: value.i, n: c.n });
  }
}

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('operator list state changed in place after a barrier', () => {
  it('is restored as it was at the barrier: every record numbered once, in order', async () => {
    const root = await dirs.make();
    const out = join(root, 'out');
    const env = quietEnv(1);
    env.enableCheckpointing(40, { storage: join(root, 'ck') });
    env.setRestartStrategy(fixedDelay({ attempts: 2, delay: 10 }));
    let thrown = false;
    const client = { completed: () => 0 };
    env
      .fromSource(generatorSource({ count: COUNT, generate: (i) => ({ i }), ratePerSecond: 15_000 }))
      .uid('src')
      .map((r) => {
        if (!thrown && client.completed() >= 2) {
          thrown = true;
          throw new Error('fails once, after some checkpoints');
        }
        return r;
      })
      .uid('map')
      .process(new NumberInPlace())
      .uid('number')
      .sinkTo(fileSink<Numbered>({ directory: out }))
      .uid('sink');
    const job = env.executeAsync('in-place');
    client.completed = () => job.checkpointStats().counts.completed;
    const result = await job.result;
    expect(thrown).toBe(true);
    expect(result.restarts).toBe(1);
    const committed = await readCommitted<Numbered>(out);
    expect(committed.length).toBe(COUNT);
    const wrong = committed.filter((r) => r.n !== r.i + 1);
    expect(wrong.length, `first wrong: ${JSON.stringify(wrong[0])}`).toBe(0);
  });
});
