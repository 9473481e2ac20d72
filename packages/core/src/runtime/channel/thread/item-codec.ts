import { Packr } from 'msgpackr';
import type { CheckpointLocation } from '../../../checkpoint/storage/checkpoint-storage.ts';
import type { Key } from '../../../state/key.ts';
import {
  BARRIER,
  BATCH,
  Batch,
  CheckpointBarrier,
  END_OF_STREAM,
  END_OF_STREAM_EVENT,
  WATERMARK,
  WATERMARK_ACTIVE,
  WATERMARK_IDLE,
  WATERMARK_STATUS,
  Watermark,
  type ChannelItem,
} from '../../events.ts';

/**
 * How channel items cross a thread: msgpackr with records (a batch's object shapes are written
 * once per batch, not per record), one message per item, in channel order. A batch is
 * `[BATCH, records, keys, keyGroups, timestamps]` (the key groups as an Int32Array, the event
 * times as the batch's Float64Array or null: typed arrays travel as their bytes); an event is `[kind, ...its fields]`.
 *
 * Every item kind of `events.ts` must be handled here: a new event class needs a case in both
 * functions, or it cannot cross a thread (the error says so).
 */
const packr = new Packr({ useRecords: true, moreTypes: true });

export function encodeItem(item: ChannelItem): Uint8Array {
  switch (item.kind) {
    case BATCH:
      return packr.pack([BATCH, item.records, item.keys, item.keyGroups === null ? null : Int32Array.from(item.keyGroups), item.timestamps]);
    case BARRIER:
      return packr.pack([BARRIER, item.checkpointId, item.timestamp, item.checkpointKind, item.location]);
    case WATERMARK:
      return packr.pack([WATERMARK, item.timestamp]);
    case WATERMARK_STATUS:
      return packr.pack([WATERMARK_STATUS, item.idle]);
    case END_OF_STREAM:
      return packr.pack([END_OF_STREAM]);
    default:
      throw new Error(`channel item kind ${(item as { kind: number }).kind} cannot cross a thread: add it to item-codec.ts`);
  }
}

export function decodeItem(bytes: Uint8Array): ChannelItem {
  const m = packr.unpack(bytes) as unknown[];
  switch (m[0]) {
    case BATCH: {
      const groups = m[3] as Int32Array | null;
      return new Batch(m[1] as unknown[], m[2] as Key[] | null, groups === null ? null : Array.from(groups), (m[4] as Float64Array | null | undefined) ?? null);
    }
    case BARRIER:
      return new CheckpointBarrier(m[1] as number, m[2] as number, m[3] as 'checkpoint' | 'savepoint', m[4] as CheckpointLocation);
    case WATERMARK:
      return new Watermark(m[1] as number);
    case WATERMARK_STATUS:
      return m[1] === true ? WATERMARK_IDLE : WATERMARK_ACTIVE;
    case END_OF_STREAM:
      return END_OF_STREAM_EVENT;
    default:
      throw new Error(`a channel item of unknown kind ${String(m[0])} arrived from another thread`);
  }
}
