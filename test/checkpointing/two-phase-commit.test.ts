/**
 * TwoPhaseCommitSinkWriter, driven by hand as the runtime drives it (snapshot at the barrier,
 * completeSnapshot before the acknowledgement, notifyCheckpointComplete after the checkpoint is
 * durable, open on restore), through a subclass that records every step; then the file sink.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSink, TwoPhaseCommitSinkWriter, type SinkWriterContext, type TwoPhaseCommitState } from '@weir/core';
import { tempDirs } from '../support/checkpoint-jobs.ts';

interface Txn {
  readonly name: string;
}

const context = (restoredState?: unknown[]): SinkWriterContext => ({
  jobName: 'two-phase',
  operatorUid: 'sink',
  subtaskIndex: 0,
  parallelism: 1,
  logger: pino({ level: 'silent' }),
  restoredState,
  checkpointing: true,
  epoch: 1,
  checkLease: async () => {},
});

/** Records each step as one string: `begin w1-0`, `write w1-0 a`, `pre-commit w1-0`, `commit w1-0`, `abort …`, `abort-lingering 2`. */
class RecordingWriter extends TwoPhaseCommitSinkWriter<string, Txn> {
  readonly log: string[] = [];
  /** Pre-commits wait for this while it is set (to show commits wait for them). */
  preCommitGate: Promise<void> | undefined;
  #seq = 0;

  constructor(
    readonly prefix: string,
    restoredState?: unknown[],
  ) {
    super(context(restoredState));
  }
  protected beginTransaction(): Txn {
    const txn = { name: `${this.prefix}-${this.#seq++}` };
    this.log.push(`begin ${txn.name}`);
    return txn;
  }
  protected invoke(txn: Txn, value: string): void {
    this.log.push(`write ${txn.name} ${value}`);
  }
  protected async preCommit(txn: Txn): Promise<void> {
    this.log.push(`pre-commit ${txn.name}`);
    await this.preCommitGate;
  }
  protected async commit(txn: Txn): Promise<void> {
    this.log.push(`commit ${txn.name}`);
  }
  protected async abort(txn: Txn): Promise<void> {
    this.log.push(`abort ${txn.name}`);
  }
  protected async abortLingering(restoredCheckpointId: number | undefined): Promise<void> {
    this.log.push(`abort-lingering ${restoredCheckpointId}`);
  }
  /** The log since the last call. */
  take(): string[] {
    return this.log.splice(0);
  }
}

/** Writes `records`, then snapshots for `checkpointId` and completes the snapshot; returns the state as stored. */
async function checkpoint(w: TwoPhaseCommitSinkWriter<string, Txn>, checkpointId: number, ...records: string[]): Promise<TwoPhaseCommitState<Txn>> {
  for (const r of records) w.write(r);
  const [state] = w.snapshotState(checkpointId);
  await w.completeSnapshot(checkpointId);
  return structuredClone(state) as TwoPhaseCommitState<Txn>;
}

