import { describe, expect, it } from 'vitest';
import { ColumnarStateTable } from './columnar-state-table.ts';
import { HeapKeyedStateBackend, HeapStateBackend } from './heap-state-backend.ts';
import { KeyGroupRange } from '../key-group-range.ts';
import { assignToKeyGroup } from '../key-groups.ts';
import { ValueStateDescriptor } from '../descriptors.ts';
import { decodeKeyGroup, encodeKeyGroupStates } from '../snapshot/snapshot-codec.ts';
import type { Key } from '../key.ts';
import { seededRandom } from '../../util/seeded-random.ts';

const RANGE = new KeyGroupRange(0, 3);

/** A table already turned into columns (with its first value), next to a plain Map as the reference. */
function columnsWith<V>(first: V): { table: ColumnarStateTable<V>; reference: Map<Key, V>[] } {
  const table = new ColumnarStateTable<V>('s', RANGE);
  table.set(0, 'first', first);
  table.toColumnsIfLarge(0);
  const reference = Array.from({ length: RANGE.size }, () => new Map<Key, V>());
  reference[0].set('first', first);
  return { table, reference };
}

function contents<V>(table: ColumnarStateTable<V>): Map<Key, unknown>[] {
  return Array.from({ length: RANGE.size }, (_, index) => {
    const source = table.keyGroupSource(RANGE.start + index);
    const out = new Map<Key, unknown>();
    if (source.size === 0) return out;
    const bytes = encodeKeyGroupStates([source]);
    for (const e of decodeKeyGroup(bytes, [0], new KeyGroupRange(index, index), index)) {
      for (let i = 0; i < e.keys.length; i++) out.set(e.keys[i], e.values[i]);
    }
    return out;
  });
}

