/**
 * Checkpoints that fail: one that times out and one that a task declines are aborted, leave no
 * files behind, and fail the job only after more than `tolerableFailures` in a row.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  collectSink,
  FsCheckpointStorage,
  generatorSource,
  JobExecutionError,
  noRestart,
  ValueStateDescriptor,
  type KeyedProcessFunction,
  type Sink,
  type StreamEnvironment,
  type ValueState,
} from '@weir/core';
import {
  checkpointDirs,
  CountPerKey,
  keyedRecord,
  quietEnv,
  rejectionOf,
  tempDirs,
  waitUntil,
  type Counted,
} from '../support/checkpoint-jobs.ts';

const JOB = 'failing-checkpoints';

/** A sink whose part in checkpoint n is `completeSnapshot(n)`: it may hang or reject. */
function sinkCompleting(completeSnapshot: (checkpointId: number) => Promise<void>): Sink<Counted> {
  return { createWriter: () => ({ write() {}, completeSnapshot }) };
}

const never = (): Promise<void> => new Promise<void>(() => {});

/**
 * An unbounded keyed count with enough keyed state (2000 keys with a string each) that the keyed
 * task writes a state file of its own into every checkpoint, and a sink in a task of its own.
 */
function defineJob(env: StreamEnvironment, storage: string, sink: Sink<Counted>, tolerableFailures: number): void {
  env.enableCheckpointing(50, { storage, timeout: 200, tolerableFailures });
  env.setRestartStrategy(noRestart());
  env
    .fromSource(generatorSource({ generate: keyedRecord(2_000), ratePerSecond: 20_000 }))
    .uid('source')
    .keyBy((r) => r.k)
    .process(new CountPerKey(32))
    .uid('count')
    .sinkTo(sink)
    .uid('sink')
    .disableChaining();
}

/** Every file below the job's directory, as `chk-n/file` paths; job records (`_epoch`, `_lease`) aside. */
async function filesOnStorage(storage: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(join(storage, JOB))) {
    if (d.startsWith('_')) continue;
    const files = await readdir(join(storage, JOB, d)).catch(() => []);
    out.push(d, ...files.map((f) => `${d}/${f}`));
  }
  return out;
}

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('a checkpoint that times out', () => {
  it('is aborted, its directory removed, and fails the job at once with tolerableFailures 0', async () => {
    const storage = await dirs.make();
    const env = quietEnv();
    defineJob(env, storage, sinkCompleting(never), 0);
    const client = env.executeAsync(JOB);

    const error = await rejectionOf(client.result);
    expect(error).toBeInstanceOf(JobExecutionError);
    expect(error.message).toMatch(/Exceeded checkpoint tolerable failure threshold \(0\).*expired/);
    const stats = client.checkpointStats();
    expect(stats.counts.completed).toBe(0);
    expect(stats.history.filter((h) => h.failureReason === 'expired')).toHaveLength(1);
    // The keyed task writes its state file into chk-1 long before the sink's part expires; the
    // abort removed the whole directory, and nothing else was ever left on storage.
    expect(await filesOnStorage(storage)).toEqual([]);
  });

  it('is tolerated three times in a row with tolerableFailures 3, and the fourth fails the job', async () => {
    const storage = await dirs.make();
    const env = quietEnv();
    defineJob(env, storage, sinkCompleting(never), 3);
    const client = env.executeAsync(JOB);

    const error = await rejectionOf(client.result);
    expect(error).toBeInstanceOf(JobExecutionError);
    expect(error.message).toMatch(/threshold \(3\)/);
    const stats = client.checkpointStats();
    expect(stats.counts.completed).toBe(0);
    // Exactly four expired: the job ran on past three (a checkpoint in flight when the job went
    // down is aborted for 'task-failure', which does not count).
    expect(stats.history.filter((h) => h.failureReason === 'expired').map((h) => h.checkpointId).sort()).toEqual([1, 2, 3, 4]);
    expect(await filesOnStorage(storage)).toEqual([]);
  });
});

