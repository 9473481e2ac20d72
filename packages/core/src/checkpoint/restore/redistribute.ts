import type { OperatorLists } from '../../state/snapshot/snapshot-codec.ts';

/**
 * Operator list state on restore (Flink's round-robin redistribution). At the same parallelism
 * every subtask gets back exactly what it wrote (a source's split stays with its reader). At
 * another parallelism the elements of each list, taken in old-subtask order, are dealt
 * round-robin over the new subtasks: every element lands in exactly one new subtask.
 */
export function redistributeLists(
  previous: readonly (OperatorLists | undefined)[],
  parallelism: number,
): (OperatorLists | undefined)[] {
  if (previous.length === parallelism) return previous.slice();
  const out: Record<string, unknown[]>[] = Array.from({ length: parallelism }, () => ({}));
  const names = new Set(previous.flatMap((p) => (p === undefined ? [] : Object.keys(p))));
  for (const name of names) {
    for (const o of out) o[name] = [];
    let next = 0;
    for (const p of previous) {
      for (const element of p?.[name] ?? []) {
        out[next][name].push(element);
        next = (next + 1) % parallelism;
      }
    }
  }
  return out.map((o) => (names.size === 0 ? undefined : o));
}