describe('ColumnarStateTable', () => {
  it('agrees with a plain Map over random sets, updates and deletes, and its snapshot says the same', () => {
    const next = seededRandom(20261123);
    const { table, reference } = columnsWith({ n: 0, label: 'x', ok: true });
    for (let op = 0; op < 20_000; op++) {
      const index = Math.floor(next() * RANGE.size);
      const key = Math.floor(next() * 300);
      if (next() < 0.25) {
        table.delete(index, key);
        reference[index].delete(key);
      } else {
        const v = { n: Math.floor(next() * 1000) - 500, label: `l${key}`, ok: next() < 0.5 };
        table.set(index, key, v);
        reference[index].set(key, v);
      }
      if (op % 997 === 0) expect(table.get(index, key)).toEqual(reference[index].get(key));
      // Snapshots along the way: encoded keys are reused only while no key came or went.
      if (op % 4999 === 0) expect(contents(table)).toEqual(reference);
    }
    expect(table.columnar).toBe(true);
    for (let index = 0; index < RANGE.size; index++) {
      for (const [k, v] of reference[index]) expect(table.get(index, k)).toEqual(v);
    }
    expect(table.size()).toBe(reference.reduce((n, m) => n + m.size, 0));
    expect(contents(table)).toEqual(reference);
  });

  it('agrees with a plain Map when reads, read-modify-writes, writes of other keys and deletes interleave', () => {
    // A read remembers the key's slot for the write that usually follows it: every interleaving
    // of reads and writes of the same and other keys, and deletes (which move a slot), must still
    // land each value on its own key.
    const next = seededRandom(20261202);
    const { table, reference } = columnsWith(0);
    const keys: Key[] = [...Array.from({ length: 40 }, (_, i) => i), 'a', 'b', -0, Number.NaN, 10n];
    for (let op = 0; op < 50_000; op++) {
      const index = Math.floor(next() * RANGE.size);
      const key = keys[Math.floor(next() * keys.length)]!;
      const r = next();
      if (r < 0.1) {
        table.delete(index, key);
        reference[index].delete(key);
      } else if (r < 0.55) {
        // Read-modify-write, as a reduce does.
        expect(table.get(index, key)).toBe(reference[index].get(key));
        const v = (reference[index].get(key) ?? 0) + 1;
        table.set(index, key, v);
        reference[index].set(key, v);
      } else if (r < 0.8) {
        expect(table.get(index, key)).toBe(reference[index].get(key));
      } else {
        const v = Math.floor(next() * 1000);
        table.set(index, key, v);
        reference[index].set(key, v);
      }
    }
    expect(table.columnar).toBe(true);
    expect(contents(table)).toEqual(reference);
  });

  it('widens an Int32 column to Float64 when a value needs it, in every key group', () => {
    const { table } = columnsWith({ a: 1, b: 2 });
    table.set(1, 'k1', { a: 3, b: 4 });
    table.set(2, 'k2', { a: 5, b: 0.5 });
    table.set(3, 'k3', { a: -0, b: 2 ** 40 });
    expect(table.columnar).toBe(true);
    expect(table.get(0, 'first')).toEqual({ a: 1, b: 2 });
    expect(table.get(1, 'k1')).toEqual({ a: 3, b: 4 });
    expect(table.get(2, 'k2')).toEqual({ a: 5, b: 0.5 });
    expect(Object.is((table.get(3, 'k3') as { a: number }).a, -0)).toBe(true);
    const numbers = columnsWith(7);
    numbers.table.set(1, 'x', NaN);
    expect(numbers.table.get(1, 'x')).toBeNaN();
    expect(numbers.table.get(0, 'first')).toBe(7);
  });

  it.each([
    ['a class instance', new Map([[1, 2]])],
    ['a nested object', { n: { deep: 1 } }],
    ['a field that changes type', { n: 'one', label: 'x' }],
    ['an extra field', { n: 1, label: 'x', extra: true }],
    ['a missing field', { n: 1 }],
  ])('turns back into objects, for good and losing nothing, on %s', (_name, odd) => {
    const { table } = columnsWith<unknown>({ n: 1, label: 'x' });
    table.set(1, 'odd', odd);
    expect(table.columnar).toBe(false);
    expect(table.get(0, 'first')).toEqual({ n: 1, label: 'x' });
    expect(table.get(1, 'odd')).toBe(odd);
    table.toColumnsIfLarge(0);
    expect(table.columnar).toBe(false);
  });

  it('stays objects when a value does not fit at the conversion, keeping the very objects', () => {
    const table = new ColumnarStateTable<unknown>('s', RANGE);
    const kept = { n: 1 };
    table.set(0, 'a', kept);
    table.set(1, 'b', [1, 2]);
    table.toColumnsIfLarge(0);
    expect(table.columnar).toBe(false);
    expect(table.get(0, 'a')).toBe(kept);
  });

  it('hands out copies in columns: a value changed without update is not stored', () => {
    const { table } = columnsWith({ n: 1 });
    const v = table.get(0, 'first')!;
    v.n = 99;
    expect(table.get(0, 'first')).toEqual({ n: 1 });
    table.set(0, 'first', v);
    expect(table.get(0, 'first')).toEqual({ n: 99 });
  });

  it('keeps strings, booleans and null as top-level values too', () => {
    const { table } = columnsWith<string | boolean | null>('a');
    table.set(1, 'b', true);
    table.set(2, 'c', null);
    expect([table.get(0, 'first'), table.get(1, 'b'), table.get(2, 'c')]).toEqual(['a', true, null]);
    expect(table.columnar).toBe(true);
  });
});

