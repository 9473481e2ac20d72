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

  constructor(options: { readonly jobName?: string; readonly inlineThreshold?: number } = {}) {
    this.description = `memory:${options.jobName ?? 'job'}`;
    this.#inlineThreshold = options.inlineThreshold ?? 0;
  }

  async initialize(): Promise<void> {}

  async createCheckpointLocation(checkpointId: number): Promise<CheckpointLocation> {
    return this.#create({ checkpointId, kind: 'checkpoint', pointer: `${this.description}/chk-${checkpointId}` });
  }

  async createSavepointLocation(checkpointId: number, targetDir: string): Promise<CheckpointLocation> {
    return this.#create({ checkpointId, kind: 'savepoint', pointer: `memory:${targetDir}/savepoint-${checkpointId}` });
  }

  async writeState(location: CheckpointLocation, name: string, bytes: Uint8Array): Promise<StreamStateHandle> {
    const checksum = checksumOf(bytes);
    if (bytes.length < this.#inlineThreshold) return { path: '', size: bytes.length, checksum, inline: bytes.slice() };
    this.#entry(location).files.set(name, bytes.slice());
    return { path: name, size: bytes.length, checksum };
  }

  async finalize(location: CheckpointLocation, metadata: CheckpointMetadata): Promise<void> {
    const entry = this.#entry(location);
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
    if (bytes.length !== handle.size || checksumOf(bytes) !== handle.checksum) {
      throw new CorruptStateError(`state '${handle.path}' at ${location.pointer} fails its size or checksum`, location.pointer);
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

function checksumOf(bytes: Uint8Array): string {
  return crc32(bytes).toString(16).padStart(8, '0');
}
