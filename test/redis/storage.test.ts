import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { ConfigError, type CheckpointLocation, type StreamStateHandle } from '@weir/core';
import { RedisCheckpointStorage } from '@weir/redis';
import {
  type CheckpointStorageFixture,
  blob,
  checkpointStorageContract,
  metadataFor,
} from '../../packages/core/src/checkpoint/storage/checkpoint-storage.contract.ts';
import { findLatestRestorable } from '../../packages/core/src/checkpoint/recovery.ts';
import { locationKeys } from '../../packages/redis/src/keys.ts';
import { parsePointer } from '../../packages/redis/src/storage/pointer.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';

let redis: TestRedis;
let admin: Redis;

beforeAll(async () => {
  redis = await startRedis();
  admin = redis.client();
});

afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

function rootOf(location: CheckpointLocation): string {
  const parsed = parsePointer(location.pointer);
  if (parsed === undefined) throw new Error(`not a Redis pointer: ${location.pointer}`);
  return parsed.root;
}

/** Damages the string behind a handle: the Redis half of the contract fixture. */
async function damage(location: CheckpointLocation, handle: StreamStateHandle, how: 'truncate' | 'flip'): Promise<void> {
  const key = locationKeys(rootOf(location)).state(handle.path);
  const bytes = await admin.getBuffer(key);
  if (bytes === null) throw new Error(`no state at ${key}`);
  if (how === 'truncate') {
    await admin.set(key, bytes.subarray(0, bytes.length - 1));
    return;
  }
  bytes[bytes.length >> 1] ^= 0x10;
  await admin.set(key, bytes);
}

/** Every key below a prefix (the tests' own, fresh per fixture). */
async function keysBelow(prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found.sort();
}

async function makeFixture(inlineThreshold?: number): Promise<CheckpointStorageFixture> {
  const prefix = `t-${randomBytes(4).toString('hex')}`;
  const storage = new RedisCheckpointStorage({ redis: redis.url, jobName: 'job', prefix, inlineThreshold });
  return {
    storage,
    inlineThreshold: inlineThreshold ?? 20 * 1024,
    savepointTarget: `redis:${prefix}-savepoints`,
    damage,
    removeMetadata: async (location) => {
      await admin.del(locationKeys(rootOf(location)).metadata);
    },
    cleanup: async () => {
      for (const p of [prefix, `${prefix}-savepoints`]) {
        const keys = await keysBelow(p);
        if (keys.length > 0) await admin.unlink(...keys);
      }
    },
  };
}

checkpointStorageContract('RedisCheckpointStorage', () => makeFixture());
checkpointStorageContract('RedisCheckpointStorage that never inlines', () => makeFixture(0));