describe('ColumnarStateTable restored from stored columns', () => {
  /** Key group `index` of RANGE holding `values[i]` under key `keys[i]`, encoded and decoded as a checkpoint does. */
  function stored(index: number, keys: Key[], values: unknown[]) {
    const bytes = encodeKeyGroupStates([
      { name: 's', size: keys.length, keys: () => keys.values(), values: () => values.values() },
    ]);
    return decodeKeyGroup(bytes, [0], new KeyGroupRange(index, index), index)[0];
  }

  it('takes the columns as they are, widening an int column another group stored as floats, and reads every value back', () => {
    const table = new ColumnarStateTable<unknown>('s', RANGE);
    table.restoreAsColumns();
    const a = Array.from({ length: 300 }, (_, i) => ({ n: i, word: `w${i}`, ok: i % 2 === 0 }));
    const b = Array.from({ length: 200 }, (_, i) => ({ n: i + 0.5, word: null, ok: false }));
    table.restoreKeyGroup(0, stored(0, a.map((_, i) => i), a));
    table.restoreKeyGroup(1, stored(1, b.map((_, i) => 1000 + i), b));
    expect(table.columnar).toBe(true);
    a.forEach((v, i) => expect(table.get(0, i)).toEqual(v));
    b.forEach((v, i) => expect(table.get(1, 1000 + i)).toEqual(v));
    expect(table.get(0, 300)).toBeUndefined();
    // And it goes on as any columnar table: updates, new keys, deletes, snapshots.
    table.set(0, 5, { n: 2 ** 40, word: 'big', ok: true });
    table.set(0, 999, { n: 1, word: 'new', ok: true });
    table.delete(1, 1000);
    const after = contents(table);
    expect(after[0].get(5)).toEqual({ n: 2 ** 40, word: 'big', ok: true });
    expect(after[0].get(999)).toEqual({ n: 1, word: 'new', ok: true });
    expect(after[0].size).toBe(301);
    expect(after[1].has(1000)).toBe(false);
    expect(after[1].size).toBe(199);
  });

  it('restores numbers, and values of another shape or not scalars value by value (into objects when they do not fit)', () => {
    const numbers = new ColumnarStateTable<unknown>('s', RANGE);
    numbers.restoreAsColumns();
    numbers.restoreKeyGroup(2, stored(2, ['x', 'y'], [1, 2.5]));
    expect([numbers.get(2, 'x'), numbers.get(2, 'y')]).toEqual([1, 2.5]);
    expect(numbers.columnar).toBe(true);

    const mixed = new ColumnarStateTable<unknown>('s', RANGE);
    mixed.restoreAsColumns();
    mixed.restoreKeyGroup(0, stored(0, [1, 2], [{ n: 1 }, { n: 2 }]));
    mixed.restoreKeyGroup(1, stored(1, [3], [{ m: 'other' }]));
    mixed.restoreKeyGroup(2, stored(2, [4], [{ n: [1, 2] }]));
    expect([mixed.get(0, 1), mixed.get(0, 2), mixed.get(1, 3), mixed.get(2, 4)]).toEqual([{ n: 1 }, { n: 2 }, { m: 'other' }, { n: [1, 2] }]);
    expect(mixed.columnar).toBe(false);
  });
});

