import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CompletedCheckpoint } from './completed-checkpoint.ts';
import { DefaultCompletedCheckpointStore } from './default-completed-checkpoint-store.ts';
import type { WarningLogger } from './recovery.ts';
import { blob, metadataFor } from './storage/checkpoint-storage.contract.ts';
import type { CheckpointLocation } from './storage/checkpoint-storage.ts';
import { FsCheckpointStorage } from './storage/fs-checkpoint-storage.ts';

describe('DefaultCompletedCheckpointStore', () => {
  let root: string;
  let storage: FsCheckpointStorage;
  const jobDir = (): string => path.join(root, 'job');

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'weir-store-'));
    storage = new FsCheckpointStorage({ directory: root, jobName: 'job', inlineThreshold: 64 });
    await storage.initialize();
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** Writes checkpoint `id` to storage as the coordinator would: state files, then metadata. */
  async function complete(id: number): Promise<CompletedCheckpoint> {
    const location = await storage.createCheckpointLocation(id);
    const handles = [await storage.writeState(location, 'keyed', blob(500, id)), await storage.writeState(location, 'ops', blob(8, id))];
    const metadata = metadataFor(id, handles);
    await storage.finalize(location, metadata);
    return { checkpointId: id, location, metadata };
  }

  it('keeps exactly the last retained checkpoints on storage after many adds, and nothing else', async () => {
    const store = new DefaultCompletedCheckpointStore(storage, 3);
    for (let id = 1; id <= 50; id++) await store.add(await complete(id));

    expect(store.all().map((c) => c.checkpointId)).toEqual([48, 49, 50]);
    expect(store.latest()?.checkpointId).toBe(50);
    const listing = await storage.list();
    expect(listing.map((e) => [e.checkpointId, e.hasMetadata])).toEqual([
      [48, true],
      [49, true],
      [50, true],
    ]);
    expect((await readdir(jobDir())).sort()).toEqual(['chk-48', 'chk-49', 'chk-50']);
    for (const dir of ['chk-48', 'chk-49', 'chk-50']) {
      expect((await readdir(path.join(jobDir(), dir))).sort()).toEqual(['_metadata', 'keyed']);
    }
  });

  it('returns the checkpoints an add subsumed, after discarding them', async () => {
    const store = new DefaultCompletedCheckpointStore(storage, 2);
    expect(await store.add(await complete(1))).toEqual([]);
    expect(await store.add(await complete(2))).toEqual([]);
    const dropped = await store.add(await complete(3));
    expect(dropped.map((c) => c.checkpointId)).toEqual([1]);
    expect((await storage.list()).map((e) => e.checkpointId)).toEqual([2, 3]);
  });

  it('records the new checkpoint before it discards the subsumed one', async () => {
    const seen: number[][] = [];
    let store: DefaultCompletedCheckpointStore | undefined;
    class Watching extends FsCheckpointStorage {
      override async discard(location: CheckpointLocation): Promise<void> {
        seen.push(store?.all().map((c) => c.checkpointId) ?? []);
        await super.discard(location);
      }
    }
    storage = new Watching({ directory: root, jobName: 'job', inlineThreshold: 64 });
    store = new DefaultCompletedCheckpointStore(storage, 1);
    await store.add(await complete(1));
    await store.add(await complete(2));
    expect(seen).toEqual([[2]]);
  });

  it('logs a discard that fails and leaves the checkpoint out of the store', async () => {
    class Failing extends FsCheckpointStorage {
      override discard(): Promise<void> {
        return Promise.reject(new Error('disk gone'));
      }
    }
    storage = new Failing({ directory: root, jobName: 'job', inlineThreshold: 64 });
    const warnings: string[] = [];
    const logger: WarningLogger = { warn: (_obj, msg) => warnings.push(msg) };
    const store = new DefaultCompletedCheckpointStore(storage, 1, [], logger);
    await store.add(await complete(1));
    const dropped = await store.add(await complete(2));
    expect(dropped.map((c) => c.checkpointId)).toEqual([1]);
    expect(store.all().map((c) => c.checkpointId)).toEqual([2]);
    expect(warnings).toEqual([expect.stringContaining('could not discard subsumed checkpoint 1')]);
  });

  it('starts from the checkpoints it is given and subsumes the surplus on the next add', async () => {
    const initial = [await complete(3), await complete(1), await complete(2)];
    const store = new DefaultCompletedCheckpointStore(storage, 2, initial);
    expect(store.all().map((c) => c.checkpointId)).toEqual([1, 2, 3]);
    const dropped = await store.add(await complete(4));
    expect(dropped.map((c) => c.checkpointId)).toEqual([1, 2]);
    expect((await storage.list()).map((e) => e.checkpointId)).toEqual([3, 4]);
  });

  it('refuses a checkpoint id it already holds', async () => {
    const first = await complete(1);
    const store = new DefaultCompletedCheckpointStore(storage, 2, [first]);
    await expect(store.add(first)).rejects.toThrow(/already/);
  });

  it('rejects a retained count that is not an integer ≥ 1, naming retained', () => {
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      expect(() => new DefaultCompletedCheckpointStore(storage, bad)).toThrow(RangeError);
      expect(() => new DefaultCompletedCheckpointStore(storage, bad)).toThrow(/retained/);
    }
  });

  it('has no latest checkpoint when empty', () => {
    expect(new DefaultCompletedCheckpointStore(storage, 1).latest()).toBeUndefined();
  });
});
