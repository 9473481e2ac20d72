import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type WarningLogger, findLatestRestorable, orderForRecovery } from './recovery.ts';
import { blob, metadataFor } from './storage/checkpoint-storage.contract.ts';
import type { CheckpointListing, CheckpointLocation } from './storage/checkpoint-storage.ts';
import { FsCheckpointStorage } from './storage/fs-checkpoint-storage.ts';
import type { StreamStateHandle } from './types.ts';

const entry = (checkpointId: number, hasMetadata: boolean): CheckpointListing => ({
  checkpointId,
  hasMetadata,
  location: { checkpointId, kind: 'checkpoint', pointer: `chk-${checkpointId}` },
});

interface Warning {
  readonly obj: object;
  readonly msg: string;
}

function recordingLogger(): WarningLogger & { warnings: Warning[] } {
  const warnings: Warning[] = [];
  return { warnings, warn: (obj, msg) => warnings.push({ obj, msg }) };
}

describe('orderForRecovery', () => {
  it('tries checkpoints with metadata, newest first', () => {
    const listing = [entry(1, true), entry(4, false), entry(2, true), entry(3, true)];
    expect(orderForRecovery(listing).map((e) => e.checkpointId)).toEqual([3, 2, 1]);
  });

  it('has nothing to try when no checkpoint has metadata', () => {
    expect(orderForRecovery([entry(1, false)])).toEqual([]);
  });
});

describe('findLatestRestorable', () => {
  let root: string;
  let storage: FsCheckpointStorage;
  let logger: ReturnType<typeof recordingLogger>;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'weir-recovery-'));
    storage = new FsCheckpointStorage({ directory: root, jobName: 'job', inlineThreshold: 64 });
    await storage.initialize();
    logger = recordingLogger();
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** A complete checkpoint of two subtasks: keyed state in a file, operator state in a file. */
  async function complete(id: number): Promise<{ location: CheckpointLocation; handles: StreamStateHandle[] }> {
    const location = await storage.createCheckpointLocation(id);
    const handles = [
      await storage.writeState(location, 'op-0-keyed', blob(200, id)),
      await storage.writeState(location, 'op-1-operator', blob(300, id + 1)),
    ];
    await storage.finalize(location, metadataFor(id, handles));
    return { location, handles };
  }

  const file = (location: CheckpointLocation, handle: StreamStateHandle): string => path.join(location.pointer, handle.path);

  it('returns the newest complete checkpoint when every handle verifies', async () => {
    await complete(1);
    const { location } = await complete(2);
    await storage.createCheckpointLocation(3);
    const latest = await findLatestRestorable(storage, logger);
    expect(latest).toMatchObject({ checkpointId: 2, location, metadata: { checkpointId: 2 } });
    expect(logger.warnings).toEqual([]);
  });

  it('falls back past a newest checkpoint with a truncated handle, saying why', async () => {
    await complete(1);
    const newest = await complete(2);
    await truncate(file(newest.location, newest.handles[0]), 100);
    expect((await findLatestRestorable(storage, logger))?.checkpointId).toBe(1);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0].obj).toMatchObject({ checkpointId: 2, pointer: newest.location.pointer });
    expect(logger.warnings[0].msg).toMatch(/checkpoint 2 .*op-0-keyed: size mismatch, expected 200 bytes, actual 100/);
  });

  it('falls back past a newest checkpoint with a bit-flipped operator handle, saying why', async () => {
    await complete(1);
    const newest = await complete(2);
    const bytes = await readFile(file(newest.location, newest.handles[1]));
    bytes[10] ^= 0x04;
    await writeFile(file(newest.location, newest.handles[1]), bytes);
    expect((await findLatestRestorable(storage, logger))?.checkpointId).toBe(1);
    expect(logger.warnings.map((w) => w.msg)).toEqual([expect.stringMatching(/checkpoint 2 .*op-1-operator: checksum mismatch/)]);
  });

  it('falls back past damaged metadata', async () => {
    await complete(1);
    const newest = await complete(2);
    await writeFile(path.join(newest.location.pointer, '_metadata'), 'garbage');
    expect((await findLatestRestorable(storage, logger))?.checkpointId).toBe(1);
    expect(logger.warnings[0].msg).toMatch(/checkpoint 2 .*bad magic/);
  });

  it('returns undefined, with one warning per checkpoint, when every checkpoint is damaged', async () => {
    for (const id of [1, 2]) {
      const { location, handles } = await complete(id);
      await rm(file(location, handles[id - 1]));
    }
    expect(await findLatestRestorable(storage, logger)).toBeUndefined();
    expect(logger.warnings.map((w) => w.obj)).toEqual([
      expect.objectContaining({ checkpointId: 2, reason: expect.stringMatching(/missing/) }),
      expect.objectContaining({ checkpointId: 1, reason: expect.stringMatching(/missing/) }),
    ]);
  });

  it('returns undefined for a job without checkpoints', async () => {
    expect(await findLatestRestorable(storage)).toBeUndefined();
  });

  it('rejects instead of falling back when storage fails for a reason other than damage', async () => {
    await complete(1);
    await complete(2);
    class Unreachable extends FsCheckpointStorage {
      override readState(): Promise<Uint8Array> {
        return Promise.reject(new Error('connection refused'));
      }
    }
    const unreachable = new Unreachable({ directory: root, jobName: 'job', inlineThreshold: 64 });
    await expect(findLatestRestorable(unreachable, logger)).rejects.toThrow('connection refused');
    expect(logger.warnings).toEqual([]);
  });
});
