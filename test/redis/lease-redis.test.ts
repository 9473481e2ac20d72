import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { LeaseConflictError, LeaseLostError, type JobLease, type LeaseHolder } from '@weir/core';
import { RedisCheckpointStorage } from '@weir/redis';
import { metadataFor, blob } from '../../packages/core/src/checkpoint/storage/checkpoint-storage.contract.ts';
import { checkThroughAdvances } from '../../packages/core/src/checkpoint/storage/job-lease.contract.ts';
import { epochKey, leaseKey } from '../../packages/redis/src/keys.ts';
import { useRedis } from '../support/use-redis.ts';

const redis = useRedis();
let client: Redis;
beforeAll(() => {
  client = redis.shared;
});

const opened: RedisCheckpointStorage[] = [];
const leases: JobLease[] = [];
afterEach(async () => {
  for (const lease of leases.splice(0)) await lease.release();
  for (const storage of opened.splice(0)) await storage.close();
});

/** A storage of job `job` below a fresh prefix (or the given one), closed after the test. */
function storageOf(prefix: string, options: { leaseTtlMs?: number; redis?: Redis } = {}): RedisCheckpointStorage {
  const storage = new RedisCheckpointStorage({ redis: options.redis ?? redis.url, jobName: 'job', prefix, leaseTtlMs: options.leaseTtlMs });
  opened.push(storage);
  return storage;
}

async function acquire(storage: RedisCheckpointStorage, holder: LeaseHolder): Promise<JobLease> {
  const lease = await storage.acquireLease(holder);
  leases.push(lease);
  return lease;
}

const me = (): LeaseHolder => ({ pid: process.pid, host: hostname(), since: Date.now() });
const freshPrefix = (): string => `t-${randomBytes(4).toString('hex')}`;

/** The pid of a process of this host that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('the Redis job lease', () => {
  it('refuses a second run, naming the holder, and lets the next one in after release with a larger epoch', async () => {
    const prefix = freshPrefix();
    const first = await acquire(storageOf(prefix), me());
    expect(await client.hgetall(leaseKey('job', { prefix }))).toMatchObject({ pid: String(process.pid), host: hostname(), epoch: String(first.epoch) });
    expect(await client.pttl(leaseKey('job', { prefix }))).toBeGreaterThan(0);

    const refused = await storageOf(prefix).acquireLease(me()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LeaseConflictError);
    expect((refused as LeaseConflictError).holder).toMatchObject({ pid: process.pid, host: hostname() });
    expect((refused as Error).message).toContain(`pid ${process.pid} on ${hostname()}`);
    expect((refused as Error).message).toContain(`redis:${leaseKey('job', { prefix })}`);

    await first.release();
    await expect(first.check()).rejects.toBeInstanceOf(LeaseLostError);
    expect(await client.exists(leaseKey('job', { prefix }))).toBe(0);
    const second = await acquire(storageOf(prefix), me());
    expect(second.epoch).toBeGreaterThan(first.epoch);
    await second.check();
    // advance(): a new, larger epoch for the next attempt, stored in the lease.
    const before = second.epoch;
    const advanced = await second.advance();
    expect(advanced).toBeGreaterThan(before);
    expect(second.epoch).toBe(advanced);
    expect(await client.hget(leaseKey('job', { prefix }), 'epoch')).toBe(String(advanced));
    expect(await client.get(epochKey('job', { prefix }))).toBe(String(advanced));
    await second.check();
  });

  it('does not fence itself when checked, or renewed, while it advances (a restart under load)', async () => {
    // Renewals every 25 ms and checks all through each advance: Redis holds the new epoch a moment
    // before the run does, and a check or renewal in that moment must not take it for a takeover.
    const lease = await acquire(storageOf(freshPrefix(), { leaseTtlMs: 100 }), me());
    await checkThroughAdvances(lease);
    await new Promise((r) => setTimeout(r, 30));
    await lease.check();
  });

  it('takes over at once from a holder on this host whose process is gone, and that holder finds it lost', async () => {
    const prefix = freshPrefix();
    const crashedStorage = storageOf(prefix, { leaseTtlMs: 400 });
    const crashed = await acquire(crashedStorage, { pid: await deadPid(), host: hostname(), since: Date.now() - 1000 });
    const location = await crashedStorage.createCheckpointLocation(1);
    const handle = await crashedStorage.writeState(location, 'op', blob(30_000, 1));

    const storage = storageOf(prefix);
    const lease = await acquire(storage, me());
    expect(lease.epoch).toBeGreaterThan(crashed.epoch);
    await expect(crashed.check()).rejects.toBeInstanceOf(LeaseLostError);

    // The run that was taken over cannot complete a checkpoint: finalize checks the lease in the same script.
    await expect(crashedStorage.finalize(location, metadataFor(1, [handle]))).rejects.toBeInstanceOf(LeaseLostError);
    expect(await client.exists(`${prefix}:ck:job:chk:1:_metadata`)).toBe(0);
    expect((await storage.list()).map((e) => e.hasMetadata)).toEqual([false]);
    // The holder can.
    const own = await storage.createCheckpointLocation(2);
    await storage.finalize(own, metadataFor(2, []));
    expect((await storage.list()).map((e) => [e.checkpointId, e.hasMetadata])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('marks the lease lost when a renewal finds it taken', async () => {
    const prefix = freshPrefix();
    const storage = storageOf(prefix, { leaseTtlMs: 200 });
    const lease = await acquire(storage, me());
    const key = leaseKey('job', { prefix });
    const token = (await client.hget(key, 'token'))!;
    // Someone else's lease for a while (as after an expiry and a takeover): a renewal sees it.
    await client.hset(key, 'token', 'someone-else');
    await new Promise((r) => setTimeout(r, 150));
    // Lost stays lost, even if the key looked like ours again.
    await client.hset(key, 'token', token);
    await expect(lease.check()).rejects.toThrow(/not this run's any more/);
    const location = await storage.createCheckpointLocation(1);
    await expect(storage.finalize(location, metadataFor(1, []))).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('marks the lease lost when it could not be renewed for a whole TTL', async () => {
    const prefix = freshPrefix();
    const own = redis.client();
    const storage = storageOf(prefix, { leaseTtlMs: 200, redis: own });
    const lease = await acquire(storage, me());
    own.disconnect(); // Redis unreachable from this run
    await new Promise((r) => setTimeout(r, 400));
    await expect(lease.check()).rejects.toThrow(/could not be renewed for 200 ms/);
  });

  it('lets another holder in once a lease that is not renewed expires', async () => {
    const prefix = freshPrefix();
    const elsewhere = storageOf(prefix, { leaseTtlMs: 300 });
    const stale = await acquire(elsewhere, { pid: process.pid, host: 'another-host', since: Date.now() });
    await elsewhere.close(); // stops renewing, as a host that died would
    const next = storageOf(prefix);
    const refused = await next.acquireLease(me()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LeaseConflictError);
    expect((refused as Error).message).toContain('on another-host');
    await expect.poll(() => client.exists(leaseKey('job', { prefix })), { timeout: 2_000, interval: 50 }).toBe(0);
    const lease = await acquire(next, me());
    expect(lease.epoch).toBeGreaterThan(stale.epoch);
  });
});
