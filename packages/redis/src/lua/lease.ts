import type { Redis } from 'ioredis';
import { defineScript } from '../connection.ts';

/**
 * Typed wrappers of the job lease scripts: `acquire-lease-2.lua`, `renew-lease-1.lua`,
 * `advance-lease-2.lua` and `release-lease-1.lua` (one protocol, so one module).
 */

/** Keys of the lease scripts. */
export interface LeaseKeys {
  /** The lease hash (token, epoch, pid, host, since), with a TTL. */
  readonly lease: string;
  /** The job's epoch counter (no TTL). */
  readonly epoch: string;
}

/** What acquiring found: the lease is ours with a new epoch, or someone holds it. */
export type AcquireOutcome =
  | { readonly status: 'acquired'; readonly epoch: number }
  | { readonly status: 'held'; readonly pid: number; readonly host: string; readonly since: number; readonly token: string };

export interface AcquireArgs {
  readonly token: string;
  readonly pid: number;
  readonly host: string;
  readonly since: number;
  readonly ttlMs: number;
  /** The token of a holder found dead, to take over from; '' to take a free lease only. */
  readonly takeOverFrom: string;
}

export async function acquireLease(client: Redis, keys: LeaseKeys, args: AcquireArgs): Promise<AcquireOutcome> {
  const script = defineScript(client, 'weirAcquireLease', 'acquire-lease-2.lua', 2);
  const reply = (await script([keys.lease, keys.epoch], [args.token, args.pid, args.host, args.since, args.ttlMs, args.takeOverFrom])) as (
    | string
    | number
  )[];
  if (reply[0] === 'acquired') return { status: 'acquired', epoch: Number(reply[1]) };
  return { status: 'held', pid: Number(reply[1]), host: String(reply[2]), since: Number(reply[3]), token: String(reply[4]) };
}

/** Extends the lease's TTL; false when it is not the caller's any more. */
export async function renewLease(client: Redis, lease: string, token: string, epoch: number, ttlMs: number): Promise<boolean> {
  const script = defineScript(client, 'weirRenewLease', 'renew-lease-1.lua', 1);
  return Number(await script([lease], [token, epoch, ttlMs])) === 1;
}

/** Moves the caller's lease to the next epoch; rejects with `WEIRLEASELOST` when it is not the caller's. */
export async function advanceLease(client: Redis, keys: LeaseKeys, token: string, epoch: number, ttlMs: number): Promise<number> {
  const script = defineScript(client, 'weirAdvanceLease', 'advance-lease-2.lua', 2);
  return Number(await script([keys.lease, keys.epoch], [token, epoch, ttlMs]));
}

/** Deletes the lease if it is the caller's; false when it was not. */
export async function releaseLease(client: Redis, lease: string, token: string): Promise<boolean> {
  const script = defineScript(client, 'weirReleaseLease', 'release-lease-1.lua', 1);
  return Number(await script([lease], [token])) === 1;
}
