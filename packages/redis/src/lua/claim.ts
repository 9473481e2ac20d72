import type { Redis } from 'ioredis';
import { defineScript } from '../connection.ts';

/** Keys of `claim-3.lua`, in the header's order. */
export interface ClaimKeys {
  /** The queue producers push to. */
  readonly queue: string;
  /** The claiming subtask's processing list. */
  readonly processing: string;
  /** The registry of the source's processing lists. */
  readonly registry: string;
}

/** The most items one claim moves (Lua `unpack` and the time a script holds Redis bound it). */
export const MAX_CLAIM = 5000;

type BufferReply = (...args: (string | number)[]) => Promise<Buffer[]>;

/**
 * Moves up to `count` items from the queue to the end of the processing list in one atomic script
 * (registering the list) and returns them, oldest first, as bytes. `expectedLength` is the
 * processing list's length the caller knows (or -1): on a mismatch nothing moves and the call
 * rejects with WEIRCONFLICT.
 */
export function claim(client: Redis, keys: ClaimKeys, count: number, expectedLength: number): Promise<Buffer[]> {
  defineScript(client, 'weirClaim', 'claim-3.lua', 3);
  // ioredis defines `<name>Buffer` beside every script command: items are bytes (msgpack), not text.
  const claimBuffer = (client as unknown as Record<string, BufferReply>).weirClaimBuffer;
  return claimBuffer.call(client, keys.queue, keys.processing, keys.registry, Math.min(Math.max(1, count), MAX_CLAIM), expectedLength);
}
