import type { Redis } from 'ioredis';
import { deadLetterReplayedKey } from '../keys.ts';
import { moveLetters, type LetterMove, type ReplayTargetKind } from '../lua/replay.ts';
import { matchesFilter, type LetterFilter } from './letter-filter.ts';
import { DEFAULT_PAGE_SIZE, DeadLetterListError, checkDeadLetterList } from './read-dead-letters.ts';
import { decodeStoredLetter, replayPayload } from './stored-letter.ts';

/** Options of {@link replayDeadLetters}. */
export interface ReplayDeadLettersOptions {
  /** The dead-letter list to replay from. */
  readonly deadLetterList: string;
  /** The queue (list) or stream the payloads go to, in the same Redis. */
  readonly target: string;
  /** What the target is; default: its current type (it must exist then). */
  readonly targetKind?: ReplayTargetKind;
  /** The stream field that holds the payload; default `'value'` (what stream sources read). */
  readonly field?: string;
  /** Which letters move; default all. */
  readonly filter?: LetterFilter;
  /** Move at most this many letters. */
  readonly limit?: number;
  /** Letters per script call; default 200. */
  readonly chunkSize?: number;
  /** Called after each script call with the letters moved so far. */
  readonly onProgress?: (moved: number) => void;
}

/** What a replay did. */
export interface ReplayOutcome {
  readonly target: string;
  readonly targetKind: ReplayTargetKind;
  /** Letters moved by this call (earlier, interrupted replays are not counted). */
  readonly moved: number;
  /** Elements in the list after the replay: letters not selected, elements that are not letters, letters added meanwhile. */
  readonly left: number;
  /** Elements that are not letters Weir wrote (never moved). */
  readonly unreadable: number;
}

const DEFAULT_CHUNK = 200;
/** Bytes of letters and payloads per script call, so that no call holds Redis for long. */
const MAX_CHUNK_BYTES = 1 << 20;
/** Passes in a row that find letters gone and move none (another replay or purge racing) before the replay gives up. */
const MAX_IDLE_PASSES = 100;

/**
 * Moves dead letters back to the queue or stream they came from, each exactly once, however often
 * the replay is interrupted and started again.
 *
 * The protocol: the list is read page by page; the letters the filter selects are sent, with their
 * exact bytes, the index each is expected at and their payload, to `replay-3.lua`, a chunk per
 * call. In one atomic step the script removes each letter still in the list and writes its
 * payload to the target. A letter is thus at every instant either in the dead-letter list or in the
 * target, never in both, never in neither: being gone from the list is the mark that it was
 * replayed. A replay killed (SIGKILL) at any point has moved whole chunks, not halves; a replay
 * started again re-reads the list and moves what is still there. When letters it selected are gone
 * (another replay or a purge ran at the same time), its reading position may have slid past others,
 * so it reads the list once more from the head.
 *
 * The target and the list must be in the same Redis (and, in a cluster, the same hash slot).
 */
export async function replayDeadLetters(client: Redis, options: ReplayDeadLettersOptions): Promise<ReplayOutcome> {
  const key = options.deadLetterList;
  await checkDeadLetterList(client, key);
  if (options.target === key) throw new DeadLetterListError(`cannot replay ${key} into itself`);
  const targetKind = options.targetKind ?? (await existingKind(client, options.target));
  const field = options.field ?? 'value';
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  const limit = options.limit ?? Infinity;
  const keys = { deadLetterList: key, target: options.target, replayed: deadLetterReplayedKey(key) };
  let moved = 0;
  for (let idle = 0; ; ) {
    const pass = await replayPass(client, keys, targetKind, field, options.filter, chunkSize, limit - moved, (n) => options.onProgress?.(moved + n));
    moved += pass.moved;
    if (pass.gone === 0 || moved >= limit) return { target: options.target, targetKind, moved, left: await client.llen(key), unreadable: pass.unreadable };
    idle = pass.moved === 0 ? idle + 1 : 0;
    if (idle > MAX_IDLE_PASSES) throw new DeadLetterListError(`${key} kept changing during the replay (another replay or purge running?); ${moved} letters moved, run it again`);
  }
}

interface Pass {
  readonly moved: number;
  /** Letters selected but gone when their chunk was sent. */
  readonly gone: number;
  readonly unreadable: number;
}

/** One pass over the list from its head, up to `limit` letters. */
async function replayPass(
  client: Redis,
  keys: Parameters<typeof moveLetters>[1],
  kind: ReplayTargetKind,
  field: string,
  filter: LetterFilter | undefined,
  chunkSize: number,
  limit: number,
  progress: (moved: number) => void,
): Promise<Pass> {
  let moved = 0;
  let gone = 0;
  let unreadable = 0;
  for (let cursor = 0; moved < limit; ) {
    const page = await client.lrangeBuffer(keys.deadLetterList, cursor, cursor + DEFAULT_PAGE_SIZE - 1);
    if (page.length === 0) break;
    const picks: LetterMove[] = [];
    for (let i = 0; i < page.length; i++) {
      const letter = decodeStoredLetter(page[i]);
      if (letter === undefined) unreadable++;
      else if (moved + picks.length < limit && matchesFilter(letter, filter)) picks.push({ index: cursor + i, entry: page[i], payload: replayPayload(letter) });
    }
    // Letters this pass removed from the page shift the ones after them one place to the head.
    let removed = 0;
    for (const chunk of chunks(picks, chunkSize)) {
      const outcome = await moveLetters(client, keys, kind, field, chunk.map((p) => ({ ...p, index: p.index - removed })));
      moved += outcome.moved;
      gone += outcome.gone;
      removed += outcome.moved;
      progress(moved);
    }
    cursor += page.length - removed;
  }
  return { moved, gone, unreadable };
}

/** Chunks of at most `size` letters and about {@link MAX_CHUNK_BYTES} bytes (at least one letter each). */
function* chunks(picks: readonly LetterMove[], size: number): Generator<LetterMove[]> {
  let chunk: LetterMove[] = [];
  let bytes = 0;
  for (const p of picks) {
    const b = p.entry.length + p.payload.length;
    if (chunk.length > 0 && (chunk.length >= size || bytes + b > MAX_CHUNK_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(p);
    bytes += b;
  }
  if (chunk.length > 0) yield chunk;
}

async function existingKind(client: Redis, target: string): Promise<ReplayTargetKind> {
  const type = await client.type(target);
  if (type === 'list' || type === 'stream') return type;
  if (type === 'none') throw new DeadLetterListError(`${target} does not exist: say whether it is a list or a stream`);
  throw new DeadLetterListError(`${target} is a ${type}: a replay writes to a list or a stream`);
}