describe('RedisCheckpointStorage in Redis', () => {
  it('lays a checkpoint out below <prefix>:ck:<job>:chk:<n> with one key per handle and _metadata', async () => {
    const prefix = `t-${randomBytes(4).toString('hex')}`;
    const storage = new RedisCheckpointStorage({ redis: redis.url, jobName: 'wordcount', prefix, inlineThreshold: 64 });
    await storage.initialize();
    const location = await storage.createCheckpointLocation(17);
    expect(location.pointer).toBe(`redis:${prefix}:ck:wordcount:chk:17`);
    expect(storage.description).toBe(`redis:${prefix}:ck:wordcount`);
    const handle = await storage.writeState(location, 'op-uid-0-keyed', blob(100, 1));
    await storage.writeState(location, 'small', blob(10, 2));
    await storage.finalize(location, metadataFor(17, [handle]));
    const root = `${prefix}:ck:wordcount:chk:17`;
    expect(await keysBelow(prefix)).toEqual(
      [`${prefix}:ck:wordcount:index`, `${root}:_created`, `${root}:_metadata`, `${root}:_names`, `${root}:state:op-uid-0-keyed`].sort(),
    );
    await storage.discard(location);
    expect(await keysBelow(prefix)).toEqual([]);
    await storage.close();
  });

  it('refuses to reuse the location of an existing checkpoint id', async () => {
    const prefix = `t-${randomBytes(4).toString('hex')}`;
    const storage = new RedisCheckpointStorage({ redis: redis.url, jobName: 'j', prefix });
    await storage.createCheckpointLocation(4);
    await expect(storage.createCheckpointLocation(4)).rejects.toThrow(/already exists/);
    await storage.close();
  });

  it('resolves a pointer to _metadata and a savepoint of another prefix', async () => {
    const prefix = `t-${randomBytes(4).toString('hex')}`;
    const storage = new RedisCheckpointStorage({ redis: redis.url, jobName: 'j', prefix });
    const location = await storage.createCheckpointLocation(3);
    await storage.finalize(location, metadataFor(3, []));
    expect(await storage.resolve(`${location.pointer}:_metadata`)).toEqual(location);
    const savepoint = await storage.createSavepointLocation(3, `redis:${prefix}-elsewhere`);
    expect(savepoint.pointer).toMatch(new RegExp(`^redis:${prefix}-elsewhere:sp:3-[a-z0-9]{6}$`));
    const other = new RedisCheckpointStorage({ redis: redis.url, jobName: 'another-job', prefix: 'x' });
    expect(await other.resolve(savepoint.pointer)).toEqual(savepoint);
    await expect(other.resolve(`redis:${prefix}:ck:j:chk:99`)).rejects.toThrow(/no checkpoint/);
    await storage.discard(location);
    await storage.discard(savepoint);
    await storage.close();
    await other.close();
  });

  it('never picks a checkpoint whose finalize did not run for recovery', async () => {
    const prefix = `t-${randomBytes(4).toString('hex')}`;
    const storage = new RedisCheckpointStorage({ redis: redis.url, jobName: 'j', prefix, inlineThreshold: 0 });
    const one = await storage.createCheckpointLocation(1);
    await storage.finalize(one, metadataFor(1, [await storage.writeState(one, 'a', blob(2000, 1))]));
    const two = await storage.createCheckpointLocation(2);
    await storage.writeState(two, 'a', blob(2000, 2));
    expect((await findLatestRestorable(storage))?.checkpointId).toBe(1);
    await storage.discard(one);
    await storage.discard(two);
    expect(await keysBelow(prefix)).toEqual([]);
    await storage.close();
  });

  it('does not close a client it was given', async () => {
    const client = redis.client();
    const storage = new RedisCheckpointStorage({ redis: client, jobName: 'j', prefix: `t-${randomBytes(4).toString('hex')}` });
    await storage.initialize();
    await storage.close();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });

  it('validates its options', () => {
    expect(() => new RedisCheckpointStorage({ redis: redis.url, jobName: '' })).toThrow(/jobName/);
    expect(() => new RedisCheckpointStorage({ redis: redis.url, jobName: 'j', inlineThreshold: -1 })).toThrow(/inlineThreshold/);
    expect(() => new RedisCheckpointStorage({ redis: redis.url, jobName: 'j', leaseTtlMs: 0 })).toThrow(/leaseTtlMs/);
  });

  it('rejects option keys it does not know, naming the key and the nearest valid one', () => {
    const unknown = (options: object): unknown => {
      try {
        new RedisCheckpointStorage({ redis: redis.url, jobName: 'j', ...options });
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const typo = unknown({ inlineTreshold: 10 });
    expect(typo).toBeInstanceOf(ConfigError);
    expect((typo as ConfigError).option).toBe('inlineTreshold');
    expect((typo as Error).message).toMatch(/RedisCheckpointStorage has no option 'inlineTreshold'; did you mean 'inlineThreshold'\?/);
    expect((unknown({ retained: 3 }) as ConfigError).option).toBe('retained');
  });

  it('refuses a state write or a finalize that arrives after its location was discarded, and leaves nothing behind', async () => {
    const prefix = `t-${randomBytes(4).toString('hex')}`;
    const storage = new RedisCheckpointStorage({ redis: redis.url, jobName: 'j', prefix, inlineThreshold: 0 });
    const location = await storage.createCheckpointLocation(5);
    const early = await storage.writeState(location, 'early', blob(100, 1));
    // Retention or an abort discards the location while an upload of it still runs.
    await storage.discard(location);
    await expect(storage.writeState(location, 'late', blob(100, 2))).rejects.toThrow(/was discarded/);
    await expect(storage.finalize(location, metadataFor(5, [early]))).rejects.toThrow(/was discarded/);
    expect(await keysBelow(prefix)).toEqual([]);
    // A later run that reaches checkpoint id 5 again finds the id clean.
    const again = await storage.createCheckpointLocation(5);
    const handle = await storage.writeState(again, 'late', blob(100, 3));
    await storage.finalize(again, metadataFor(5, [handle]));
    expect(await storage.readState(again, handle)).toEqual(blob(100, 3));
    await storage.discard(again);
    expect(await keysBelow(prefix)).toEqual([]);
    await storage.close();
  });

  it('discards a savepoint without touching the job index', async () => {
    const prefix = `t-${randomBytes(4).toString('hex')}`;
    const storage = new RedisCheckpointStorage({ redis: redis.url, jobName: 'j', prefix, inlineThreshold: 0 });
    const one = await storage.createCheckpointLocation(1);
    await storage.finalize(one, metadataFor(1, []));
    const savepoint = await storage.createSavepointLocation(1, 'ignored-dir');
    await storage.writeState(savepoint, 'op', blob(100, 1));
    await storage.discard(savepoint);
    await expect(storage.writeState(savepoint, 'op2', blob(100, 1))).rejects.toThrow(/was discarded/);
    expect((await storage.list()).map((e) => e.checkpointId)).toEqual([1]);
    await storage.discard(one);
    expect(await keysBelow(prefix)).toEqual([]);
    await storage.close();
  });
});
