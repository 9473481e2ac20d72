import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { LeaseConflictError, LeaseLostError, type JobLease, type LeaseHolder } from '@weir/core';
import { acquireLease, advanceLease, releaseLease, renewLease, type LeaseKeys } from '../lua/lease.ts';
import type { LeaseFencing } from '../lua/finalize.ts';

/** Default TTL of the Redis job lease: a run whose process vanished (another host) is taken over after this. */
export const DEFAULT_LEASE_TTL_MS = 10_000;

/** Options of {@link acquireRedisLease}. */
export interface RedisLeaseOptions {
  readonly jobName: string;
  readonly keys: LeaseKeys;
  /** The lease expires unless renewed within this; renewed every quarter of it. */
  readonly ttlMs: number;
}

/** A {@link JobLease} held in Redis, with what `finalize-4.lua` checks. */
export interface RedisJobLease extends JobLease {
  /** Token and epoch while the lease is held (not released); `undefined` after release. */
  readonly fencing: LeaseFencing | undefined;
  /** Set once this run knows it lost the lease (a renewal found another token, or lapsed). */
  readonly lost: LeaseLostError | undefined;
  /** Stops renewing without giving the lease up (the storage closes): it expires after its TTL. */
  stopRenewing(): void;
}

/**
 * The job lease in Redis (see `acquire-lease-2.lua`): `<prefix>:ck:<job>:lease`, a hash naming the
 * holder (pid, host, since), a random token and the fencing epoch, that expires `ttlMs` after its
 * last renewal; `<prefix>:ck:<job>:epoch` counts epochs and never expires.
 *
 * When the lease is held: a holder on this host whose pid no longer runs is taken over at once
 * (compare-and-swap on its token); any other holder is reported in a {@link LeaseConflictError},
 * and its lease is free once it stops renewing for `ttlMs` (a host that died).
 *
 * Renewal runs every `ttlMs / 4` on an unref'd timer. A renewal that finds another token, or that
 * could not reach Redis for a whole TTL, marks the lease lost: `check()` rejects from then on (it
 * also reads the lease, so a takeover is seen at the next check even between renewals).
 */
export async function acquireRedisLease(client: Redis, holder: LeaseHolder, options: RedisLeaseOptions): Promise<RedisJobLease> {
  const { keys, ttlMs, jobName } = options;
  const where = `redis:${keys.lease}`;
  const token = randomBytes(16).toString('hex');
  let epoch = await takeLease(client, holder, token, options);

  let lost: LeaseLostError | undefined;
  let released = false;
  let renewedAt = Date.now();
  let renewing = false;
  const loseWith = (message: string, cause?: unknown): LeaseLostError => {
    lost ??= new LeaseLostError(message, cause === undefined ? undefined : { cause });
    return lost;
  };
  // While `advance` runs, Redis may hold the new epoch before `epoch` does: a renewal with the old
  // one would fail, and a check would find "another" epoch under our own token and fence this run.
  let advancing = false;
  const renew = (): void => {
    if (renewing || advancing || released || lost !== undefined) return;
    renewing = true;
    const attemptAt = Date.now();
    renewLease(client, keys.lease, token, epoch, ttlMs)
      .then(
        (ours) => {
          if (ours) renewedAt = attemptAt;
          else if (!released) loseWith(`the job lease ${where} (epoch ${epoch}) is not this run's any more: it expired or another run took job '${jobName}' over`);
        },
        (err: unknown) => {
          if (Date.now() - renewedAt >= ttlMs) {
            loseWith(`the job lease ${where} (epoch ${epoch}) could not be renewed for ${ttlMs} ms and may have expired: ${String(err)}`, err);
          }
        },
      )
      .finally(() => {
        renewing = false;
      });
  };
  const timer = setInterval(renew, Math.max(10, Math.floor(ttlMs / 4)));
  timer.unref();

  const lease: RedisJobLease = {
    get epoch() {
      return epoch;
    },
    holder,
    get fencing() {
      return released ? undefined : { token, epoch };
    },
    get lost() {
      return lost;
    },
    async advance() {
      await lease.check();
      advancing = true;
      try {
        epoch = await advanceLease(client, keys, token, epoch, ttlMs);
      } catch (e) {
        if (isLeaseLost(e)) throw loseWith((e as Error).message.replace(/^WEIRLEASELOST /, ''), e);
        throw e;
      } finally {
        advancing = false;
      }
      renewedAt = Date.now();
      return epoch;
    },
    async check() {
      if (released) throw new LeaseLostError(`the job lease ${where} was released by this run`);
      if (lost !== undefined) throw lost;
      const [currentToken, currentEpoch, pid, host] = await client.hmget(keys.lease, 'token', 'epoch', 'pid', 'host');
      // Our token with another epoch is our own advance landing (only a takeover changes the token).
      if (currentToken !== token || (currentEpoch !== String(epoch) && !advancing)) {
        const now = currentToken === null ? 'is not held by anyone' : `is held by pid ${String(pid)} on ${String(host)} (epoch ${String(currentEpoch)})`;
        throw loseWith(`the job lease ${where} ${now}, not by this run (epoch ${epoch}): job '${jobName}' was taken over or the lease expired`);
      }
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      // Best effort: if Redis cannot be reached, the lease expires after its TTL anyway.
      await releaseLease(client, keys.lease, token).catch(() => false);
    },
    stopRenewing() {
      clearInterval(timer);
    },
  };
  return lease;
}

/** Acquires the lease (taking over from a dead holder on this host); resolves with the epoch. */
async function takeLease(client: Redis, holder: LeaseHolder, token: string, options: RedisLeaseOptions): Promise<number> {
  let takeOverFrom = '';
  for (;;) {
    const outcome = await acquireLease(client, options.keys, {
      token,
      pid: holder.pid,
      host: holder.host,
      since: holder.since,
      ttlMs: options.ttlMs,
      takeOverFrom,
    });
    if (outcome.status === 'acquired') return outcome.epoch;
    const current: LeaseHolder = { pid: outcome.pid, host: outcome.host, since: Number.isFinite(outcome.since) ? outcome.since : 0 };
    // Each round takes over from a holder seen dead once: a new dead holder (rare) means another round.
    if (current.host === hostname() && !pidRuns(current.pid) && takeOverFrom !== outcome.token) {
      takeOverFrom = outcome.token;
      continue;
    }
    throw new LeaseConflictError(options.jobName, current, `redis:${options.keys.lease}`);
  }
}

/** Whether a process of this host runs with that pid (EPERM: it runs, as another user). */
function pidRuns(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether an error is a `WEIRLEASELOST` reply of a lease script. */
export function isLeaseLost(e: unknown): boolean {
  return e instanceof Error && e.message.startsWith('WEIRLEASELOST');
}
