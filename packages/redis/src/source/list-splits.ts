import { processingListKey } from '../keys.ts';

/**
 * The position of one processing list: how many of its items (an absolute offset, counted from
 * the first item the list ever held) have been delivered downstream.
 */
export interface ListSplit {
  readonly processingList: string;
  readonly offset: number;
}

/** A split to read, and where from: a checkpointed offset, or the list's current head. */
export interface AssignedList {
  readonly processingList: string;
  readonly from: number | 'head';
}

/** What one subtask reads, and the list (an index into `lists`) it claims new items into. */
export interface ListAssignment {
  readonly lists: readonly AssignedList[];
  readonly claimInto: number;
}

/**
 * Which processing lists a list source subtask reads, and into which one it claims.
 *
 * - **Fresh start** (no checkpoint): subtask `s` reads and claims into `<list>:processing:<s>`,
 *   from its head: whatever is still there was claimed by an earlier run and never released by a
 *   complete checkpoint, so it is delivered (after a `fresh` start over old checkpoints, items the
 *   old checkpoints covered but had not yet trimmed are delivered again).
 * - **Restore**: the subtask reads every split it was given from its checkpointed offset. It claims
 *   into its own list `<list>:processing:<s>` if it holds that split, otherwise into the
 *   lowest-numbered list it holds. Splits are never dropped (a drained list costs one `LRANGE` on
 *   restore), so the lists of a job are always `0..K-1`, K the highest parallelism it has run at;
 *   round-robin redistribution gives every subtask below K at least one, and each split goes to
 *   exactly one subtask, so no two subtasks ever claim into the same list.
 * - A subtask given **no split** (the job was restored at a parallelism above K, so `s ≥ K`) claims
 *   into `<list>:processing:<s>`, which no checkpointed split names, reading it from its head:
 *   anything there was claimed after the restored checkpoint by a run that died. It becomes a split
 *   from the next checkpoint on, and the lists are `0..s` again.
 *
 * Not covered: a run at a higher parallelism that dies before its first checkpoint leaves items in
 * lists `≥ K`; they are read again by the subtask of that number once the job runs that wide (or
 * after a fresh start at that width), not by a narrower job.
 */
export function assignLists(list: string, consumer: string | undefined, subtask: number, restored: readonly ListSplit[] | undefined): ListAssignment {
  const own = processingListKey(list, subtask, consumer);
  if (restored === undefined) return { lists: [{ processingList: own, from: 'head' }], claimInto: 0 };
  const lists: AssignedList[] = restored.map((s) => ({ processingList: s.processingList, from: s.offset }));
  if (lists.length === 0) return { lists: [{ processingList: own, from: 'head' }], claimInto: 0 };
  let claimInto = lists.findIndex((l) => l.processingList === own);
  if (claimInto < 0) {
    claimInto = 0;
    for (let i = 1; i < lists.length; i++) if (listNumber(lists[i].processingList) < listNumber(lists[claimInto].processingList)) claimInto = i;
  }
  return { lists, claimInto };
}

/** The `<n>` at the end of a processing list's name. */
function listNumber(processingList: string): number {
  const m = /:(\d+)$/.exec(processingList);
  return m === null ? Number.MAX_SAFE_INTEGER : Number(m[1]);
}
