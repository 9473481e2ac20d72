import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findLatestRestorable } from '../recovery.ts';
import type { CheckpointMetadata, StreamStateHandle } from '../types.ts';
import { type CheckpointLocation, type CheckpointStorage, CorruptStateError } from './checkpoint-storage.ts';

/**
 * The behaviour every {@link CheckpointStorage} owes the coordinator and recovery, as a reusable
 * vitest suite. A storage's test file calls {@link checkpointStorageContract} with a factory that
 * builds a fresh, empty storage and the storage-specific means to damage it; the assertions only use
 * the interface, so the file system and Redis storages are held to the same contract.
 */

/** What a contract run needs from the storage under test. */
export interface CheckpointStorageFixture {
  readonly storage: CheckpointStorage;
  /** Blobs smaller than this come back inlined; 0 when the storage never inlines. */
  readonly inlineThreshold: number;
  /** A `targetDir` for `createSavepointLocation` that is outside the job's checkpoints. */
  readonly savepointTarget: string;
  /** Damages the stored bytes of a (non-inline) handle: cut off its last byte, or flip one bit. */
  damage(location: CheckpointLocation, handle: StreamStateHandle, how: 'truncate' | 'flip'): Promise<void>;
  /** Deletes a checkpoint's metadata, as a crash before `finalize` would have left it. */
  removeMetadata(location: CheckpointLocation): Promise<void>;
  /** Removes everything the fixture created. */
  cleanup(): Promise<void>;
}

