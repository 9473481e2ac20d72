import { afterAll, describe, expect, it } from 'vitest';
import {
  ListStateDescriptor,
  collectSink,
  type Collector,
  type ListState,
  type ProcessFunction,
  type RuntimeContext,
} from '@weir/core';
import { quietEnv, tempDirs } from '../support/checkpoint-jobs.ts';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

/**
 * Keeps every record it sees in operator list state; when it opens with restored elements it
 * emits them, tagged with the subtask that now holds them.
 */
class Remember implements ProcessFunction<number, { held: number; by: number }> {
  seen!: ListState<number>;
  ctx!: RuntimeContext;
  open(ctx: RuntimeContext): void {
    this.ctx = ctx;
    this.seen = ctx.getOperatorListState(new ListStateDescriptor<number>('seen'));
  }
  processElement(value: number, _ctx: RuntimeContext, out: Collector<{ held: number; by: number }>): void {
    if (value < 0) {
      // The marker record: report what this subtask holds.
      for (const held of this.seen.get()) out.collect({ held, by: this.ctx.subtaskIndex });
      return;
    }
    this.seen.add(value);
  }
}

describe('operator list state of a process function', () => {
  it('is checkpointed and redistributed round-robin when restored at another parallelism', async () => {
    const dir = await dirs.make();
    const first = quietEnv(2);
    first.enableCheckpointing(50, { storage: dir });
    first.fromCollection(Array.from({ length: 100 }, (_, i) => i)).uid('input-1').rebalance().process(new Remember()).uid('remember').setParallelism(2).sinkTo(collectSink());
    await first.execute('op-state');

    // Restore at parallelism 3; a broadcast marker makes every subtask report what it holds.
    const out = collectSink<{ held: number; by: number }>();
    const second = quietEnv(3);
    second.enableCheckpointing(50, { storage: dir, allowNonRestoredState: true });
    second.fromCollection([-1]).uid('input-2').broadcast().process(new Remember()).uid('remember').sinkTo(out);
    await second.execute('op-state');

    const held = out.values.map((v) => v.held).sort((a, b) => a - b);
    expect(held).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // Every new subtask got a share.
    expect(new Set(out.values.map((v) => v.by))).toEqual(new Set([0, 1, 2]));
  });
});
