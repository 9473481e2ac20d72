import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  CorruptStateError,
  decodeMetadata,
  encodeMetadata,
  isCheckpointId,
  assertMetadataFits,
  assertStateName,
  isSafeStateName,
  fileHandle,
  inlineHandle,
  verifyHandleBytes,
  type CheckpointListing,
  type CheckpointLocation,
  type CheckpointMetadata,
  type CheckpointStorage,
  type StreamStateHandle,
} from '@weir/core';
import { resolveConnection, type RedisConnection, type ResolvedConnection } from '../connection.ts';
import { DEFAULT_PREFIX, checkpointIndexKey, checkpointKey, checkpointRoot, locationKeys, savepointKey } from '../keys.ts';
import { POINTER_SCHEME, parsePointer, savepointSuffix, type ParsedPointer } from './pointer.ts';

/** Options of {@link RedisCheckpointStorage}. */
export interface RedisCheckpointStorageOptions {
  /** A URL, ioredis options, or a client (which Weir then never closes). */
  readonly redis: RedisConnection;
  /** The job whose checkpoints these are: keys live below `<prefix>:ck:<jobName>`. */
  readonly jobName: string;
  /** First segment of every key. Default `weir`. */
  readonly prefix?: string;
  /** State blobs smaller than this many bytes are inlined in the metadata. Default 20 KiB, as Flink. */
  readonly inlineThreshold?: number;
}

const DEFAULT_INLINE_THRESHOLD = 20 * 1024;

/**
 * Checkpoint storage in Redis: one string per state handle below the checkpoint's root
 * `<prefix>:ck:<job>:chk:<n>`, and `_metadata` written last. A savepoint's root is
 * `<prefix>:sp:<n>-<suffix>`. Pointers are `redis:<root>` (see `pointer.ts`).
 *
 * Atomicity: `finalize` sets `_metadata` and adds the checkpoint to the job's index in one
 * `MULTI`, so a reader sees no metadata or all of it; each `writeState` sets its key and records
 * its name in one `MULTI`, so `discard` (one `MULTI` of `UNLINK`s) leaves nothing behind.
 *
 * Durability is Redis's: a checkpoint survives a Redis crash only as far as its persistence does
 * (`appendonly yes` with `appendfsync always` for every acknowledged write, `everysec` for all but
 * the last second). Checksums are the file system storage's (CRC-32), verified on every read.
 */
export class RedisCheckpointStorage implements CheckpointStorage {
  readonly description: string;
  readonly #connection: ResolvedConnection;
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #jobName: string;
  readonly #inlineThreshold: number;

  constructor(options: RedisCheckpointStorageOptions) {
    if (typeof options.jobName !== 'string' || options.jobName === '') {
      throw new RangeError(`jobName must be a non-empty string, got ${JSON.stringify(options.jobName)}`);
    }
    const threshold = options.inlineThreshold ?? DEFAULT_INLINE_THRESHOLD;
    if (!Number.isSafeInteger(threshold) || threshold < 0) {
      throw new RangeError(`inlineThreshold must be an integer ≥ 0 (bytes), got ${String(threshold)}`);
    }
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#jobName = options.jobName;
    this.#inlineThreshold = threshold;
    this.#connection = resolveConnection(options.redis, `weir:checkpoints:${options.jobName}`);
    this.#client = this.#connection.client;
    this.description = `${POINTER_SCHEME}${checkpointRoot(options.jobName, { prefix: this.#prefix })}`;
  }

  async initialize(): Promise<void> {
    await this.#client.ping();
  }

