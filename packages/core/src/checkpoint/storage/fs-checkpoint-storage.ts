import { makeDirectory } from '../../util/make-directory.ts';
import { randomBytes } from 'node:crypto';
export { checksumOf } from './checksum.ts';
import { assertMetadataFits, assertStateName, fileHandle, inlineHandle, verifyHandleBytes } from './handle-rules.ts';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CheckpointMetadata, StreamStateHandle } from '../types.ts';
import { acquireFsLease } from './fs-job-lease.ts';
import type { JobLease, LeaseHolder } from './job-lease.ts';
import {
  type CheckpointListing,
  type CheckpointLocation,
  type CheckpointStorage,
  CorruptStateError,
} from './checkpoint-storage.ts';
import { decodeMetadata, encodeMetadata } from './metadata-serializer.ts';
import {
  METADATA_FILE_NAME,
  checkpointDirName,
  isSafeFileName,
  isSafeStateName,
  parseCheckpointDirName,
  parseSavepointDirName,
  savepointDirName,
  tempFileName,
} from './paths.ts';

/** Options of {@link FsCheckpointStorage}. */
export interface FsCheckpointStorageOptions {
  /** Root of all jobs' checkpoints, e.g. `./checkpoints`; resolved against the working directory. */
  readonly directory: string;
  /** The job's directory below `directory`: a safe file name (`[A-Za-z0-9_][A-Za-z0-9._-]*`). */
  readonly jobName: string;
  /** State blobs smaller than this many bytes are inlined in `_metadata`. Default 20 KiB, as Flink. */
  readonly inlineThreshold?: number;
  /** A job lease not renewed for this long is taken over (see `fs-job-lease.ts`); default 30 s. */
  readonly leaseTtlMs?: number;
}

/** Flink's default: below 20 KiB, a file costs more than the bytes it holds. */
export const DEFAULT_INLINE_THRESHOLD = 20 * 1024;

/**
 * Checkpoint storage on a local file system: `<directory>/<jobName>/chk-<n>/`, one file per state
 * handle, and `_metadata` written last (see `paths.ts` for the layout).
 *
 * Durability, and what it rests on: every state file is fsynced before `writeState` resolves;
 * `finalize` writes `_metadata` to a temp file, fsyncs it, renames it into place (atomic on POSIX
 * file systems) and fsyncs the checkpoint directory and its parent so that the rename and the
 * directory itself survive a power loss. Directory fsync is what Linux needs; other platforms may
 * give weaker guarantees. A checkpoint dir without `_metadata` is an incomplete checkpoint, never
 * restored, removed by retention.
 */
export class FsCheckpointStorage implements CheckpointStorage {
  readonly description: string;
  readonly #jobDir: string;
  readonly #jobName: string;
  readonly #inlineThreshold: number;
  readonly #leaseTtlMs: number | undefined;

  constructor(options: FsCheckpointStorageOptions) {
    if (!isSafeFileName(options.jobName)) {
      throw new RangeError(`jobName must be a safe file name ([A-Za-z0-9_][A-Za-z0-9._-]*), got ${JSON.stringify(options.jobName)}`);
    }
    const threshold = options.inlineThreshold ?? DEFAULT_INLINE_THRESHOLD;
    if (!Number.isSafeInteger(threshold) || threshold < 0) {
      throw new RangeError(`inlineThreshold must be an integer ≥ 0 (bytes), got ${String(threshold)}`);
    }
    this.#jobDir = path.resolve(options.directory, options.jobName);
    this.#inlineThreshold = threshold;
    this.#jobName = options.jobName;
    this.#leaseTtlMs = options.leaseTtlMs;
    this.description = `fs:${this.#jobDir}`;
  }

