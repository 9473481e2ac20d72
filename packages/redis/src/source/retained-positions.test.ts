import { describe, expect, it } from 'vitest';
import { RetainedPositions } from './retained-positions.ts';
import { compareStreamIds, nextStreamId } from './stream-ids.ts';

const at = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('RetainedPositions', () => {
  it('releases a split only up to the lowest position of the retained complete checkpoints', () => {
    const r = new RetainedPositions<number>(2, (a, b) => a - b);
    r.snapshotted(1, at({ a: 3 }));
    r.snapshotted(2, at({ a: 6 }));
    expect(r.completed(1)?.releasable).toEqual(at({ a: 3 }));
    expect(r.completed(2)?.releasable).toEqual(at({ a: 3 }));
    r.snapshotted(3, at({ a: 9 }));
    expect(r.completed(3)).toEqual({ committed: at({ a: 9 }), releasable: at({ a: 6 }) });
  });

  it('counts the restored positions as a retained checkpoint', () => {
    const r = new RetainedPositions<number>(2, (a, b) => a - b, at({ a: 2 }));
    r.snapshotted(7, at({ a: 5 }));
    expect(r.completed(7)?.releasable).toEqual(at({ a: 2 }));
  });

  it('releases nothing of a split a retained checkpoint does not hold', () => {
    const r = new RetainedPositions<number>(2, (a, b) => a - b, at({ a: 2 }));
    r.snapshotted(1, at({ a: 4, b: 10 }));
    expect(r.completed(1)?.releasable).toEqual(at({ a: 2 }));
  });

  it('forgets aborted and subsumed snapshots, and ignores checkpoints it never snapshotted', () => {
    const r = new RetainedPositions<number>(1, (a, b) => a - b);
    r.snapshotted(1, at({ a: 1 }));
    r.snapshotted(2, at({ a: 2 }));
    r.snapshotted(3, at({ a: 3 }));
    r.aborted(3);
    expect(r.completed(3)).toBeUndefined();
    expect(r.completed(2)?.releasable).toEqual(at({ a: 2 }));
    expect(r.completed(1)).toBeUndefined(); // subsumed by 2
    expect(r.completed(99)).toBeUndefined();
  });
});

describe('stream ids', () => {
  it('compare numerically by time then sequence, and step to the next id', () => {
    expect(compareStreamIds('10-0', '9-5')).toBe(1);
    expect(compareStreamIds('5-2', '5-10')).toBe(-1);
    expect(compareStreamIds('5-2', '5-2')).toBe(0);
    expect(nextStreamId('5-2')).toBe('5-3');
    expect(nextStreamId('5-18446744073709551615')).toBe('6-0');
    expect(compareStreamIds('18446744073709551615-0', '9007199254740993-0')).toBe(1);
  });
});
