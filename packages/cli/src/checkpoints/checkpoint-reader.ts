import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  CorruptStateError,
  checkpointDirName,
  parseCheckpointDirName,
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

  /**
   * The checkpoint or savepoint at `dir` (or its `_metadata`); for a job's directory, or
   * `<job dir>/latest`, its newest complete checkpoint. A running job's retention deletes old
   * checkpoints as it goes: a `chk-<n>` that is gone while newer ones exist is named as subsumed.
   *
   * @throws CliError (exit 2) when `dir` is none of these
   */
  async locate(dir: string): Promise<CheckpointLocation> {
    const path = resolve(dir);
    const jobDir = basename(path) === 'latest' ? dirname(path) : (await completeCheckpointIds(path)).length > 0 ? path : undefined;
    if (jobDir !== undefined) {
      const ids = await completeCheckpointIds(jobDir);
      if (ids.length === 0) throw new CliError(`no complete checkpoint in ${jobDir}`, 2);
      return this.locate(join(jobDir, checkpointDirName(ids[ids.length - 1])));
    }
    try {
      return await this.#storage.resolve(path);
    } catch (e) {
      const id = parseCheckpointDirName(basename(path));
      const newer = id === undefined ? [] : (await completeCheckpointIds(dirname(path))).filter((n) => n > id);
      if (newer.length > 0) {
        throw new CliError(
          `checkpoint ${id} is gone: newer checkpoints subsumed it (retained now: ${newer.map(checkpointDirName).join(', ')}); ` +
            `inspect ${join(dir, '..', 'latest')} for the newest`,
          2,
        );
      }
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

/** Ids of the `chk-<n>` directories of `jobDir` that have their `_metadata`, ascending; empty for any other directory. */
async function completeCheckpointIds(jobDir: string): Promise<number[]> {
  const names = await readdir(jobDir).catch(() => [] as string[]);
  const ids: number[] = [];
  for (const name of names) {
    const id = parseCheckpointDirName(name);
    if (id !== undefined && (await hasMetadata(join(jobDir, name)))) ids.push(id);
  }
  return ids.sort((a, b) => a - b);
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