  async initialize(): Promise<void> {
    await makeDirectory(this.#jobDir);
  }

  async createCheckpointLocation(checkpointId: number): Promise<CheckpointLocation> {
    const dir = path.join(this.#jobDir, checkpointDirName(checkpointId));
    await makeDirectory(this.#jobDir);
    // Not recursive: an existing chk dir means an id was reused, and its leftovers must not mix in.
    await mkdir(dir);
    return { checkpointId, kind: 'checkpoint', pointer: dir };
  }

  async createSavepointLocation(checkpointId: number, targetDir: string): Promise<CheckpointLocation> {
    const parent = path.resolve(targetDir);
    const dir = path.join(parent, savepointDirName(checkpointId, randomBytes(6)));
    await makeDirectory(parent);
    await mkdir(dir);
    return { checkpointId, kind: 'savepoint', pointer: dir };
  }

  async writeState(location: CheckpointLocation, name: string, bytes: Uint8Array): Promise<StreamStateHandle> {
    assertStateName(name);
    const inline = inlineHandle(bytes, this.#inlineThreshold);
    if (inline !== undefined) return inline;
    // 'wx': two handles of one checkpoint never share a name; a clash is a bug, not an overwrite.
    await writeDurably(path.join(this.#dirOf(location), name), bytes, 'wx');
    return fileHandle(name, bytes);
  }

  async finalize(location: CheckpointLocation, metadata: CheckpointMetadata): Promise<void> {
    assertMetadataFits(location, metadata);
    const dir = this.#dirOf(location);
    const temp = path.join(dir, tempFileName(METADATA_FILE_NAME, randomBytes(4).toString('hex')));
    try {
      await writeDurably(temp, encodeMetadata(metadata), 'wx');
      await rename(temp, path.join(dir, METADATA_FILE_NAME));
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    await fsyncDirectory(dir);
    await fsyncDirectory(path.dirname(dir));
  }

  async list(): Promise<CheckpointListing[]> {
    let entries;
    try {
      entries = await readdir(this.#jobDir, { withFileTypes: true });
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    const listing: CheckpointListing[] = [];
    for (const entry of entries) {
      const checkpointId = entry.isDirectory() ? parseCheckpointDirName(entry.name) : undefined;
      if (checkpointId === undefined) continue;
      const pointer = path.join(this.#jobDir, entry.name);
      listing.push({
        checkpointId,
        location: { checkpointId, kind: 'checkpoint', pointer },
        hasMetadata: await isFile(path.join(pointer, METADATA_FILE_NAME)),
      });
    }
    return listing.sort((a, b) => a.checkpointId - b.checkpointId);
  }

  async resolve(pointer: string): Promise<CheckpointLocation> {
    let dir = path.resolve(pointer);
    if (path.basename(dir) === METADATA_FILE_NAME) dir = path.dirname(dir);
    const location = locationOf(dir);
    if (location === undefined) {
      throw new Error(`${pointer} is not a checkpoint (chk-<n>) or savepoint (savepoint-<n>-<suffix>) directory`);
    }
    if (!(await isDirectory(dir))) throw new Error(`no checkpoint at ${pointer}: ${dir} is not a directory`);
    return location;
  }

  async readMetadata(location: CheckpointLocation): Promise<CheckpointMetadata> {
    const file = path.join(this.#dirOf(location), METADATA_FILE_NAME);
    const bytes = await readOrCorrupt(file, 'checkpoint metadata');
    const metadata = decodeMetadata(bytes, file);
    if (metadata.checkpointId !== location.checkpointId) {
      throw new CorruptStateError(
        `checkpoint metadata ${file} names checkpoint ${metadata.checkpointId}, expected ${location.checkpointId}`,
        file,
      );
    }
    return metadata;
  }

  async readState(location: CheckpointLocation, handle: StreamStateHandle): Promise<Uint8Array> {
    const dir = this.#dirOf(location);
    if (handle.inline !== undefined) {
      const metadataFile = path.join(dir, METADATA_FILE_NAME);
      verifyHandleBytes(`inline state in ${metadataFile}`, metadataFile, handle, handle.inline);
      return handle.inline;
    }
    // The path comes from metadata on disk: never let it leave the checkpoint's directory.
    if (!isSafeStateName(handle.path)) {
      throw new CorruptStateError(`state handle in ${dir} has an unsafe path ${JSON.stringify(handle.path)}`, dir);
    }
    const file = path.join(dir, handle.path);
    const bytes = await readOrCorrupt(file, 'state file');
    verifyHandleBytes(`state file ${file}`, file, handle, bytes);
    return bytes;
  }

  async discard(location: CheckpointLocation): Promise<void> {
    // A task may still be writing a state file into an aborted checkpoint: a file created between
    // rm's listing and its rmdir fails the rmdir (ENOTEMPTY); retrying lists the directory again.
    // Once the directory is gone, later writes into it fail (no parent), so nothing reappears.
    await rm(this.#dirOf(location), { recursive: true, force: true, maxRetries: 5, retryDelay: 10 });
  }

  /** The lease file `_lease` in the job's directory (see `fs-job-lease.ts`). */
  async acquireLease(holder: LeaseHolder): Promise<JobLease> {
    await this.initialize();
    return acquireFsLease(holder, { jobName: this.#jobName, jobDir: this.#jobDir, ttlMs: this.#leaseTtlMs });
  }

  /** `<jobDir>/_<name>.json`, replaced atomically (temp file, fsync, rename). */
  async writeJobRecord(name: string, bytes: Uint8Array | undefined): Promise<void> {
    const file = this.#recordFile(name);
    if (bytes === undefined) {
      await rm(file, { force: true });
      return;
    }
    await this.initialize();
    const temp = path.join(this.#jobDir, tempFileName(path.basename(file), randomBytes(4).toString('hex')));
    try {
      await writeDurably(temp, bytes, 'wx');
      await rename(temp, file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    await fsyncDirectory(this.#jobDir);
  }

  async readJobRecord(name: string): Promise<Uint8Array | undefined> {
    try {
      const buffer = await readFile(this.#recordFile(name));
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }

  #recordFile(name: string): string {
    if (!isSafeFileName(name)) throw new RangeError(`job record name must be a safe file name, got ${JSON.stringify(name)}`);
    return path.join(this.#jobDir, `_${name}`);
  }

  /** The directory of a location, refusing anything this storage could not have made (rm -rf follows). */
  #dirOf(location: CheckpointLocation): string {
    const dir = location.pointer;
    const parsed = path.isAbsolute(dir) ? locationOf(dir) : undefined;
    if (parsed === undefined || parsed.kind !== location.kind || parsed.checkpointId !== location.checkpointId) {
      throw new Error(`${JSON.stringify(dir)} is not the directory of ${location.kind} ${location.checkpointId}`);
    }
    return dir;
  }
}


function locationOf(dir: string): CheckpointLocation | undefined {
  const name = path.basename(dir);
  const checkpointId = parseCheckpointDirName(name);
  if (checkpointId !== undefined) return { checkpointId, kind: 'checkpoint', pointer: dir };
  const savepointId = parseSavepointDirName(name);
  if (savepointId !== undefined) return { checkpointId: savepointId, kind: 'savepoint', pointer: dir };
  return undefined;
}


async function readOrCorrupt(file: string, what: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(file);
    // A plain Uint8Array view (no copy): callers compare and decode bytes, not Buffers.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (err) {
    if (isNotFound(err)) throw new CorruptStateError(`${what} ${file} is missing`, file, { cause: err });
    throw err;
  }
}

async function writeDurably(file: string, bytes: Uint8Array, flags: string): Promise<void> {
  const handle = await open(file, flags);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a directory's entries (created, renamed files) durable. Linux semantics. */
async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
