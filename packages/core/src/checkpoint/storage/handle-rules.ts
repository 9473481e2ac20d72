import type { CheckpointMetadata, StreamStateHandle } from '../types.ts';
import { CorruptStateError, type CheckpointLocation } from './checkpoint-storage.ts';
import { checksumOf } from './checksum.ts';
import { isSafeStateName } from './paths.ts';

/**
 * Rules every CheckpointStorage applies the same way, whatever it writes to: which names a state
 * handle may have, when bytes are inlined into the metadata instead of written, and which
 * metadata may finalize which location.
 */

/** Throws unless `name` may name a state handle (a safe name, never `_metadata`). */
export function assertStateName(name: string): void {
  if (!isSafeStateName(name)) {
    throw new RangeError(`state name must be a safe name ([A-Za-z0-9_][A-Za-z0-9._-]*) other than _metadata, got ${JSON.stringify(name)}`);
  }
}

/**
 * The handle of `bytes` when they are small enough to travel inside the metadata (below
 * `threshold`), else undefined: the storage writes them and makes a handle with {@link fileHandle}.
 */
export function inlineHandle(bytes: Uint8Array, threshold: number): StreamStateHandle | undefined {
  if (bytes.byteLength >= threshold) return undefined;
  // A copy: the caller may reuse its buffer after the handle is made.
  return { path: '', size: bytes.byteLength, checksum: checksumOf(bytes), inline: new Uint8Array(bytes) };
}

/** The handle of bytes written under `name`. */
export function fileHandle(name: string, bytes: Uint8Array): StreamStateHandle {
  return { path: name, size: bytes.byteLength, checksum: checksumOf(bytes) };
}

/** Throws unless `metadata` belongs at `location` (same id, same kind). */
export function assertMetadataFits(location: CheckpointLocation, metadata: CheckpointMetadata): void {
  if (metadata.checkpointId !== location.checkpointId || metadata.kind !== location.kind) {
    throw new Error(`metadata of ${metadata.kind} ${metadata.checkpointId} cannot finalize ${location.kind} ${location.checkpointId}`);
  }
}

/** Throws CorruptStateError naming `what` unless `bytes` have the handle's size and checksum. */
export function verifyHandleBytes(what: string, pointer: string, handle: StreamStateHandle, bytes: Uint8Array): void {
  if (bytes.byteLength !== handle.size) {
    throw new CorruptStateError(`${what}: size mismatch, expected ${handle.size} bytes, actual ${bytes.byteLength}`, pointer);
  }
  const actual = checksumOf(bytes);
  if (actual !== handle.checksum) {
    throw new CorruptStateError(`${what}: checksum mismatch, expected ${handle.checksum}, actual ${actual}`, pointer);
  }
}
