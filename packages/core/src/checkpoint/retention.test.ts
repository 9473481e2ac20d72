import { describe, expect, it } from 'vitest';
import { incompleteToClean, subsumed } from './retention.ts';
import type { CheckpointListing } from './storage/checkpoint-storage.ts';

const ids = (xs: readonly { checkpointId: number }[]): number[] => xs.map((x) => x.checkpointId);
const cp = (checkpointId: number) => ({ checkpointId });
const entry = (checkpointId: number, hasMetadata: boolean): CheckpointListing => ({
  checkpointId,
  hasMetadata,
  location: { checkpointId, kind: 'checkpoint', pointer: `chk-${checkpointId}` },
});

describe('subsumed', () => {
  it('drops everything but the newest retained checkpoints, oldest first', () => {
    expect(ids(subsumed([1, 2, 3, 4, 5].map(cp), 2))).toEqual([1, 2, 3]);
  });

  it('drops nothing while there are at most retained checkpoints', () => {
    expect(subsumed([1, 2].map(cp), 2)).toEqual([]);
    expect(subsumed([], 1)).toEqual([]);
  });

  it('orders by checkpoint id, not by position in the input', () => {
    expect(ids(subsumed([7, 3, 9, 1].map(cp), 2))).toEqual([1, 3]);
  });

  it('never drops the newest checkpoint', () => {
    expect(ids(subsumed([4, 5, 6].map(cp), 1))).toEqual([4, 5]);
  });

  it('rejects a retained count below 1 or not an integer, naming the option', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => subsumed([], bad)).toThrow(/retained/);
  });
});

describe('incompleteToClean', () => {
  it('returns checkpoints without metadata that are not in progress', () => {
    const listing = [entry(1, true), entry(2, false), entry(3, true), entry(4, false), entry(5, false)];
    expect(ids(incompleteToClean(listing, [5]))).toEqual([2, 4]);
  });

  it('never returns a checkpoint with metadata, in progress or not', () => {
    expect(incompleteToClean([entry(1, true)], new Set([1]))).toEqual([]);
    expect(incompleteToClean([entry(1, true)], [])).toEqual([]);
  });
});