/** Registers the contract suite for one storage implementation. */
export function checkpointStorageContract(name: string, make: () => Promise<CheckpointStorageFixture>): void {
  describe(`${name} (CheckpointStorage contract)`, () => {
    let fixture: CheckpointStorageFixture;
    let storage: CheckpointStorage;

    beforeEach(async () => {
      fixture = await make();
      storage = fixture.storage;
      await storage.initialize();
    });

    afterEach(async () => {
      await storage.close();
      await fixture.cleanup();
    });

    /** Size of a blob that must go to its own file (at least 1 KiB so damage has room). */
    const fileSize = (): number => Math.max(fixture.inlineThreshold, 1024);

    async function completeCheckpoint(id: number, sizes: readonly number[] = [fileSize()]): Promise<CheckpointLocation> {
      const location = await storage.createCheckpointLocation(id);
      const handles = await Promise.all(sizes.map((size, i) => storage.writeState(location, `op-${i}`, blob(size, id))));
      await storage.finalize(location, metadataFor(id, handles));
      return location;
    }

    it('writes, replaces, reads and deletes job records beside the checkpoints, which list() never shows', async () => {
      if (storage.writeJobRecord === undefined || storage.readJobRecord === undefined) return;
      expect(await storage.readJobRecord('restored-from')).toBeUndefined();
      await storage.writeJobRecord('restored-from', new TextEncoder().encode('one'));
      await storage.writeJobRecord('restored-from', new TextEncoder().encode('two'));
      expect(new TextDecoder().decode(await storage.readJobRecord('restored-from'))).toBe('two');
      expect(await storage.list()).toEqual([]);
      await storage.writeJobRecord('restored-from', undefined);
      expect(await storage.readJobRecord('restored-from')).toBeUndefined();
    });

    it('lists nothing for a new job', async () => {
      expect(await storage.list()).toEqual([]);
    });

    it('initializes idempotently', async () => {
      await storage.initialize();
      expect(await storage.list()).toEqual([]);
    });

    it('reads back the bytes of a blob written to its own location', async () => {
      const location = await storage.createCheckpointLocation(1);
      const bytes = blob(fileSize(), 1);
      const handle = await storage.writeState(location, 'op-a-0-keyed', bytes);
      expect(handle.inline).toBeUndefined();
      expect(handle.path).not.toBe('');
      expect(handle.size).toBe(bytes.byteLength);
      expect(handle.checksum).toBe(hex(crc32(bytes)));
      expect(await storage.readState(location, handle)).toEqual(bytes);
    });

    it('inlines a blob just below the threshold and reads it back', async (context) => {
      if (fixture.inlineThreshold === 0) context.skip();
      const location = await storage.createCheckpointLocation(1);
      const bytes = blob(fixture.inlineThreshold - 1, 2);
      const handle = await storage.writeState(location, 'small', bytes);
      expect(handle).toMatchObject({ path: '', size: bytes.byteLength, checksum: hex(crc32(bytes)) });
      expect(handle.inline).toEqual(bytes);
      expect(await storage.readState(location, handle)).toEqual(bytes);
    });

    it('does not inline a blob of exactly the threshold', async () => {
      const location = await storage.createCheckpointLocation(1);
      const handle = await storage.writeState(location, 'edge', blob(fixture.inlineThreshold, 3));
      expect(handle.inline).toBeUndefined();
      expect(await storage.readState(location, handle)).toEqual(blob(fixture.inlineThreshold, 3));
    });

    it('keeps an inlined handle independent of the buffer the caller reuses', async (context) => {
      if (fixture.inlineThreshold < 2) context.skip();
      const location = await storage.createCheckpointLocation(1);
      const bytes = blob(1, 4);
      const handle = await storage.writeState(location, 'reused', bytes);
      bytes[0] ^= 0xff;
      expect(await storage.readState(location, handle)).toEqual(blob(1, 4));
    });

    it('rejects state names that are not a single safe path segment', async () => {
      const location = await storage.createCheckpointLocation(1);
      for (const bad of ['', '../escape', 'a/b', '.hidden', '_metadata', 'x\u0000y']) {
        await expect(storage.writeState(location, bad, blob(fileSize(), 5)), bad).rejects.toThrow();
      }
    });

    it('detects a truncated blob with a CorruptStateError', async () => {
      const location = await storage.createCheckpointLocation(1);
      const handle = await storage.writeState(location, 'op', blob(fileSize(), 6));
      await fixture.damage(location, handle, 'truncate');
      await expect(storage.readState(location, handle)).rejects.toBeInstanceOf(CorruptStateError);
    });

    it('detects a flipped bit through the checksum', async () => {
      const location = await storage.createCheckpointLocation(1);
      const handle = await storage.writeState(location, 'op', blob(fileSize(), 7));
      await fixture.damage(location, handle, 'flip');
      const error = await storage.readState(location, handle).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(CorruptStateError);
      expect((error as Error).message).toMatch(/checksum/);
    });

    it('detects damaged inline bytes through the checksum', async (context) => {
      if (fixture.inlineThreshold < 2) context.skip();
      const location = await storage.createCheckpointLocation(1);
      const handle = await storage.writeState(location, 'small', blob(1, 8));
      const inline = new Uint8Array(handle.inline ?? []);
      inline[0] ^= 0x01;
      await expect(storage.readState(location, { ...handle, inline })).rejects.toBeInstanceOf(CorruptStateError);
    });

    it('reports a handle whose bytes are gone as a CorruptStateError', async () => {
      const location = await storage.createCheckpointLocation(1);
      const handle = { path: 'never-written', size: 3, checksum: '00000000' };
      await expect(storage.readState(location, handle)).rejects.toBeInstanceOf(CorruptStateError);
    });

    it('round-trips metadata, inline bytes included as Uint8Array', async () => {
      const location = await storage.createCheckpointLocation(3);
      const handles = [
        await storage.writeState(location, 'keyed', blob(fileSize(), 9)),
        await storage.writeState(location, 'list', blob(Math.max(0, fixture.inlineThreshold - 1), 10)),
      ];
      const metadata = metadataFor(3, handles);
      await storage.finalize(location, metadata);
      const read = await storage.readMetadata(location);
      expect(read).toEqual(metadata);
      const inline = read.operators[0].subtasks[1]?.operator?.handle.inline;
      if (fixture.inlineThreshold > 0) expect(Object.getPrototypeOf(inline)).toBe(Uint8Array.prototype);
      for (const handle of handles) expect(await storage.readState(location, handle)).toBeDefined();
    });

    it('refuses to finalize with the metadata of another checkpoint', async () => {
      const location = await storage.createCheckpointLocation(4);
      await expect(storage.finalize(location, metadataFor(5, []))).rejects.toThrow();
      expect((await storage.list()).map((e) => e.hasMetadata)).toEqual([false]);
    });

    it('lists a checkpoint without metadata as incomplete and never restores it', async () => {
      await completeCheckpoint(1);
      const pending = await storage.createCheckpointLocation(2);
      await storage.writeState(pending, 'op-0', blob(fileSize(), 2));
      expect((await storage.list()).map((e) => [e.checkpointId, e.hasMetadata])).toEqual([
        [1, true],
        [2, false],
      ]);
      await expect(storage.readMetadata(pending)).rejects.toBeInstanceOf(CorruptStateError);
      expect((await findLatestRestorable(storage))?.checkpointId).toBe(1);
    });

    it('treats a checkpoint whose metadata was removed as incomplete', async () => {
      const location = await completeCheckpoint(1);
      await fixture.removeMetadata(location);
      expect(await storage.list()).toEqual([{ checkpointId: 1, location, hasMetadata: false }]);
      expect(await findLatestRestorable(storage)).toBeUndefined();
    });

    it('lists checkpoints in ascending id order whatever the order they were written in', async () => {
      for (const id of [10, 2, 7, 100, 9]) await completeCheckpoint(id);
      const listing = await storage.list();
      expect(listing.map((e) => e.checkpointId)).toEqual([2, 7, 9, 10, 100]);
      expect(listing.every((e) => e.hasMetadata && e.location.kind === 'checkpoint')).toBe(true);
    });

    it('resolves the pointer of a listed checkpoint back to its location', async () => {
      const location = await completeCheckpoint(6);
      expect(await storage.resolve(location.pointer)).toEqual(location);
      expect((await storage.readMetadata(await storage.resolve(location.pointer))).checkpointId).toBe(6);
    });

    it('rejects a pointer that names no checkpoint', async () => {
      const location = await completeCheckpoint(6);
      await expect(storage.resolve(`${location.pointer}-nope`)).rejects.toThrow();
    });

    it('discards a checkpoint idempotently', async () => {
      const kept = await completeCheckpoint(1);
      const gone = await completeCheckpoint(2);
      await storage.discard(gone);
      await storage.discard(gone);
      expect(await storage.list()).toEqual([{ checkpointId: 1, location: kept, hasMetadata: true }]);
      await expect(storage.readMetadata(gone)).rejects.toBeInstanceOf(CorruptStateError);
    });

    it('discards a checkpoint that never completed', async () => {
      const pending = await storage.createCheckpointLocation(1);
      await storage.writeState(pending, 'op-0', blob(fileSize(), 1));
      await storage.discard(pending);
      expect(await storage.list()).toEqual([]);
    });

    it('keeps savepoints apart: never listed, resolvable, distinct per call', async () => {
      await completeCheckpoint(1);
      const savepoint = await storage.createSavepointLocation(2, fixture.savepointTarget);
      const other = await storage.createSavepointLocation(2, fixture.savepointTarget);
      expect(savepoint.kind).toBe('savepoint');
      expect(other.pointer).not.toBe(savepoint.pointer);
      const handle = await storage.writeState(savepoint, 'op-0', blob(fileSize(), 2));
      await storage.finalize(savepoint, { ...metadataFor(2, [handle]), kind: 'savepoint' });

      expect((await storage.list()).map((e) => e.checkpointId)).toEqual([1]);
      const resolved = await storage.resolve(savepoint.pointer);
      expect(resolved).toEqual(savepoint);
      expect((await storage.readMetadata(resolved)).kind).toBe('savepoint');
      expect(await storage.readState(resolved, handle)).toEqual(blob(fileSize(), 2));
      await storage.discard(savepoint);
      await storage.discard(other);
    });
  });
}

/** Deterministic bytes: a different pattern per seed, so a mixed-up blob is caught. */
export function blob(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 17) & 0xff;
  return bytes;
}

/** Metadata of one operator with `handles.length` subtasks: keyed state on even, operator state on odd. */
export function metadataFor(checkpointId: number, handles: readonly StreamStateHandle[]): CheckpointMetadata {
  return {
    version: 1,
    jobName: 'contract',
    checkpointId,
    triggeredAt: 1_700_000_000_000 + checkpointId,
    completedAt: 1_700_000_000_500 + checkpointId,
    kind: 'checkpoint',
    operators: [
      {
        uid: 'op',
        name: 'Op',
        parallelism: Math.max(1, handles.length),
        maxParallelism: 128,
        subtasks: handles.map((handle, i) =>
          i % 2 === 0
            ? { keyed: { range: { start: i * 10, end: i * 10 + 1 }, offsets: [0, Math.min(1, handle.size)], handle } }
            : { operator: { lists: { splits: 2 }, handle } },
        ),
      },
    ],
  };
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
