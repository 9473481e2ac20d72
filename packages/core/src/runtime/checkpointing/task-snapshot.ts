import type { CheckpointLocation, CheckpointStorage } from '../../checkpoint/storage/checkpoint-storage.ts';
import type { OperatorSubtaskState } from '../../checkpoint/types.ts';
import type { KeyGroupRange } from '../../state/key-group-range.ts';
import type { KeyedStateBackend, KeyedStateSnapshot } from '../../state/state-backend.ts';
import { concatKeyGroups, encodeOperatorLists } from '../../state/snapshot/snapshot-codec.ts';
import { yieldToEventLoop } from '../tasks/stream-task.ts';
import type { CheckpointParticipant } from './checkpointed.ts';

/**
 * A subtask's state at a barrier: keyed state as a running {@link KeyedStateSnapshot} (nothing
 * copied yet), operator lists already encoded. Records keep flowing while {@link writeTaskSnapshot}
 * encodes the keyed state and writes it all.
 */
export interface TaskSnapshot {
  readonly keyed: { readonly uid: string; readonly range: KeyGroupRange; readonly snapshot: KeyedStateSnapshot } | null;
  readonly lists: readonly EncodedLists[];
  /** Participants' asynchronous parts, started at the barrier; awaited before the acknowledgement. */
  readonly pending: readonly Promise<void>[];
}

/** One operator's lists, encoded at the barrier (or the error encoding them raised). */
interface EncodedLists {
  readonly uid: string;
  readonly counts: Record<string, number>;
  readonly bytes: Uint8Array | undefined;
  readonly error: unknown;
}

/**
 * The synchronous part: starts the keyed snapshot and encodes every participant's operator lists.
 * Lists are encoded here, at the barrier, not later: an element a function changes in place after
 * the barrier must not reach the checkpoint (a shallow copy would share it). Participants of one
 * operator (its own lists, its dead-letter stage) share one blob.
 */
export function takeTaskSnapshot(
  checkpointId: number,
  keyed: { uid: string; backend: KeyedStateBackend } | null,
  participants: readonly CheckpointParticipant[],
): TaskSnapshot {
  let keyedPart: TaskSnapshot['keyed'] = null;
  if (keyed !== null) {
    keyedPart = { uid: keyed.uid, range: keyed.backend.keyGroupRange, snapshot: keyed.backend.snapshot() };
  }
  const byUid = new Map<string, Record<string, readonly unknown[]>>();
  const pending: Promise<void>[] = [];
  for (const p of participants) {
    const l = p.snapshotState?.(checkpointId);
    if (l !== undefined) byUid.set(p.uid, { ...byUid.get(p.uid), ...l });
    const done = p.completeSnapshot?.(checkpointId);
    if (done !== undefined) {
      // Awaited only once the upload queue runs this snapshot: a rejection before then must not
      // count as unhandled (which would crash the process); writeTaskSnapshot still sees it.
      done.catch(() => {});
      pending.push(done);
    }
  }
  const lists: EncodedLists[] = [];
  for (const [uid, l] of byUid) {
    const counts: Record<string, number> = {};
    for (const [name, list] of Object.entries(l)) counts[name] = list.length;
    try {
      lists.push({ uid, counts, bytes: encodeOperatorLists(l), error: undefined });
    } catch (e) {
      lists.push({ uid, counts, bytes: undefined, error: e });
    }
  }
  return { keyed: keyedPart, lists, pending };
}

/** How long encoding runs before it lets the task loop have the event loop again. */
const ENCODE_SLICE_MS = 4;

/**
 * The asynchronous part: encodes the key groups no record has made the snapshot encode yet
 * (yielding to the task loop between slices), then writes one blob per operator. Resolves with
 * the handles per operator uid.
 */
export async function writeTaskSnapshot(
  snapshot: TaskSnapshot,
  subtaskIndex: number,
  location: CheckpointLocation,
  storage: CheckpointStorage,
): Promise<{ states: Record<string, OperatorSubtaskState>; stateSize: number }> {
  try {
    return await write(snapshot, subtaskIndex, location, storage);
  } finally {
    // On failure, stop making records wait for copies nobody will write.
    snapshot.keyed?.snapshot.release();
  }
}

async function write(
  snapshot: TaskSnapshot,
  subtaskIndex: number,
  location: CheckpointLocation,
  storage: CheckpointStorage,
): Promise<{ states: Record<string, OperatorSubtaskState>; stateSize: number }> {
  const states: Record<string, { keyed?: OperatorSubtaskState['keyed']; operator?: OperatorSubtaskState['operator'] }> = {};
  let stateSize = 0;
  await Promise.all(snapshot.pending);
  if (snapshot.keyed !== null) {
    const { uid, range, snapshot: keyed } = snapshot.keyed;
    let groups: readonly Uint8Array[];
    try {
      while (!keyed.encodeSome(ENCODE_SLICE_MS)) await yieldToEventLoop();
      groups = keyed.encodedKeyGroups();
    } catch (e) {
      throw new SnapshotEncodeError(uid, e);
    }
    const { bytes, offsets } = concatKeyGroups(groups);
    const handle = await storage.writeState(location, stateFileName(uid, subtaskIndex, 'keyed'), bytes);
    stateSize += handle.size;
    states[uid] = { keyed: { range: { start: range.start, end: range.end }, offsets, handle } };
  }
  for (const { uid, counts, bytes, error } of snapshot.lists) {
    if (bytes === undefined) throw new SnapshotEncodeError(uid, error, 'operator state');
    const handle = await storage.writeState(location, stateFileName(uid, subtaskIndex, 'op'), bytes);
    stateSize += handle.size;
    states[uid] = { ...states[uid], operator: { lists: counts, handle } };
  }
  return { states, stateSize };
}

/** State of operator `uid` could not be encoded (as opposed to written). */
export class SnapshotEncodeError extends Error {
  override readonly name = 'SnapshotEncodeError';
  constructor(
    readonly uid: string,
    cause: unknown,
    what = 'keyed state',
  ) {
    super(`${what} of operator '${uid}' could not be encoded: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** A file name for a state handle: the uid made safe for any storage, plus the subtask. */
export function stateFileName(uid: string, subtaskIndex: number, part: 'keyed' | 'op'): string {
  const safe = uid.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.-]/, '_').slice(0, 120);
  return `${safe}-${subtaskIndex}-${part}`;
}