  async createCheckpointLocation(checkpointId: number): Promise<CheckpointLocation> {
    assertCheckpointId(checkpointId);
    const root = checkpointKey(this.#jobName, checkpointId, { prefix: this.#prefix });
    const index = checkpointIndexKey(this.#jobName, { prefix: this.#prefix });
    const [[, created]] = await this.#exec(
      this.#client.multi().set(locationKeys(root).created, Date.now(), 'NX').zadd(index, checkpointId, String(checkpointId)),
    );
    // Like an existing chk dir: a reused id must not mix its leftovers in.
    if (created === null) throw new Error(`checkpoint ${checkpointId} already exists at ${POINTER_SCHEME}${root}`);
    return { checkpointId, kind: 'checkpoint', pointer: POINTER_SCHEME + root };
  }

  /**
   * Reserves `<prefix>:sp:<n>-<suffix>`. `targetDir` is a Redis namespace when it is a pointer
   * prefix (`redis:<prefix>`); any other value (a directory meant for file storage) is ignored and
   * the storage's own prefix is used.
   */
  async createSavepointLocation(checkpointId: number, targetDir: string): Promise<CheckpointLocation> {
    assertCheckpointId(checkpointId);
    const prefix = targetDir.startsWith(POINTER_SCHEME) && targetDir.length > POINTER_SCHEME.length
      ? targetDir.slice(POINTER_SCHEME.length)
      : this.#prefix;
    const root = savepointKey(`${checkpointId}-${savepointSuffix(randomBytes(6))}`, { prefix });
    if ((await this.#client.set(locationKeys(root).created, Date.now(), 'NX')) === null) {
      throw new Error(`savepoint location ${POINTER_SCHEME}${root} already exists`);
    }
    return { checkpointId, kind: 'savepoint', pointer: POINTER_SCHEME + root };
  }

  async writeState(location: CheckpointLocation, name: string, bytes: Uint8Array): Promise<StreamStateHandle> {
    assertStateName(name);
    const inline = inlineHandle(bytes, this.#inlineThreshold);
    if (inline !== undefined) return inline;
    const keys = locationKeys(this.#parse(location).root);
    const value = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const [[, set]] = await this.#exec(this.#client.multi().set(keys.state(name), value, 'NX').sadd(keys.names, name));
    // Two handles of one checkpoint never share a name; a clash is a bug, not an overwrite.
    if (set === null) throw new Error(`state ${name} already exists in ${location.pointer}`);
    return fileHandle(name, bytes);
  }

  async finalize(location: CheckpointLocation, metadata: CheckpointMetadata): Promise<void> {
    assertMetadataFits(location, metadata);
    const parsed = this.#parse(location);
    const bytes = encodeMetadata(metadata);
    const multi = this.#client.multi().set(locationKeys(parsed.root).metadata, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    if (parsed.indexKey !== undefined) multi.zadd(parsed.indexKey, location.checkpointId, String(location.checkpointId));
    await this.#exec(multi);
  }

  async list(): Promise<CheckpointListing[]> {
    const index = checkpointIndexKey(this.#jobName, { prefix: this.#prefix });
    const ids = (await this.#client.zrange(index, 0, '-1')).map(Number).filter(isCheckpointId);
    if (ids.length === 0) return [];
    const roots = ids.map((id) => checkpointKey(this.#jobName, id, { prefix: this.#prefix }));
    const pipeline = this.#client.pipeline();
    for (const root of roots) pipeline.exists(locationKeys(root).metadata);
    const exists = await this.#exec(pipeline);
    return ids
      .map((checkpointId, i) => ({
        checkpointId,
        location: { checkpointId, kind: 'checkpoint' as const, pointer: POINTER_SCHEME + roots[i] },
        hasMetadata: exists[i][1] === 1,
      }))
      .sort((a, b) => a.checkpointId - b.checkpointId);
  }

  async resolve(pointer: string): Promise<CheckpointLocation> {
    const parsed = parsePointer(pointer);
    if (parsed === undefined) {
      throw new Error(`${pointer} is not a Redis checkpoint (redis:<prefix>:ck:<job>:chk:<n>) or savepoint (redis:<prefix>:sp:<n>-<suffix>) pointer`);
    }
    const keys = locationKeys(parsed.root);
    if ((await this.#client.exists(keys.created, keys.metadata)) === 0) throw new Error(`no checkpoint at ${pointer}`);
    return parsed.location;
  }

  async readMetadata(location: CheckpointLocation): Promise<CheckpointMetadata> {
    const key = locationKeys(this.#parse(location).root).metadata;
    const pointer = POINTER_SCHEME + key;
    const bytes = await this.#client.getBuffer(key);
    if (bytes === null) throw new CorruptStateError(`checkpoint metadata ${pointer} is missing`, pointer);
    const metadata = decodeMetadata(view(bytes), pointer);
    if (metadata.checkpointId !== location.checkpointId) {
      throw new CorruptStateError(
        `checkpoint metadata ${pointer} names checkpoint ${metadata.checkpointId}, expected ${location.checkpointId}`,
        pointer,
      );
    }
    return metadata;
  }

  async readState(location: CheckpointLocation, handle: StreamStateHandle): Promise<Uint8Array> {
    const keys = locationKeys(this.#parse(location).root);
    if (handle.inline !== undefined) {
      const pointer = POINTER_SCHEME + keys.metadata;
      verifyHandleBytes(`inline state in ${pointer}`, pointer, handle, handle.inline);
      return handle.inline;
    }
    // The path comes from stored metadata: never let it name a key outside the checkpoint.
    if (!isSafeStateName(handle.path)) {
      throw new CorruptStateError(`state handle in ${location.pointer} has an unsafe path ${JSON.stringify(handle.path)}`, location.pointer);
    }
    const key = keys.state(handle.path);
    const pointer = POINTER_SCHEME + key;
    const bytes = await this.#client.getBuffer(key);
    if (bytes === null) throw new CorruptStateError(`state ${pointer} is missing`, pointer);
    const out = view(bytes);
    verifyHandleBytes(`state ${pointer}`, pointer, handle, out);
    return out;
  }

  async discard(location: CheckpointLocation): Promise<void> {
    const parsed = this.#parse(location);
    const keys = locationKeys(parsed.root);
    const names = await this.#client.smembers(keys.names);
    const multi = this.#client.multi();
    // Metadata first: from the first command on, the checkpoint no longer exists for recovery.
    multi.unlink(keys.metadata, keys.created, keys.names);
    for (let i = 0; i < names.length; i += 1000) multi.unlink(...names.slice(i, i + 1000).map((n) => keys.state(n)));
    if (parsed.indexKey !== undefined) multi.zrem(parsed.indexKey, String(location.checkpointId));
    await this.#exec(multi);
  }

  async close(): Promise<void> {
    await this.#connection.close();
  }

  /** The parsed pointer of a location, refusing anything this storage could not have made. */
  #parse(location: CheckpointLocation): ParsedPointer {
    const parsed = parsePointer(location.pointer);
    if (parsed === undefined || parsed.location.kind !== location.kind || parsed.location.checkpointId !== location.checkpointId) {
      throw new Error(`${JSON.stringify(location.pointer)} is not the pointer of ${location.kind} ${location.checkpointId}`);
    }
    return parsed;
  }

  /** Runs a MULTI or pipeline; rejects with the first command error. */
  async #exec(batch: { exec(): Promise<[Error | null, unknown][] | null> }): Promise<[Error | null, unknown][]> {
    const results = await batch.exec();
    if (results === null) throw new Error('Redis transaction was aborted');
    for (const [err] of results) if (err !== null) throw err;
    return results;
  }
}

function assertCheckpointId(id: number): void {
  if (!isCheckpointId(id)) throw new RangeError(`checkpoint id must be an integer ≥ 1, got ${String(id)}`);
}

/** A plain Uint8Array over a Buffer's bytes (no copy): callers compare and decode bytes, not Buffers. */
function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

