import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  CorruptStateError,
  FsCheckpointStorage,
  METADATA_FILE_NAME,
  type CheckpointLocation,
  type CheckpointMetadata,
  type StreamStateHandle,
} from '@weir/core';
import { CliError } from '../errors.ts';

/**
 * Read-only access to checkpoints on the file system, through core's storage so that the same
 * checks apply as at restore: metadata magic, version and CRC-32; every handle's size and CRC-32.
 */
export class CheckpointReader {
  // Reading needs only a location: the job directory the storage is made for is never used.
  readonly #storage = new FsCheckpointStorage({ directory: '.', jobName: 'weir-cli' });

  /** The checkpoint or savepoint at `dir` (or its `_metadata`). @throws CliError (exit 2) when it is neither. */
  async locate(dir: string): Promise<CheckpointLocation> {
    try {
      return await this.#storage.resolve(resolve(dir));
    } catch (e) {
      throw new CliError(e instanceof Error ? e.message : String(e), 2);
    }
  }

  /** @throws CorruptStateError when `_metadata` is missing or damaged */
  readMetadata(location: CheckpointLocation): Promise<CheckpointMetadata> {
    return this.#storage.readMetadata(location);
  }

  /** The handle's bytes, verified. @throws CorruptStateError */
  readState(location: CheckpointLocation, handle: StreamStateHandle): Promise<Uint8Array> {
    return this.#storage.readState(location, handle);
  }

  /**
   * Reads every handle the metadata names and checks it; resolves with the first problem found,
   * or `undefined` when all are intact.
   */
  async verify(location: CheckpointLocation, metadata: CheckpointMetadata): Promise<string | undefined> {
    for (const handle of handlesOf(metadata)) {
      try {
        await this.readState(location, handle);
      } catch (e) {
        if (e instanceof CorruptStateError) return e.message;
        throw e;
      }
    }
    return undefined;
  }
}

/** Every state handle of a checkpoint, keyed and operator state, in metadata order. */
export function handlesOf(metadata: CheckpointMetadata): StreamStateHandle[] {
  const handles: StreamStateHandle[] = [];
  for (const op of metadata.operators) {
    for (const s of op.subtasks) {
      if (s?.keyed !== undefined) handles.push(s.keyed.handle);
      if (s?.operator !== undefined) handles.push(s.operator.handle);
    }
  }
  return handles;
}

/** Bytes of every file in a checkpoint directory (state files and `_metadata`). */
export async function sizeOnDisk(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

/** Whether the checkpoint directory has its `_metadata`: without it, it never completed. */
export async function hasMetadata(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, METADATA_FILE_NAME))).isFile();
  } catch {
    return false;
  }
}

