import { processingListKey } from '../keys.ts';

/**
 * The position of one processing list: how many of its items (an absolute offset, counted from
 * the first item the list ever held) have been delivered downstream.
 */
export interface ListSplit {
  readonly processingList: string;
  readonly offset: number;
  /**
   * How many processing lists the job had when the checkpoint was taken: lists `0..lists-1`, each
   * named by exactly one split of the checkpoint (the same number in every split). A restore
   * knows from it which registered lists no split names. Absent in checkpoints of earlier
   * versions (then nothing is adopted).
   */
  readonly lists?: number;
}

/** A split to read, and where from: a checkpointed offset, or the list's current head. */
export interface AssignedList {
  readonly processingList: string;
  readonly from: number | 'head';
}

/** What one subtask reads, the list it claims into, and its part in adopting stranded lists. */
export interface ListAssignment {
  readonly lists: readonly AssignedList[];
  /** Index into `lists` of the list new items are claimed into. */
  readonly claimInto: number;
  /**
   * How many processing lists the job has from now on (`0..listCount-1`), recorded in every
   * snapshot; `undefined` after a restore from a checkpoint that did not record it.
   */
  readonly listCount: number | undefined;
  /**
   * Subtasks `0..adopters-1` adopt stranded lists, list `n` going to subtask `n mod adopters`;
   * 0 when this subtask cannot tell which lists are stranded (it then adopts none).
   */
  readonly adopters: number;
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
 *   restore), so the lists of a checkpoint are always `0..K-1`, K the highest parallelism the job
 *   has checkpointed at; round-robin redistribution gives every subtask below K at least one, and
 *   each split goes to exactly one subtask, so no two subtasks ever claim into the same list.
 * - A subtask given **no split** (the job was restored at a parallelism above K, so `s ≥ K`) claims
 *   into `<list>:processing:<s>`, which no checkpointed split names, reading it from its head:
 *   anything there was claimed after the restored checkpoint by a run that died. It becomes a split
 *   from the next checkpoint on, and the lists are `0..max(K, P)-1` again.
 *
 * What a run at a higher parallelism claimed into lists `≥ max(K, P)` before dying (no checkpoint
 * names them) is found in the registry and adopted: see {@link strandedLists}.
 */
export function assignLists(
  list: string,
  consumer: string | undefined,
  subtask: number,
  parallelism: number,
  restored: readonly ListSplit[] | undefined,
): ListAssignment {
  const own = processingListKey(list, subtask, consumer);
  if (restored === undefined) {
    return { lists: [{ processingList: own, from: 'head' }], claimInto: 0, listCount: parallelism, adopters: parallelism };
  }
  // No split: K < P (round-robin reached every subtask below K), so the job's lists are 0..P-1.
  // Which lists are stranded is known to the subtasks below K, which adopt them.
  if (restored.length === 0) return { lists: [{ processingList: own, from: 'head' }], claimInto: 0, listCount: parallelism, adopters: 0 };
  const lists: AssignedList[] = restored.map((s) => ({ processingList: s.processingList, from: s.offset }));
  let claimInto = lists.findIndex((l) => l.processingList === own);
  if (claimInto < 0) {
    claimInto = 0;
    for (let i = 1; i < lists.length; i++) if (listNumber(lists[i].processingList) < listNumber(lists[claimInto].processingList)) claimInto = i;
  }
  let k = 0;
  for (const s of restored) {
    if (s.lists === undefined) return { lists, claimInto, listCount: undefined, adopters: 0 };
    k = Math.max(k, s.lists);
  }
  // Subtasks below min(K, P) hold splits: they know K, and adopt.
  return { lists, claimInto, listCount: Math.max(k, parallelism), adopters: Math.min(k, parallelism) };
}

/**
 * The registered processing lists this subtask adopts: those numbered `≥ listCount` (no split of
 * the restored checkpoint names them, and no subtask claims into them), list `n` going to subtask
 * `n mod adopters`, so exactly one subtask takes each. Their items were claimed by a run that died
 * before a checkpoint covered them; the adopter moves them into its claim list (`adopt-4.lua`).
 */
export function strandedLists(
  assignment: ListAssignment,
  subtask: number,
  registered: readonly string[],
  list: string,
  consumer: string | undefined,
): string[] {
  const { listCount, adopters } = assignment;
  if (listCount === undefined || adopters === 0) return [];
  const head = processingListKey(list, 0, consumer).slice(0, -1);
  const out: string[] = [];
  for (const key of registered) {
    if (!key.startsWith(head) || !/^\d+$/.test(key.slice(head.length))) continue;
    const n = Number(key.slice(head.length));
    if (n >= listCount && n % adopters === subtask && !assignment.lists.some((l) => l.processingList === key)) out.push(key);
  }
  return out.sort((a, b) => listNumber(a) - listNumber(b));
}

/** The `<n>` at the end of a processing list's name. */
function listNumber(processingList: string): number {
  const m = /:(\d+)$/.exec(processingList);
  return m === null ? Number.MAX_SAFE_INTEGER : Number(m[1]);
}
