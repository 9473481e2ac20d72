import { describe, expect, it } from 'vitest';
import { BARRIER, BATCH, Batch, CheckpointBarrier, END_OF_STREAM, END_OF_STREAM_EVENT, WATERMARK, WATERMARK_ACTIVE, WATERMARK_IDLE, WATERMARK_STATUS, Watermark, type ChannelItem } from '../../events.ts';
import { decodeItem, encodeItem } from './item-codec.ts';

const roundTrip = (item: ChannelItem): ChannelItem => decodeItem(encodeItem(item));

describe('item codec', () => {
  it('carries a batch with its keys, key groups and event times', () => {
    const times = new Float64Array([1, Number.NaN, 1_700_000_000_000.5]);
    const got = roundTrip(new Batch([{ a: 1 }, 'x', [2, 3]], ['k1', 7, 'k3'], [0, 5, 127], times));
    expect(got.kind).toBe(BATCH);
    const b = got as Batch;
    expect(b.records).toEqual([{ a: 1 }, 'x', [2, 3]]);
    expect(b.keys).toEqual(['k1', 7, 'k3']);
    expect(b.keyGroups).toEqual([0, 5, 127]);
    expect(b.timestamps).toBeInstanceOf(Float64Array);
    expect(Array.from(b.timestamps!)).toEqual([1, Number.NaN, 1_700_000_000_000.5]);
  });

  it('carries a batch without keys or event times as such', () => {
    const b = roundTrip(new Batch([1, 2], null, null)) as Batch;
    expect(b).toMatchObject({ records: [1, 2], keys: null, keyGroups: null, timestamps: null });
  });

  it('carries every control event', () => {
    const barrier = roundTrip(new CheckpointBarrier(7, 123, 'savepoint', { checkpointId: 7, path: '/x' } as never)) as CheckpointBarrier;
    expect(barrier).toMatchObject({ kind: BARRIER, checkpointId: 7, timestamp: 123, checkpointKind: 'savepoint' });
    expect(roundTrip(new Watermark(42))).toMatchObject({ kind: WATERMARK, timestamp: 42 });
    expect(roundTrip(new Watermark(Number.POSITIVE_INFINITY))).toMatchObject({ kind: WATERMARK, timestamp: Number.POSITIVE_INFINITY });
    expect(roundTrip(WATERMARK_IDLE)).toBe(WATERMARK_IDLE);
    expect(roundTrip(WATERMARK_ACTIVE)).toBe(WATERMARK_ACTIVE);
    expect(roundTrip(WATERMARK_IDLE).kind).toBe(WATERMARK_STATUS);
    expect(roundTrip(END_OF_STREAM_EVENT)).toBe(END_OF_STREAM_EVENT);
    expect(roundTrip(END_OF_STREAM_EVENT).kind).toBe(END_OF_STREAM);
  });
});
