/**
 * Restart from the latest checkpoint: a user function that throws once makes the job restart, and
 * the exactly-once file sink's output is that of an uninterrupted run, record by record.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fileSink,
  fixedDelay,
  HeapStateBackend,
  generatorSource,
  ValueStateDescriptor,
  type Collector,
  type KeyedContext,
  type KeyedProcessFunction,
  type KeyedRuntimeContext,
  type Sink,
  type StreamEnvironment,
  type ValueState,
} from '@weir/core';
import { readCommitted } from '../support/file-sink-output.ts';
import { capturingLogger, CountPerKey, keyedRecord, quietEnv, tempDirs, waitUntil, type Counted, type Keyed } from '../support/checkpoint-jobs.ts';

const KEYS = 100;
const COUNT = 24_000;

// Module-level, as a function's own fields are copied per subtask and per attempt.
/** How often the map threw. */
let thrown = 0;
/** Whether a checkpoint completed, and the sink committed on it. */
let committedOnce = false;

/**
 * Throws once, on the first record of key k7 after the sink first committed: the failure comes
 * after committed output and after a checkpoint to restore from, whatever the machine's speed.
 */
function throwOnceAfterACommit(r: Keyed): Keyed {
  if (thrown === 0 && committedOnce && r.i % KEYS === 7) {
    thrown++;
    throw new Error(`cannot handle record ${r.i} (first attempt only)`);
  }
  return r;
}

/** The file sink, noting its first commit. */
function noticingFileSink(directory: string): Sink<Counted> {
  const sink = fileSink<Counted>({ directory });
  return {
    createWriter(ctx) {
      const writer = sink.createWriter(ctx);
      const commit = writer.notifyCheckpointComplete!.bind(writer);
      writer.notifyCheckpointComplete = async (id) => {
        await commit(id);
        committedOnce = true;
      };
      return writer;
    },
  };
}

/**
 * CountPerKey with its count in an object that is changed in place: a checkpoint must hold the
 * object as it was at the barrier, not as later records left it.
 */
class CountInPlace implements KeyedProcessFunction<string, Keyed, Counted> {
  count!: ValueState<{ n: number }>;
  open(ctx: KeyedRuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor<{ n: number }>('count'));
  }
  processElement(value: Keyed, ctx: KeyedContext<string>, out: Collector<Counted>): void {
    const c = this.count.value() ?? { n: 0 };
    c.n++;
    this.count.update(c);
    out.collect({ k: ctx.getCurrentKey(), n: c.n, i: value.i });
  }
}

function defineJob(env: StreamEnvironment, storage: string, out: string, count: () => KeyedProcessFunction<string, Keyed, Counted> = () => new CountPerKey()): void {
  env.enableCheckpointing(30, { storage });
  env
    .fromSource(generatorSource({ count: COUNT, generate: keyedRecord(KEYS), ratePerSecond: 30_000 }))
    .uid('source')
    .map(throwOnceAfterACommit)
    .uid('poisoned')
    .keyBy((r) => r.k)
    .process(count())
    .uid('count')
    .sinkTo(noticingFileSink(out))
    .uid('sink');
}

/** The output of an uninterrupted run: record i of key k is the (i div KEYS + 1)-th of its key. */
function uninterrupted(): string[] {
  return Array.from({ length: COUNT }, (_, i) => `k${i % KEYS}:${Math.floor(i / KEYS) + 1}:${i}`).sort();
}

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('restarting after a failure', () => {
  it('restarts once from the latest checkpoint and commits exactly the output of an uninterrupted run', async () => {
    const root = await dirs.make();
    const out = join(root, 'out');
    const { logger, entries } = capturingLogger();
    const env = quietEnv(2, logger);
    env.setRestartStrategy(fixedDelay({ attempts: 2, delay: 10 }));
    defineJob(env, join(root, 'ck'), out);
    thrown = 0;
    committedOnce = false;

    const result = await env.execute('restart-once');
    expect(result).toMatchObject({ status: 'finished', restarts: 1 });
    expect(thrown).toBe(1);
    // The second attempt restored the checkpoint taken before the failure, not a fresh start.
    const restarting = entries.findIndex((e) => e.msg === 'job failed; restarting from the latest checkpoint');
    expect(restarting).toBeGreaterThanOrEqual(0);
    expect(entries.slice(restarting).some((e) => e.msg.startsWith('restoring from checkpoint'))).toBe(true);

    const committed = (await readCommitted<Counted>(out)).map((o) => `${o.k}:${o.n}:${o.i}`).sort();
    expect(committed.length).toBe(COUNT);
    expect(committed).toEqual(uninterrupted());
    // Nothing staged is left behind by the failed attempt.
    expect(await readdir(join(out, '.staging'))).toEqual([]);
  });

  it.each([
    { state: 'objects', columnsFrom: Infinity },
    { state: 'columns', columnsFrom: 0 },
  ])('restores state objects changed in place after a barrier as they were at the barrier (state as $state)', async ({ columnsFrom }) => {
    const root = await dirs.make();
    const out = join(root, 'out');
    const env = quietEnv(2);
    env.setStateBackend(new HeapStateBackend({ columnsFrom }));
    env.setRestartStrategy(fixedDelay({ attempts: 2, delay: 10 }));
    defineJob(env, join(root, 'ck'), out, () => new CountInPlace());
    thrown = 0;
    committedOnce = false;

    expect(await env.execute('restart-in-place')).toMatchObject({ status: 'finished', restarts: 1 });
    const committed = (await readCommitted<Counted>(out)).map((o) => `${o.k}:${o.n}:${o.i}`).sort();
    expect(committed).toEqual(uninterrupted());
  });

  it('backs off exponentially by default when checkpointing is on (cancelled before the first restart)', async () => {
    const root = await dirs.make();
    const { logger, entries } = capturingLogger();
    const env = quietEnv(1, logger);
    defineJob(env, join(root, 'ck'), join(root, 'out'));
    thrown = 0;
    committedOnce = false;

    const client = env.executeAsync('default-backoff');
    await waitUntil(() => entries.some((e) => e.msg === 'job failed; restarting from the latest checkpoint'), 'the restart');
    const restart = entries.find((e) => e.msg === 'job failed; restarting from the latest checkpoint')!;
    expect(String(restart.strategy)).toMatch(/exponential/i);
    // 1 s initial backoff, ±10% jitter: the test does not wait for it.
    expect(restart.delayMs).toBeGreaterThanOrEqual(900);
    expect(restart.delayMs).toBeLessThanOrEqual(1_100);
    client.cancel();
    expect((await client.result).status).toBe('cancelled');
  });
});
