import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findLatestRestorable } from '../recovery.ts';
import type { StreamStateHandle } from '../types.ts';
import { type CheckpointLocation, CorruptStateError } from './checkpoint-storage.ts';
import { type CheckpointStorageFixture, blob, checkpointStorageContract, metadataFor } from './checkpoint-storage.contract.ts';
import { DEFAULT_INLINE_THRESHOLD, FsCheckpointStorage } from './fs-checkpoint-storage.ts';
import { encodeMetadata } from './metadata-serializer.ts';
import { METADATA_FILE_NAME, tempFileName } from './paths.ts';

/** Damages the file behind a handle: the fs half of the contract fixture. */
async function damageFile(location: CheckpointLocation, handle: StreamStateHandle, how: 'truncate' | 'flip'): Promise<void> {
  const file = path.join(location.pointer, handle.path);
  if (how === 'truncate') {
    await truncate(file, handle.size - 1);
    return;
  }
  const bytes = await readFile(file);
  bytes[bytes.length >> 1] ^= 0x10;
  await writeFile(file, bytes);
}

async function makeFixture(inlineThreshold?: number): Promise<CheckpointStorageFixture> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'weir-fs-storage-'));
  const storage = new FsCheckpointStorage({ directory: root, jobName: 'job', inlineThreshold });
  return {
    storage,
    inlineThreshold: inlineThreshold ?? DEFAULT_INLINE_THRESHOLD,
    savepointTarget: path.join(root, 'savepoints'),
    damage: damageFile,
    removeMetadata: (location) => rm(path.join(location.pointer, METADATA_FILE_NAME)),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

checkpointStorageContract('FsCheckpointStorage', () => makeFixture());
checkpointStorageContract('FsCheckpointStorage that never inlines', () => makeFixture(0));

describe('FsCheckpointStorage on disk', () => {
  let root: string;
  let storage: FsCheckpointStorage;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'weir-fs-storage-'));
    storage = new FsCheckpointStorage({ directory: root, jobName: 'wordcount', inlineThreshold: 64 });
    await storage.initialize();
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lays a checkpoint out as <directory>/<jobName>/chk-<n>/ with one file per handle and _metadata', async () => {
    const location = await storage.createCheckpointLocation(17);
    expect(location.pointer).toBe(path.join(root, 'wordcount', 'chk-17'));
    const handle = await storage.writeState(location, 'op-uid-0-keyed', blob(100, 1));
    await storage.finalize(location, metadataFor(17, [handle]));
    expect((await readdir(location.pointer)).sort()).toEqual(['_metadata', 'op-uid-0-keyed']);
    expect(storage.description).toBe(`fs:${path.join(root, 'wordcount')}`);
  });

  it('leaves no temp file behind after finalize', async () => {
    const location = await storage.createCheckpointLocation(1);
    const handles = [await storage.writeState(location, 'a', blob(100, 1)), await storage.writeState(location, 'b', blob(10, 2))];
    await storage.finalize(location, metadataFor(1, handles));
    expect((await readdir(location.pointer)).sort()).toEqual(['_metadata', 'a']);
  });

  it('does not count a chk dir whose _metadata is still a half-written temp file as complete', async () => {
    const location = await storage.createCheckpointLocation(1);
    const handle = await storage.writeState(location, 'a', blob(100, 1));
    const encoded = encodeMetadata(metadataFor(1, [handle]));
    await writeFile(path.join(location.pointer, tempFileName(METADATA_FILE_NAME, 'crashed')), encoded.subarray(0, 20));
    expect(await storage.list()).toEqual([{ checkpointId: 1, location, hasMetadata: false }]);
    expect(await findLatestRestorable(storage)).toBeUndefined();
  });

  it('rejects a garbage _metadata with a CorruptStateError naming the file', async () => {
    const location = await storage.createCheckpointLocation(2);
    const file = path.join(location.pointer, METADATA_FILE_NAME);
    await writeFile(file, 'not metadata at all');
    const error = await storage.readMetadata(location).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CorruptStateError);
    expect(error).toMatchObject({ pointer: file, message: expect.stringContaining(file) });
  });

  it('rejects metadata copied into the directory of another checkpoint id', async () => {
    const location = await storage.createCheckpointLocation(2);
    await writeFile(path.join(location.pointer, METADATA_FILE_NAME), encodeMetadata(metadataFor(1, [])));
    await expect(storage.readMetadata(location)).rejects.toThrow(/names checkpoint 1, expected 2/);
  });

  it('names the file, the expected and the actual size of a truncated state file', async () => {
    const location = await storage.createCheckpointLocation(1);
    const handle = await storage.writeState(location, 'op-0', blob(100, 1));
    await damageFile(location, handle, 'truncate');
    await expect(storage.readState(location, handle)).rejects.toThrow(
      `state file ${path.join(location.pointer, 'op-0')}: size mismatch, expected 100 bytes, actual 99`,
    );
  });

  it('refuses a handle path from metadata that would leave the checkpoint directory', async () => {
    const location = await storage.createCheckpointLocation(1);
    await expect(storage.readState(location, { path: '../../etc/passwd', size: 1, checksum: '00000000' })).rejects.toBeInstanceOf(
      CorruptStateError,
    );
  });

  it('resolves relative pointers and the path of the _metadata file', async () => {
    const location = await storage.createCheckpointLocation(3);
    await storage.finalize(location, metadataFor(3, []));
    const relative = path.relative(process.cwd(), location.pointer);
    expect(await storage.resolve(relative)).toEqual(location);
    expect(await storage.resolve(path.join(location.pointer, METADATA_FILE_NAME))).toEqual(location);
    await expect(storage.resolve(path.join(root, 'wordcount', 'chk-99'))).rejects.toThrow(/no checkpoint/);
  });

  it('ignores entries of the job directory that are not chk-<n> directories', async () => {
    await writeFile(path.join(root, 'wordcount', 'chk-5'), 'a file, not a directory');
    await writeFile(path.join(root, 'wordcount', 'notes.txt'), '');
    await storage.createCheckpointLocation(7);
    expect((await storage.list()).map((e) => e.checkpointId)).toEqual([7]);
  });

  it('refuses to reuse the directory of an existing checkpoint id', async () => {
    await storage.createCheckpointLocation(4);
    await expect(storage.createCheckpointLocation(4)).rejects.toThrow(/EEXIST/);
  });

  it('refuses to discard a location it could not have made', async () => {
    await expect(storage.discard({ checkpointId: 1, kind: 'checkpoint', pointer: root })).rejects.toThrow();
    expect(await readdir(root)).toEqual(['wordcount']);
  });

  it('validates its options', () => {
    expect(() => new FsCheckpointStorage({ directory: root, jobName: '../up' })).toThrow(/jobName/);
    expect(() => new FsCheckpointStorage({ directory: root, jobName: 'j', inlineThreshold: -1 })).toThrow(/inlineThreshold/);
  });
});
