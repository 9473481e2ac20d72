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
  rejectUnknownOptions,
  LeaseLostError,
  type JobLease,
  type LeaseHolder,
  inlineHandle,
  verifyHandleBytes,
  type CheckpointListing,
  type CheckpointLocation,
  type CheckpointMetadata,
  type CheckpointStorage,
  type StreamStateHandle,
} from '@weir/core';
import { resolveConnection, type RedisConnection, type ResolvedConnection } from '../connection.ts';
import { DEFAULT_PREFIX, checkpointIndexKey, checkpointKey, checkpointRoot, epochKey, leaseKey, locationKeys, savepointKey, jobRecordKey } from '../keys.ts';
import { discardLocation } from '../lua/discard.ts';
import { finalizeLocation } from '../lua/finalize.ts';
import { writeStateBytes } from '../lua/write-state.ts';
import { POINTER_SCHEME, parsePointer, savepointSuffix, type ParsedPointer } from './pointer.ts';
import { DEFAULT_LEASE_TTL_MS, acquireRedisLease, isLeaseLost, type RedisJobLease } from './redis-job-lease.ts';

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
  /**
   * The job lease expires this long after its last renewal (renewed every quarter of it): how
   * long a run on a host that died blocks the next run elsewhere. Default 10 s.
   */
  readonly leaseTtlMs?: number;
}

const OPTIONS: readonly (keyof RedisCheckpointStorageOptions)[] = ['redis', 'jobName', 'prefix', 'inlineThreshold', 'leaseTtlMs'];

const DEFAULT_INLINE_THRESHOLD = 20 * 1024;

