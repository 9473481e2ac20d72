import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { CheckpointMetadata } from '../types.ts';
import { CorruptStateError } from './checkpoint-storage.ts';
import { metadataFor } from './checkpoint-storage.contract.ts';
import { decodeMetadata, encodeMetadata } from './metadata-serializer.ts';

const POINTER = '/ckpt/job/chk-3/_metadata';

const inlineMetadata = (): CheckpointMetadata =>
  metadataFor(3, [
    { path: 'op-0', size: 2, checksum: '0000beef' },
    { path: '', size: 3, checksum: '01234567', inline: new Uint8Array([1, 2, 3]) },
  ]);

/**
 * Frames an arbitrary value with a valid header (magic 8 bytes + version 1 byte, then the body's
 * CRC-32 in 4), so that only the shape check can reject it.
 */
function framed(value: unknown): Uint8Array {
  const magicAndVersion = encodeMetadata(inlineMetadata()).subarray(0, 9);
  const body = new Packr({ useRecords: false, moreTypes: true }).pack(value);
  const out = new Uint8Array(13 + body.byteLength);
  out.set(magicAndVersion);
  new DataView(out.buffer).setUint32(9, crc32(body));
  out.set(body, 13);
  return out;
}

function corruptMessage(bytes: Uint8Array): string {
  try {
    decodeMetadata(bytes, POINTER);
  } catch (err) {
    expect(err).toBeInstanceOf(CorruptStateError);
    expect((err as CorruptStateError).pointer).toBe(POINTER);
    return (err as Error).message;
  }
  throw new Error('decoded without error');
}

describe('metadata serializer', () => {
  it('round-trips metadata, inline bytes as a plain Uint8Array', () => {
    const decoded = decodeMetadata(encodeMetadata(inlineMetadata()), POINTER);
    expect(decoded).toEqual(inlineMetadata());
    const inline = decoded.operators[0].subtasks[1]?.operator?.handle.inline;
    expect(Object.getPrototypeOf(inline)).toBe(Uint8Array.prototype);
  });

  it('rejects bytes without the magic header, naming the pointer', () => {
    expect(corruptMessage(new TextEncoder().encode('{"version":1}'))).toMatch(`${POINTER} is corrupt: not a Weir metadata file`);
    expect(corruptMessage(new Uint8Array())).toMatch(/bad magic/);
  });

  it('rejects an unknown format version', () => {
    const bytes = encodeMetadata(inlineMetadata());
    bytes[8] = 2;
    expect(corruptMessage(bytes)).toMatch(/unsupported format version 2/);
  });

  it('rejects a flipped bit in the body through its checksum', () => {
    const bytes = encodeMetadata(inlineMetadata());
    bytes[bytes.length - 5] ^= 0x01;
    expect(corruptMessage(bytes)).toMatch(/checksum mismatch/);
  });

  it('rejects a truncated file', () => {
    const bytes = encodeMetadata(inlineMetadata());
    expect(corruptMessage(bytes.subarray(0, bytes.length - 1))).toMatch(/checksum mismatch/);
  });

  it('rejects a body of the wrong shape, naming the field', () => {
    const good = inlineMetadata();
    expect(corruptMessage(framed({ ...good, version: 2 }))).toMatch(/version: expected 1, got 2/);
    expect(corruptMessage(framed({ ...good, checkpointId: '3' }))).toMatch(/checkpointId: expected an integer ≥ 1, got "3"/);
    expect(corruptMessage(framed({ ...good, kind: 'other' }))).toMatch(/kind/);
    expect(corruptMessage(framed({ ...good, operators: {} }))).toMatch(/operators: expected an array/);
    const op = good.operators[0];
    const handle = { path: 'x', size: -1, checksum: '00000000' };
    expect(corruptMessage(framed({ ...good, operators: [{ ...op, subtasks: [{ operator: { lists: {}, handle } }] }] }))).toMatch(
      /operators\[0\]\.subtasks\[0\]\.operator\.handle\.size: expected an integer ≥ 0, got -1/,
    );
    const badChecksum = { ...handle, size: 1, checksum: 'ABCDEF01' };
    expect(corruptMessage(framed({ ...good, operators: [{ ...op, subtasks: [{ operator: { lists: {}, handle: badChecksum } }] }] }))).toMatch(
      /checksum: expected 8 lowercase hex digits/,
    );
    expect(corruptMessage(framed('just a string'))).toMatch(/metadata: expected an object/);
  });

  it('rejects keyed state whose offsets do not cover its key group range', () => {
    const good = inlineMetadata();
    const op = good.operators[0];
    const handle = { path: 'x', size: 10, checksum: '00000000' };
    const keyed = { range: { start: 0, end: 2 }, offsets: [0, 5], handle };
    expect(corruptMessage(framed({ ...good, operators: [{ ...op, subtasks: [{ keyed }] }] }))).toMatch(/offsets: expected 3 offsets, got 2/);
  });
});