describe('TwoPhaseCommitSinkWriter', () => {
  it('pre-commits at each barrier and commits nothing until a checkpoint completes', async () => {
    const w = new RecordingWriter('w1');
    await w.open();
    expect(w.take()).toEqual(['abort-lingering undefined', 'begin w1-0']);
    await checkpoint(w, 1, 'a');
    await checkpoint(w, 2, 'b');
    await checkpoint(w, 3, 'c');
    expect(w.take()).toEqual([
      'write w1-0 a', 'pre-commit w1-0', 'begin w1-1',
      'write w1-1 b', 'pre-commit w1-1', 'begin w1-2',
      'write w1-2 c', 'pre-commit w1-2', 'begin w1-3',
    ]);
  });

  it('commits on notifyCheckpointComplete(n) every pending transaction up to n, in order, once', async () => {
    const w = new RecordingWriter('w1');
    await w.open();
    for (const [id, r] of [[1, 'a'], [2, 'b'], [3, 'c']] as const) await checkpoint(w, id, r);
    w.take();
    // Checkpoint 1 never reported complete (say it was aborted): 2 covers its transaction too.
    // Commits run in the background: whenCommitted() waits for them.
    w.notifyCheckpointComplete(2);
    await w.whenCommitted();
    expect(w.take()).toEqual(['commit w1-0', 'commit w1-1']);
    w.notifyCheckpointComplete(2);
    w.notifyCheckpointComplete(1);
    await w.whenCommitted();
    expect(w.take()).toEqual([]);
    w.notifyCheckpointComplete(3);
    await w.whenCommitted();
    expect(w.take()).toEqual(['commit w1-2']);
  });

  it('never commits a transaction before its pre-commit has finished', async () => {
    const w = new RecordingWriter('w1');
    await w.open();
    let release!: () => void;
    w.preCommitGate = new Promise<void>((resolve) => (release = resolve));
    w.write('a');
    w.snapshotState(1);
    w.notifyCheckpointComplete(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(w.log.filter((l) => l.startsWith('commit'))).toEqual([]);
    release();
    await w.whenCommitted();
    expect(w.take().slice(-3)).toEqual(['pre-commit w1-0', 'begin w1-1', 'commit w1-0']);
  });

  it('on restore commits the restored pending transactions, aborts the restored current one, then removes lingering ones', async () => {
    const before = new RecordingWriter('w1');
    await before.open();
    await checkpoint(before, 1, 'a');
    const state = await checkpoint(before, 2, 'b');
    // The job goes down before hearing that checkpoint 2 completed; w1-2 was open at the barrier.
    expect(state).toEqual({ checkpointId: 2, pending: [[1, { name: 'w1-0' }], [2, { name: 'w1-1' }]], current: { name: 'w1-2' } });

    const after = new RecordingWriter('w2', [state]);
    await after.open();
    expect(after.take()).toEqual(['commit w1-0', 'commit w1-1', 'abort w1-2', 'abort-lingering 2', 'begin w2-0']);
  });

  it('restores the states of several old subtasks (rescaled down), lingering ones after the newest checkpoint', async () => {
    const states: TwoPhaseCommitState<Txn>[] = [
      { checkpointId: 7, pending: [[7, { name: 'a-6' }]], current: { name: 'a-7' } },
      { checkpointId: 7, pending: [[6, { name: 'b-5' }], [7, { name: 'b-6' }]], current: { name: 'b-7' } },
    ];
    const w = new RecordingWriter('w', states);
    await w.open();
    expect(w.take()).toEqual(['commit a-6', 'abort a-7', 'commit b-5', 'commit b-6', 'abort b-7', 'abort-lingering 7', 'begin w-0']);
  });
});

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

/** Part files and their lines, and what is staged. */
async function fileSinkDir(dir: string): Promise<{ parts: string[]; lines: string[]; staged: string[] }> {
  const parts = (await readdir(dir)).filter((f) => f.startsWith('part-')).sort();
  const lines: string[] = [];
  for (const p of parts) lines.push(...(await readFile(join(dir, p), 'utf8')).split('\n').filter((l) => l !== ''));
  return { parts, lines, staged: await readdir(join(dir, '.staging')) };
}

describe('the file sink', () => {
  it('makes a repeated commit harmless: committing twice leaves one part file', async () => {
    const dir = await dirs.make();
    const sink = fileSink<number>({ directory: dir });
    const w = sink.createWriter(context());
    await w.open!();
    w.write(1);
    w.write(2);
    const state = w.snapshotState!(1);
    await w.completeSnapshot!(1);
    expect((await fileSinkDir(dir)).parts).toEqual([]);
    await w.notifyCheckpointComplete!(1);
    await (w as unknown as { whenCommitted(): Promise<void> }).whenCommitted();
    const once = await fileSinkDir(dir);
    expect(once.lines).toEqual(['1', '2']);

    // A restore from checkpoint 1 commits its pending transaction again.
    const again = sink.createWriter(context(structuredClone(state)));
    await again.open!();
    expect(await fileSinkDir(dir)).toEqual({ ...once, staged: [] });
  });

  it('commits on restore what a completed checkpoint staged, and removes what later barriers staged', async () => {
    const dir = await dirs.make();
    const sink = fileSink<string>({ directory: dir });
    const w = sink.createWriter(context());
    await w.open!();
    w.write('in-1');
    const state = structuredClone(w.snapshotState!(1));
    await w.completeSnapshot!(1);
    w.write('in-2');
    w.snapshotState!(2);
    await w.completeSnapshot!(2);
    w.write('after-2');
    // Crash: checkpoint 1 completed but nobody was told; checkpoint 2 never completed.
    expect((await fileSinkDir(dir)).staged).toHaveLength(2);

    const restored = sink.createWriter(context(state));
    await restored.open!();
    expect(await fileSinkDir(dir)).toMatchObject({ lines: ['"in-1"'], staged: [] });
  });
});