/**
 * Checkpoint storage in Redis: one string per state handle below the checkpoint's root
 * `<prefix>:ck:<job>:chk:<n>`, and `_metadata` written last. A savepoint's root is
 * `<prefix>:sp:<n>-<suffix>`. Pointers are `redis:<root>` (see `pointer.ts`).
 *
 * Atomicity (each step one Lua script): `finalize` sets `_metadata` and adds the checkpoint to the
 * job's index together, so a reader sees no metadata or all of it; `writeState` sets its key and
 * records its name only while the location's `_created` key exists, and `discard` deletes
 * everything including `_created`, so an upload that outlives its checkpoint cannot re-create
 * keys below a discarded location (no orphans, no clash when a later run reuses the id).
 *
 * One owner: `acquireLease` takes the job lease `<prefix>:ck:<job>:lease` (see
 * `redis-job-lease.ts`); while this storage holds it, `finalize` writes only if the lease is still
 * this run's, in the same script, so a run that was taken over never completes a checkpoint.
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
  readonly #leaseTtlMs: number;
  #lease: RedisJobLease | undefined;

  constructor(options: RedisCheckpointStorageOptions) {
    rejectUnknownOptions('RedisCheckpointStorage', options, OPTIONS);
    if (typeof options.jobName !== 'string' || options.jobName === '') {
      throw new RangeError(`jobName must be a non-empty string, got ${JSON.stringify(options.jobName)}`);
    }
    const threshold = options.inlineThreshold ?? DEFAULT_INLINE_THRESHOLD;
    if (!Number.isSafeInteger(threshold) || threshold < 0) {
      throw new RangeError(`inlineThreshold must be an integer ≥ 0 (bytes), got ${String(threshold)}`);
    }
    const leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    if (!Number.isSafeInteger(leaseTtlMs) || leaseTtlMs < 100) {
      throw new RangeError(`leaseTtlMs must be an integer ≥ 100 (milliseconds), got ${String(leaseTtlMs)}`);
    }
    this.#leaseTtlMs = leaseTtlMs;
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
    try {
      await writeStateBytes(this.#client, { created: keys.created, state: keys.state(name), names: keys.names }, name, value);
    } catch (e) {
      // Two handles of one checkpoint never share a name; a clash is a bug, not an overwrite.
      if (replyCode(e) === 'WEIREXISTS') throw new Error(`state ${name} already exists in ${location.pointer}`, { cause: e });
      if (replyCode(e) === 'WEIRDISCARDED') throw new Error(`${location.pointer} was discarded: state ${name} is not written`, { cause: e });
      throw e;
    }
    return fileHandle(name, bytes);
  }

  /**
   * Writes `_metadata` and the index entry in one script, which refuses a discarded location and,
   * while this storage holds the job lease, a lease that is no longer this run's
   * ({@link LeaseLostError}; nothing is written then).
   */
  async finalize(location: CheckpointLocation, metadata: CheckpointMetadata): Promise<void> {
    assertMetadataFits(location, metadata);
    const parsed = this.#parse(location);
    const keys = locationKeys(parsed.root);
    const bytes = encodeMetadata(metadata);
    const lease = this.#lease;
    if (lease?.lost !== undefined) throw lease.lost;
    try {
      await finalizeLocation(
        this.#client,
        { created: keys.created, metadata: keys.metadata, index: parsed.indexKey ?? this.#indexKey(), lease: this.#leaseKey() },
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        parsed.indexKey === undefined ? '' : String(location.checkpointId),
        lease?.fencing,
      );
    } catch (e) {
      if (isLeaseLost(e)) throw new LeaseLostError(`${location.pointer} is not finalized: ${(e as Error).message.replace(/^WEIRLEASELOST /, '')}`, { cause: e });
      if (replyCode(e) === 'WEIRDISCARDED') throw new Error(`${location.pointer} was discarded: it is not finalized`, { cause: e });
      throw e;
    }
  }

  /**
   * Takes the job's lease (see `redis-job-lease.ts`), renewed in the background until released;
   * rejects with `LeaseConflictError` naming the holder when another live run has it. From then
   * on `finalize` checks it atomically.
   */
  async acquireLease(holder: LeaseHolder): Promise<JobLease> {
    const lease = await acquireRedisLease(this.#client, holder, {
      jobName: this.#jobName,
      keys: { lease: this.#leaseKey(), epoch: epochKey(this.#jobName, { prefix: this.#prefix }) },
      ttlMs: this.#leaseTtlMs,
    });
    this.#lease = lease;
    return lease;
  }

  /** `<prefix>:ck:<job>:record:<name>`: one SET (atomic) or UNLINK. */
  async writeJobRecord(name: string, bytes: Uint8Array | undefined): Promise<void> {
    const key = jobRecordKey(this.#jobName, name, { prefix: this.#prefix });
    if (bytes === undefined) await this.#client.unlink(key);
    else await this.#client.set(key, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  async readJobRecord(name: string): Promise<Uint8Array | undefined> {
    const bytes = await this.#client.getBuffer(jobRecordKey(this.#jobName, name, { prefix: this.#prefix }));
    return bytes === null ? undefined : view(bytes);
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
    await discardLocation(
      this.#client,
      { created: keys.created, names: keys.names, metadata: keys.metadata, index: parsed.indexKey ?? this.#indexKey() },
      keys.state(''),
      parsed.indexKey === undefined ? '' : String(location.checkpointId),
    );
  }

  /** Stops renewing the lease (it is not released: it expires after its TTL) and closes the connection if Weir built it. */
  async close(): Promise<void> {
    this.#lease?.stopRenewing();
    await this.#connection.close();
  }

  #indexKey(): string {
    return checkpointIndexKey(this.#jobName, { prefix: this.#prefix });
  }

  #leaseKey(): string {
    return leaseKey(this.#jobName, { prefix: this.#prefix });
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

/** The `WEIR…` code a Lua script's error reply starts with, if any. */
function replyCode(e: unknown): string | undefined {
  return e instanceof Error ? /^(WEIR[A-Z]+) /.exec(e.message)?.[1] : undefined;
}

function assertCheckpointId(id: number): void {
  if (!isCheckpointId(id)) throw new RangeError(`checkpoint id must be an integer ≥ 1, got ${String(id)}`);
}

/** A plain Uint8Array over a Buffer's bytes (no copy): callers compare and decode bytes, not Buffers. */
function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