describe('a checkpoint that a task declines', () => {
  it('is aborted, its directory removed, and fails the job with tolerableFailures 0', async () => {
    const storage = await dirs.make();
    const env = quietEnv();
    defineJob(env, storage, sinkCompleting(() => Promise.reject(new Error('pre-commit refused'))), 0);
    const client = env.executeAsync(JOB);

    const error = await rejectionOf(client.result);
    expect(error).toBeInstanceOf(JobExecutionError);
    expect(error.message).toMatch(/threshold \(0\)/);
    const failed = client.checkpointStats().history.filter((h) => h.status === 'failed');
    expect(failed[0]?.failureReason).toMatch(/^(declined-by-task|storage-write-failed)$/);
    expect(await filesOnStorage(storage)).toEqual([]);
  });

  it('leaves no files of the declined checkpoints while the job goes on past them', async () => {
    const storage = await dirs.make();
    const env = quietEnv();
    const declined = new Set([2, 3]);
    const sink = sinkCompleting((id) => (declined.has(id) ? Promise.reject(new Error(`no room for ${id}`)) : Promise.resolve()));
    defineJob(env, storage, sink, 2);
    const client = env.executeAsync(JOB);
    await waitUntil(() => (client.checkpointStats().latestCompleted?.checkpointId ?? 0) >= 6, 'checkpoint 6');
    client.cancel();
    expect((await client.result).status).toBe('cancelled');

    const failedIds = client.checkpointStats().history.filter((h) => h.status === 'failed' && h.failureReason !== 'job-cancelled');
    expect(failedIds.map((h) => h.checkpointId).sort()).toEqual([2, 3]);
    const chks = await checkpointDirs(storage, JOB);
    expect(chks).not.toContain('chk-2');
    expect(chks).not.toContain('chk-3');
    // Only complete checkpoints remain (the default retains 2), each with its metadata.
    for (const chk of chks) expect(await readdir(join(storage, JOB, chk)), chk).toContain('_metadata');
    expect(chks).toHaveLength(2);
  });

  it('is declined, not a crash, when the sink rejects while earlier snapshots still occupy the upload queue', async () => {
    const storage = await dirs.make();
    const env = quietEnv();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // Checkpoints 1-4 hang in the sink's pre-commit and keep every upload slot busy; the
      // pre-commit of 5 fails at once, so its rejection waits for a slot before anyone awaits it.
      const sink = sinkCompleting((id) => (id <= 4 ? never() : Promise.reject(new Error(`pre-commit ${id} failed`))));
      defineJob(env, storage, sink, 4);
      const error = await rejectionOf(env.executeAsync(JOB).result);
      expect(error).toBeInstanceOf(JobExecutionError);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('discarding an aborted checkpoint', () => {
  it('removes its directory even while tasks are still writing state files into it', async () => {
    const root = await dirs.make();
    const storage = new FsCheckpointStorage({ directory: root, jobName: JOB });
    await storage.initialize();
    const bytes = new Uint8Array(30_000); // above the inline threshold: a file per handle
    for (let id = 1; id <= 20; id++) {
      const location = await storage.createCheckpointLocation(id);
      for (let f = 0; f < 40; f++) await storage.writeState(location, `done-${f}`, bytes);
      // Four tasks whose uploads land while the abort deletes the directory (each fails or is deleted).
      const late = [1, 2, 3, 4].map(async (task) => {
        for (let turn = 0; turn < task; turn++) await new Promise((resolve) => setImmediate(resolve));
        await storage.writeState(location, `late-${task}`, bytes).catch(() => undefined);
      });
      await storage.discard(location);
      await Promise.all(late);
    }
    expect(await storage.list()).toEqual([]);
    expect(await readdir(join(root, JOB))).toEqual([]);
  });
});

describe('keyed state that cannot be encoded', () => {
  it('declines the checkpoint as snapshot-encode-failed rather than failing a record, and fails the job past tolerableFailures', async () => {
    const storage = await dirs.make();
    const env = quietEnv();
    env.setRestartStrategy(noRestart());
    env.enableCheckpointing(20, { storage, tolerableFailures: 0 });
    env
      .fromSource(generatorSource({ generate: (i) => i, ratePerSecond: 5_000 }))
      .keyBy((i) => i % 10)
      .process({
        open(ctx) {
          this.s = ctx.getState(new ValueStateDescriptor<symbol>('not-data'));
        },
        processElement(i, _ctx, out) {
          this.s!.update(Symbol(`record ${i}`));
          out.collect(i);
        },
      } as KeyedProcessFunction<number, number, number> & { s?: ValueState<symbol> })
      .sinkTo(collectSink<number>());
    const client = env.executeAsync(JOB);

    const error = await rejectionOf(client.result);
    expect(error).toBeInstanceOf(JobExecutionError);
    expect(error.message).toMatch(/threshold \(0\)/);
    const failed = client.checkpointStats().history.filter((h) => h.status === 'failed');
    expect(failed[0]?.failureReason).toBe('snapshot-encode-failed');
  });
});
