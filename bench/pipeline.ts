/**
 * The micro pipeline every Weir benchmark shares: generate → map → filter → keyBy → reduce.
 * The hand-written loop does exactly the same work per record with none of the runtime.
 */
export interface Bid {
  readonly key: number;
  readonly value: number;
}

export const KEYS = 10_000;
export const generate = (i: number): Bid => ({ key: i % KEYS, value: i });
export const double = (b: Bid): Bid => ({ key: b.key, value: b.value * 2 });
export const keep = (b: Bid): boolean => b.value % 3 !== 0;
export const sum = (a: Bid, b: Bid): Bid => ({ key: a.key, value: a.value + b.value });

/** The ceiling: the pipeline as one loop. Returns records reaching the sink. */
export function handLoop(count: number): number {
  const state = new Map<number, Bid>();
  let emitted = 0;
  for (let i = 0; i < count; i++) {
    const m = double(generate(i));
    if (!keep(m)) continue;
    const acc = state.get(m.key);
    state.set(m.key, acc === undefined ? m : sum(acc, m));
    emitted++;
  }
  return emitted;
}
