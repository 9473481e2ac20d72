/**
 * Restoring at another parallelism: keyed state moves by key group, so a keyed count goes on
 * exactly across runs at parallelism 1, 3 and 2. State is matched by uid, and the number of key
 * groups (maxParallelism) cannot change.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { collectSink, HeapStateBackend, JobExecutionError, RestoreError } from '@weir/core';
import { CountPerKey, lastCountPerKey, quietEnv, rejectionOf, tempDirs, type Counted, type Keyed } from '../support/checkpoint-jobs.ts';

const JOB = 'rescale';
const KEYS = 30;
/** Record indices of each phase: every phase has records of every key. */
const PHASES = [
  { from: 0, to: 3_000 },
  { from: 3_000, to: 7_000 },
  { from: 7_000, to: 9_000 },
];

const records = (from: number, to: number): Keyed[] => Array.from({ length: to - from }, (_, j) => ({ k: `k${(from + j) % KEYS}`, i: from + j }));

/**
 * One phase: a bounded collection of the phase's records (a source uid of its own, so that the
 * previous phase's source position is dropped, not restored) into the keyed count with uid 'count'.
 * A bounded job ends with a final checkpoint, which the next phase restores.
 */
async function runPhase(
  storage: string,
  phase: number,
  parallelism: number,
  options: { allowNonRestoredState?: boolean; maxParallelism?: number; sourceUid?: string; columnsFrom?: number } = {},
): Promise<Counted[]> {
  const env = quietEnv(parallelism);
  if (options.columnsFrom !== undefined) env.setStateBackend(new HeapStateBackend({ columnsFrom: options.columnsFrom }));
  if (options.maxParallelism !== undefined) env.setMaxParallelism(options.maxParallelism);
  env.enableCheckpointing(20, { storage, allowNonRestoredState: options.allowNonRestoredState ?? phase > 0 });
  const out = collectSink<Counted>();
  const { from, to } = PHASES[phase];
  env
    .fromCollection(records(from, to))
    .uid(options.sourceUid ?? `source-phase-${phase}`)
    .keyBy((r) => r.k)
    .process(new CountPerKey())
    .uid('count')
    .sinkTo(out)
    .uid('sink');
  await env.execute(JOB);
  return out.values;
}

/** Record i is the (i div KEYS + 1)-th record of its key: indices are contiguous over the phases. */
function wrongCounts(out: readonly Counted[]): Counted[] {
  return out.filter((o) => o.n !== Math.floor(o.i / KEYS) + 1 || o.k !== `k${o.i % KEYS}`);
}

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('restoring keyed state at another parallelism', () => {
  it.each([
    { state: 'objects', columnsFrom: Infinity },
    { state: 'columns', columnsFrom: 0 },
  ])('keeps every key’s count across parallelism 1, then 3, then 2 (state as $state)', async ({ columnsFrom }) => {
    const storage = await dirs.make();
    const totals: number[] = [];
    for (const [phase, parallelism] of [1, 3, 2].entries()) {
      const out = await runPhase(storage, phase, parallelism, { columnsFrom });
      expect(out.map((o) => o.i).sort((a, b) => a - b)).toEqual(records(PHASES[phase].from, PHASES[phase].to).map((r) => r.i));
      expect(wrongCounts(out), `phase ${phase} at parallelism ${parallelism}`).toEqual([]);
      const last = lastCountPerKey(out);
      expect(last.size).toBe(KEYS);
      totals.push(...last.values());
    }
    // After the last phase every key has counted all of its records of all phases.
    expect(totals.slice(-KEYS)).toEqual(new Array(KEYS).fill(PHASES[2].to / KEYS));
  });

  it('fails with RestoreError when the checkpoint has state for a uid the job does not have, unless allowed', async () => {
    const storage = await dirs.make();
    await runPhase(storage, 0, 2);

    const error = await rejectionOf(runPhase(storage, 1, 2, { allowNonRestoredState: false }));
    expect(error).toBeInstanceOf(JobExecutionError);
    expect(error.cause).toBeInstanceOf(RestoreError);
    expect((error.cause as Error).message).toMatch(/state for operator uid 'source-phase-0'.*allowNonRestoredState/);

    // The refused restore left the checkpoint alone: allowing it restores the counts.
    const out = await runPhase(storage, 1, 3, { allowNonRestoredState: true });
    expect(wrongCounts(out)).toEqual([]);
  });

  it('fails with a clear RestoreError when maxParallelism changed', async () => {
    const storage = await dirs.make();
    await runPhase(storage, 0, 2);

    const error = await rejectionOf(runPhase(storage, 1, 2, { maxParallelism: 64 }));
    expect(error).toBeInstanceOf(JobExecutionError);
    expect(error.cause).toBeInstanceOf(RestoreError);
    expect((error.cause as Error).message).toMatch(
      /uid 'count'.*checkpointed with maxParallelism 128 and now has 64.*set maxParallelism back to 128/,
    );
  });
});
