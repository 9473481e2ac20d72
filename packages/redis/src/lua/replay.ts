import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { defineScript } from '../connection.ts';

/** Keys of `replay-3.lua`, in the header's order. */
export interface ReplayKeys {
  readonly deadLetterList: string;
  /** The queue (a list) or stream the payloads go to. */
  readonly target: string;
  /** The dead-letter list's replay counts (see `deadLetterReplayedKey`). */
  readonly replayed: string;
}

/** What a replay writes to: a list (LPUSH, as a list source's producers do) or a stream (XADD). */
export type ReplayTargetKind = 'list' | 'stream';

/** One letter to move: where it is expected (a hint), its exact bytes, and the payload that goes back. */
export interface LetterMove {
  readonly index: number;
  readonly entry: Buffer;
  readonly payload: Buffer;
}

/** What one `replay-3.lua` call did. */
export interface MoveOutcome {
  readonly moved: number;
  /** Letters no longer in the list: another replay or a purge took them meanwhile. */
  readonly gone: number;
}

/**
 * Moves `letters` from the dead-letter list to the target with one `replay-3.lua` call: each
 * letter still in the list (at its index, or found by its bytes) is removed and its payload
 * written in the same atomic step. Rejects with WEIRTYPE when the target has another type, WEIRREPLAY when a
 * write failed part-way (the letters moved before it stay moved).
 */
export async function moveLetters(
  client: Redis,
  keys: ReplayKeys,
  kind: ReplayTargetKind,
  field: string,
  letters: readonly LetterMove[],
): Promise<MoveOutcome> {
  const replay = defineScript(client, 'weirReplay', 'replay-3.lua', 3);
  const argv: (string | number | Buffer)[] = [kind, field, marker('replaying')];
  for (const l of letters) argv.push(l.index, l.entry, l.payload);
  const [moved, gone] = (await replay([keys.deadLetterList, keys.target, keys.replayed], argv)) as [number, number];
  return { moved, gone };
}

/**
 * A value no list element equals: starts with bytes that neither JSON, msgpack maps nor text
 * producers write, and ends with 16 random bytes, so that it is unique to one call.
 */
export function marker(what: string): Buffer {
  return Buffer.concat([Buffer.from(`\u0000\u00ffweir:${what}:`, 'latin1'), randomBytes(16)]);
}
