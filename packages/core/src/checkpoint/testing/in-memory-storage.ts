import { crc32 } from 'node:zlib';
import {
  CorruptStateError,
  type CheckpointListing,
  type CheckpointLocation,
  type CheckpointStorage,
} from '../storage/checkpoint-storage.ts';
import type { CheckpointMetadata, StreamStateHandle } from '../types.ts';

/**
 * Checkpoint storage in a Map, for tests. Follows the {@link CheckpointStorage} contract: metadata
 * appears all at once when `finalize` resolves, reads verify size and checksum (zlib CRC-32), and
 * discarding twice is fine. Tests can hold or fail `finalize` through `beforeFinalize`.
 */
export class InMemoryCheckpointStorage implements CheckpointStorage {
  readonly description: string;
  /** Called before metadata is made visible; reject to make `finalize` fail, or return a held promise. */
  beforeFinalize: (location: CheckpointLocation, metadata: CheckpointMetadata) => Promise<void> = () => Promise.resolve();
  /** Called by `createCheckpointLocation` and `createSavepointLocation`; reject to make them fail. */
  beforeCreateLocation: (checkpointId: number) => Promise<void> = () => Promise.resolve();
  /** Pointers passed to `discard`, in call order. */
  readonly discarded: string[] = [];
  readonly #entries = new Map<string, Entry>();
  readonly #inlineThreshold: number;
  #savepoints = 0;

  constructor(options: { readonly jobName?: string; readonly inlineThreshold?: number } = {}) {
    this.description = `memory:${options.jobName ?? 'job'}`;
    this.#inlineThreshold = options.inlineThreshold ?? 0;
  }

  readonly #records = new Map<string, Uint8Array>();

  async initialize(): Promise<void> {}

  async writeJobRecord(name: string, bytes: Uint8Array | undefined): Promise<void> {
    if (bytes === undefined) this.#records.delete(name);
    else this.#records.set(name, bytes.slice());
  }

  async readJobRecord(name: string): Promise<Uint8Array | undefined> {
    return this.#records.get(name)?.slice();
  }

  async createCheckpointLocation(checkpointId: number): Promise<CheckpointLocation> {
    return this.#create({ checkpointId, kind: 'checkpoint', pointer: `${this.description}/chk-${checkpointId}` });
  }

  async createSavepointLocation(checkpointId: number, targetDir: string): Promise<CheckpointLocation> {
    const pointer = `memory:${targetDir}/savepoint-${checkpointId}-${++this.#savepoints}`;
    return this.#create({ checkpointId, kind: 'savepoint', pointer });
  }

  async writeState(location: CheckpointLocation, name: string, bytes: Uint8Array): Promise<StreamStateHandle> {
    if (!SAFE_NAME.test(name) || name === '_metadata') throw new Error(`state name '${name}' is not a single safe path segment`);
    const checksum = checksumOf(bytes);
    if (bytes.length < this.#inlineThreshold) return { path: '', size: bytes.length, checksum, inline: bytes.slice() };
    this.#entry(location).files.set(name, bytes.slice());
    return { path: name, size: bytes.length, checksum };
  }

  async finalize(location: CheckpointLocation, metadata: CheckpointMetadata): Promise<void> {
    const entry = this.#entry(location);
    if (metadata.checkpointId !== location.checkpointId) {
      throw new Error(`metadata of checkpoint ${metadata.checkpointId} cannot finalize ${location.pointer}`);
    }
    await this.beforeFinalize(location, metadata);
    entry.metadata = structuredClone(metadata);
  }

  async list(): Promise<CheckpointListing[]> {
    return [...this.#entries.values()]
      .filter((entry) => entry.location.kind === 'checkpoint')
      .sort((a, b) => a.location.checkpointId - b.location.checkpointId)
      .map((entry) => ({ checkpointId: entry.location.checkpointId, location: entry.location, hasMetadata: entry.metadata !== undefined }));
  }

  async resolve(pointer: string): Promise<CheckpointLocation> {
    const entry = this.#entries.get(pointer);
    if (entry === undefined) throw new CorruptStateError(`no checkpoint at ${pointer}`, pointer);
    return entry.location;
  }

  async readMetadata(location: CheckpointLocation): Promise<CheckpointMetadata> {
    const metadata = this.#entries.get(location.pointer)?.metadata;
    if (metadata === undefined) throw new CorruptStateError(`no metadata at ${location.pointer}`, location.pointer);
    return structuredClone(metadata);
  }

  async readState(location: CheckpointLocation, handle: StreamStateHandle): Promise<Uint8Array> {
    const bytes = handle.inline ?? this.#entries.get(location.pointer)?.files.get(handle.path);
    if (bytes === undefined) throw new CorruptStateError(`missing state '${handle.path}' at ${location.pointer}`, location.pointer);
    if (bytes.length !== handle.size) {
      throw new CorruptStateError(`state '${handle.path}' at ${location.pointer} has ${bytes.length} bytes, expected ${handle.size}`, location.pointer);
    }
    if (checksumOf(bytes) !== handle.checksum) {
      throw new CorruptStateError(`state '${handle.path}' at ${location.pointer} fails its checksum`, location.pointer);
    }
    return bytes.slice();
  }

  async discard(location: CheckpointLocation): Promise<void> {
    this.discarded.push(location.pointer);
    this.#entries.delete(location.pointer);
  }

  async close(): Promise<void> {}

  /** Whether anything (a reserved location, files, metadata) is stored at `pointer`. */
  has(pointer: string): boolean {
    return this.#entries.has(pointer);
  }

  /** Whether checkpoint or savepoint `checkpointId` has durable metadata. */
  isFinalized(checkpointId: number): boolean {
    return [...this.#entries.values()].some((entry) => entry.location.checkpointId === checkpointId && entry.metadata !== undefined);
  }

  /** Damages stored bytes, as a disk could: cut the last byte off, or flip one bit. */
  damage(location: CheckpointLocation, handle: StreamStateHandle, how: 'truncate' | 'flip'): void {
    const files = this.#entry(location).files;
    const bytes = files.get(handle.path);
    if (bytes === undefined) throw new Error(`no state '${handle.path}' at ${location.pointer}`);
    if (how === 'truncate') files.set(handle.path, bytes.subarray(0, bytes.length - 1));
    else bytes[0] ^= 0x01;
  }

  /** Forgets a checkpoint's metadata, as a crash before `finalize` would have left it. */
  removeMetadata(location: CheckpointLocation): void {
    this.#entry(location).metadata = undefined;
  }

  /** Pointers of everything stored, sorted. */
  pointers(): string[] {
    return [...this.#entries.keys()].sort();
  }

  async #create(location: CheckpointLocation): Promise<CheckpointLocation> {
    await this.beforeCreateLocation(location.checkpointId);
    if (!this.#entries.has(location.pointer)) this.#entries.set(location.pointer, { location, files: new Map(), metadata: undefined });
    return location;
  }

  #entry(location: CheckpointLocation): Entry {
    const entry = this.#entries.get(location.pointer);
    if (entry === undefined) throw new CorruptStateError(`location ${location.pointer} was not created or was discarded`, location.pointer);
    return entry;
  }
}

interface Entry {
  readonly location: CheckpointLocation;
  readonly files: Map<string, Uint8Array>;
  metadata: CheckpointMetadata | undefined;
}

/** One path segment: no separators, no leading dot, no control characters. */
const SAFE_NAME = /^[^./\\\u0000-\u001f][^/\\\u0000-\u001f]*$/;

function checksumOf(bytes: Uint8Array): string {
  return crc32(bytes).toString(16).padStart(8, '0');
}
