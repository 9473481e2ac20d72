/**
 * Review: a two-phase-commit sink whose pre-commit of checkpoint k fails (k is declined and
 * tolerated) must not let a later checkpoint n complete with k's never-staged transaction in its
 * pending list: n covers k's records (the sources are past them), so committing k from n's state
 * commits nothing and those records are lost for good.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fixedDelay, generatorSource, TwoPhaseCommitSinkWriter, type Sink, type SinkWriterContext } from '@weir/core';
import { quietEnv, tempDirs } from '../support/checkpoint-jobs.ts';

const COUNT = 20_000;

/** "Durable" stages by transaction name, and the committed output: survive in-process restarts. */
const durable = new Map<string, number[]>();
const committed: number[] = [];
let commits = 0;
let failedOnce = false;

interface Txn {
  readonly name: string;
}

/** A user sink on the public 2PC base: its pre-commit fails once (a transient write error), after a first commit. */
class FlakyStagingWriter extends TwoPhaseCommitSinkWriter<number, Txn> {
  static seq = 0;
  readonly #buffers = new Map<string, number[]>();
  constructor(ctx: SinkWriterContext) {
    super(ctx);
  }
  protected beginTransaction(): Txn {
    const name = `${this.context.subtaskIndex}-${this.lastCheckpointId}-${FlakyStagingWriter.seq++}`;
    this.#buffers.set(name, []);
    return { name };
  }
  protected invoke(txn: Txn, value: number): void {
    this.#buffers.get(txn.name)!.push(value);
  }
  protected async preCommit(txn: Txn): Promise<void> {
    const lines = this.#buffers.get(txn.name) ?? [];
    this.#buffers.delete(txn.name);
    await new Promise((r) => setTimeout(r, 1));
    if (!failedOnce && commits > 0 && lines.length > 0) {
      failedOnce = true;
      throw new Error('EIO: staging write failed');
    }
    durable.set(txn.name, lines);
  }
  protected async commit(txn: Txn): Promise<void> {
    const lines = durable.get(txn.name);
    if (lines !== undefined) {
      committed.push(...lines);
      durable.delete(txn.name);
    }
    commits++;
  }
  protected async abort(txn: Txn): Promise<void> {
    this.#buffers.delete(txn.name);
    durable.delete(txn.name);
  }
  protected async abortLingering(): Promise<void> {}
}

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('a failed pre-commit', () => {
  it('never loses the records of its transaction', async () => {
    const env = quietEnv(1);
    env.enableCheckpointing(20, { storage: await dirs.make(), tolerableFailures: 3 });
    env.setRestartStrategy(fixedDelay({ attempts: 3, delay: 10 }));
    const sink: Sink<number> = { createWriter: (ctx) => new FlakyStagingWriter(ctx) };
    env.fromSource(generatorSource({ count: COUNT, generate: (i) => i, ratePerSecond: 40_000 })).uid('src').sinkTo(sink).uid('sink');
    const result = await env.execute('precommit-failure');
    expect(failedOnce).toBe(true);
    expect(result.status).toBe('finished');
    const distinct = new Set(committed);
    expect(COUNT - distinct.size, 'records lost').toBe(0);
    expect(committed.length - distinct.size, 'records duplicated').toBe(0);
  });
});