describe('HeapStateBackend columnsFrom', () => {
  it('turns a state into columns at the first snapshot once it has that many keys', () => {
    const backend = new HeapKeyedStateBackend(new KeyGroupRange(0, 15), 16, 100);
    const state = backend.getValueState(new ValueStateDescriptor<{ n: number }>('count'));
    const at = (key: Key) => backend.setCurrentKey(key, assignToKeyGroup(key, 16));
    for (let k = 0; k < 99; k++) {
      at(k);
      state.update({ n: k });
    }
    backend.snapshot().release();
    at(0);
    const before = state.value()!;
    expect(state.value()).toBe(before); // still objects: the same object each time
    at(99);
    state.update({ n: 99 });
    backend.snapshot().release();
    at(0);
    expect(state.value()).not.toBe(state.value()); // columns: a copy each time
    expect(state.value()).toEqual({ n: 0 });
  });

  it('also turns a state into columns on the record path, while a snapshot is pending, which keeps its barrier state', () => {
    const range = new KeyGroupRange(0, 15);
    const backend = new HeapKeyedStateBackend(range, 16, 60);
    const state = backend.getValueState(new ValueStateDescriptor<{ n: number }>('count'));
    const at = (key: Key) => backend.setCurrentKey(key, assignToKeyGroup(key, 16));
    for (let k = 0; k < 50; k++) {
      at(k);
      state.update({ n: k });
    }
    const snapshot = backend.snapshot(); // 50 keys < 60: still objects
    // Keys of one key group only, so that the other groups stay pending through the conversion.
    const group = assignToKeyGroup(1000, 16);
    const ours = Array.from({ length: 2000 }, (_, i) => 1000 + i).filter((k) => assignToKeyGroup(k, 16) === group).slice(0, 20);
    for (const k of ours) {
      at(k);
      state.update({ n: k });
    }
    at(ours[0]);
    expect(state.value()).toBe(state.value()); // objects
    for (let i = 0; i < 65_536; i++) at(ours[i % ours.length]); // the record-path check converts: 70 keys ≥ 60
    at(ours[0]);
    expect(state.value()).not.toBe(state.value()); // columns: a copy each time
    expect(state.value()).toEqual({ n: ours[0] });

    while (!snapshot.encodeSome(1));
    const parts = snapshot.encodedKeyGroups();
    const seen = new Map<Key, unknown>();
    for (let kg = range.start; kg <= range.end; kg++) {
      for (const e of decodeKeyGroup(parts[kg], [0], new KeyGroupRange(kg, kg), kg)) {
        for (let i = 0; i < e.keys.length; i++) seen.set(e.keys[i], e.values[i]);
      }
    }
    expect(seen).toEqual(new Map(Array.from({ length: 50 }, (_, k) => [k, { n: k }])));
  });

  /** A backend over key groups 0-15 holding `values[k]` for key k, checkpointed and restored into a fresh backend with `columnsFrom`. */
  function restoredFrom<V>(values: readonly V[], columnsFrom: number) {
    const range = new KeyGroupRange(0, 15);
    const source = new HeapKeyedStateBackend(range, 16, Infinity);
    const written = source.getValueState(new ValueStateDescriptor<V>('v'));
    values.forEach((v, k) => {
      source.setCurrentKey(k, assignToKeyGroup(k, 16));
      written.update(v);
    });
    const snapshot = source.snapshot();
    while (!snapshot.encodeSome(1));
    const parts = snapshot.encodedKeyGroups();
    const backend = new HeapKeyedStateBackend(range, 16, columnsFrom);
    for (let kg = range.start; kg <= range.end; kg++) backend.restoreKeyGroup(kg, decodeKeyGroup(parts[kg], [0], new KeyGroupRange(kg, kg), kg));
    const state = backend.getValueState(new ValueStateDescriptor<V>('v'));
    const at = (k: number) => backend.setCurrentKey(k, assignToKeyGroup(k, 16));
    return { state, at };
  }

  it('restores a state of at least columnsFrom keys straight into columns, a smaller one into objects', () => {
    const values = Array.from({ length: 150 }, (_, k) => ({ n: k, half: k / 2, word: `w${k}` }));
    for (const [columnsFrom, columns] of [
      [100, true],
      [150, true],
      [151, false],
    ] as const) {
      const { state, at } = restoredFrom(values, columnsFrom);
      at(7);
      // Columns copy a value out on each read; objects hand out the object itself. No snapshot or
      // layout check has run since the restore.
      expect(state.value() === state.value(), `columnsFrom ${columnsFrom}`).toBe(!columns);
      for (let k = 0; k < values.length; k++) {
        at(k);
        expect(state.value()).toEqual(values[k]);
      }
      at(1_000);
      expect(state.value()).toBeUndefined();
    }
  });

  it('restores values that do not fit columns into objects, whatever their number', () => {
    const values = Array.from({ length: 120 }, (_, k) => (k === 60 ? { n: k, nested: { deep: true } } : { n: k }));
    const { state, at } = restoredFrom(values, 100);
    for (let k = 0; k < values.length; k++) {
      at(k);
      expect(state.value()).toEqual(values[k]);
    }
    at(5);
    expect(state.value()).toBe(state.value());
  });

  it('refuses a columnsFrom that is not a whole number of keys, naming the option', () => {
    expect(() => new HeapStateBackend({ columnsFrom: -1 })).toThrow(/columnsFrom/);
    expect(() => new HeapStateBackend({ columnsFrom: 1.5 })).toThrow(/columnsFrom/);
    expect(new HeapStateBackend({ columnsFrom: Infinity }).columnsFrom).toBe(Infinity);
  });
});
