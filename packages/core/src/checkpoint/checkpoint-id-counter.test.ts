import { describe, expect, it } from 'vitest';
import { CheckpointIdCounter, nextCheckpointId } from './checkpoint-id-counter.ts';
import type { CheckpointListing } from './storage/checkpoint-storage.ts';

const entry = (checkpointId: number, hasMetadata: boolean): CheckpointListing => ({
  checkpointId,
  hasMetadata,
  location: { checkpointId, kind: 'checkpoint', pointer: `chk-${checkpointId}` },
});

describe('nextCheckpointId', () => {
  it('starts a job with nothing on storage at 1', () => {
    expect(nextCheckpointId([])).toBe(1);
  });

  it('continues after the largest id on storage, complete or not', () => {
    expect(nextCheckpointId([entry(3, true), entry(9, false), entry(5, true)])).toBe(10);
  });

  it('continues after the restored checkpoint when it is newer than anything listed', () => {
    expect(nextCheckpointId([entry(3, true)], 40)).toBe(41);
    expect(nextCheckpointId([entry(50, false)], 40)).toBe(51);
  });
});

describe('CheckpointIdCounter', () => {
  it('hands out increasing ids from its seed', () => {
    const counter = CheckpointIdCounter.fromListing([entry(7, true)]);
    expect(counter.get()).toBe(8);
    expect([counter.getAndIncrement(), counter.getAndIncrement(), counter.get()]).toEqual([8, 9, 10]);
  });

  it('never repeats an id across a restart that re-reads the listing', () => {
    const before = new CheckpointIdCounter();
    const listing = [before.getAndIncrement(), before.getAndIncrement()].map((id) => entry(id, id === 1));
    expect(CheckpointIdCounter.fromListing(listing).getAndIncrement()).toBe(3);
  });

  it('rejects a seed that is not a checkpoint id', () => {
    for (const bad of [0, -3, 2.5]) expect(() => new CheckpointIdCounter(bad)).toThrow(RangeError);
  });
});
