import { describe, expect, it } from 'vitest';
import { HeapKeyedStateBackend } from './heap-state-backend.ts';
import { KeyGroupRange } from '../key-group-range.ts';
import { assignToKeyGroup } from '../key-groups.ts';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../descriptors.ts';
import { decodeKeyGroup } from '../snapshot/snapshot-codec.ts';
import type { KeyedStateSnapshot } from '../state-backend.ts';
import type { Key } from '../key.ts';

const MAX_PARALLELISM = 16;
const RANGE = new KeyGroupRange(0, MAX_PARALLELISM - 1);

interface Counter {
  n: number;
}

function backend() {
  const b = new HeapKeyedStateBackend(RANGE, MAX_PARALLELISM);
  const at = (key: Key) => b.setCurrentKey(key, assignToKeyGroup(key, MAX_PARALLELISM));
  return { b, at, counter: b.getValueState(new ValueStateDescriptor<Counter>('counter')) };
}

/** Runs a snapshot's background part to the end and decodes it: state name → key → value. */
function finish(snapshot: KeyedStateSnapshot): Map<string, Map<Key, unknown>> {
  while (!snapshot.encodeSome(1));
  const parts = snapshot.encodedKeyGroups();
  const offsets: number[] = [];
  let size = 0;
  for (const p of parts) {
    offsets.push(size);
    size += p.length;
  }
  const bytes = new Uint8Array(size);
  parts.forEach((p, i) => bytes.set(p, offsets[i]));
  const out = new Map<string, Map<Key, unknown>>();
  for (let kg = RANGE.start; kg <= RANGE.end; kg++) {
    for (const e of decodeKeyGroup(bytes, offsets, RANGE, kg)) {
      const m = out.get(e.name) ?? new Map<Key, unknown>();
      for (let i = 0; i < e.keys.length; i++) m.set(e.keys[i], e.values[i]);
      out.set(e.name, m);
    }
  }
  return out;
}

const KEYS = Array.from({ length: 200 }, (_, i) => `k${i}`);

describe('copy-on-access keyed snapshots', () => {
  it('hold the state at the barrier, even for values mutated in place afterwards', () => {
    const { at, counter, b } = backend();
    for (const k of KEYS) {
      at(k);
      counter.update({ n: 1 });
    }
    const snapshot = b.snapshot();
    // After the barrier: mutate every stored object in place (the pattern the heap backend's
    // references would otherwise leak into the snapshot), and add keys.
    for (const k of KEYS) {
      at(k);
      const c = counter.value()!;
      c.n += 100;
      counter.update(c);
    }
    at('late');
    counter.update({ n: 7 });
    // The records copied every group themselves (they touched all 16): nothing is left for the
    // background loop. (Checked by state, not by the recordPathMs timing.)
    expect(new Set(KEYS.map((k) => assignToKeyGroup(k, MAX_PARALLELISM))).size).toBe(MAX_PARALLELISM);
    expect(snapshot.encodeSome(0)).toBe(true);
    const state = finish(snapshot).get('counter')!;
    expect(state.size).toBe(KEYS.length);
    for (const k of KEYS) expect(state.get(k)).toEqual({ n: 1 });
  });

  it('encode groups nobody touches in the background, and give the same bytes either way', () => {
    const touched = backend();
    const untouched = backend();
    for (const { at, counter } of [touched, untouched]) {
      for (const k of KEYS) {
        at(k);
        counter.update({ n: k.length });
      }
    }
    const s1 = touched.b.snapshot();
    const s2 = untouched.b.snapshot();
    for (const k of KEYS) touched.at(k); // reads only: the copies are taken on the record path
    while (!s2.encodeSome(1));
    while (!s1.encodeSome(1));
    expect(s1.encodedKeyGroups()).toEqual(s2.encodedKeyGroups());
    expect(s2.recordPathMs).toBe(0);
  });

  it('let overlapping snapshots each see their own barrier', () => {
    const { at, counter, b } = backend();
    const set = (n: number) => {
      for (const k of KEYS) {
        at(k);
        counter.update({ n });
      }
    };
    set(1);
    const first = b.snapshot();
    set(2);
    const second = b.snapshot();
    // Half the keys change again before either snapshot is done, the rest are never touched.
    for (const k of KEYS.slice(0, 100)) {
      at(k);
      counter.value()!.n = 3;
    }
    const a = finish(first).get('counter')!;
    const c = finish(second).get('counter')!;
    for (const k of KEYS) {
      expect(a.get(k)).toEqual({ n: 1 });
      expect(c.get(k)).toEqual({ n: 2 });
    }
  });

  it('cover list and map state, and restored state no function has asked for yet', () => {
    const source = backend();
    source.at('x');
    source.counter.update({ n: 5 });
    const lists = source.b.getListState(new ListStateDescriptor<number>('list'));
    const maps = source.b.getMapState(new MapStateDescriptor<string, number>('map'));
    lists.add(1);
    maps.put('a', 1);
    const snapshot = source.b.snapshot();
    lists.add(2); // in place, same key: the group was copied when the snapshot started
    maps.put('b', 2);
    const state = finish(snapshot);
    expect(state.get('list')!.get('x')).toEqual([1]);
    expect(state.get('map')!.get('x')).toEqual([['a', 1]]);

    // Restore into a backend whose function has not registered 'list' and 'map' yet: they are
    // kept in the next snapshot all the same.
    const restored = new HeapKeyedStateBackend(RANGE, MAX_PARALLELISM);
    const again = finish(source.b.snapshot());
    for (let kg = RANGE.start; kg <= RANGE.end; kg++) {
      const entries = [...again].map(([name, m]) => ({
        name,
        keys: [...m.keys()].filter((k) => assignToKeyGroup(k, MAX_PARALLELISM) === kg),
        values: [...m].filter(([k]) => assignToKeyGroup(k, MAX_PARALLELISM) === kg).map(([, v]) => v),
      }));
      restored.restoreKeyGroup(kg, entries.filter((e) => e.keys.length > 0));
    }
    const kept = finish(restored.snapshot());
    expect(kept.get('list')!.get('x')).toEqual([1, 2]);
    expect(kept.get('map')!.get('x')).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(kept.get('counter')!.get('x')).toEqual({ n: 5 });
  });

  it('stop taking copies once released', () => {
    const { at, counter, b } = backend();
    for (const k of KEYS) {
      at(k);
      counter.update({ n: 1 });
    }
    const snapshot = b.snapshot();
    snapshot.release();
    for (const k of KEYS) at(k);
    expect(snapshot.recordPathMs).toBe(0);
    expect(() => snapshot.encodeSome(1)).toThrow(/released/);
    // A later snapshot is unaffected.
    at(KEYS[0]);
    counter.update({ n: 2 });
    expect(finish(b.snapshot()).get('counter')!.get(KEYS[0])).toEqual({ n: 2 });
  });
});

describe('copy-on-access keyed snapshots, when something goes wrong', () => {
  it('decline instead of failing the record when a value cannot be encoded', () => {
    const b = new HeapKeyedStateBackend(RANGE, MAX_PARALLELISM);
    const at = (key: Key) => b.setCurrentKey(key, assignToKeyGroup(key, MAX_PARALLELISM));
    const odd = b.getValueState(new ValueStateDescriptor<unknown>('odd'));
    at('a');
    odd.update(Symbol('not data'));
    at('z');
    const snapshot = b.snapshot();
    expect(() => at('a')).not.toThrow(); // the record goes on; the checkpoint does not
    expect(() => finish(snapshot)).toThrow();
    // Once the value is data again, the next snapshot succeeds.
    at('a');
    odd.update('fine');
    expect(finish(b.snapshot()).get('odd')!.get('a')).toBe('fine');
  });

  it('end a background loop whose backend was disposed, rather than spin', () => {
    const { at, counter, b } = backend();
    for (const k of KEYS) {
      at(k);
      counter.update({ n: 1 });
    }
    const snapshot = b.snapshot();
    b.dispose();
    expect(() => snapshot.encodeSome(1)).toThrow(/released/);
  });

  it('give every key its own copy of an object default', () => {
    const { at, b } = backend();
    const state = b.getValueState(new ValueStateDescriptor<Counter>('withDefault', { n: 0 }));
    for (const k of ['a', 'b']) {
      at(k);
      const c = state.value()!;
      c.n++;
      state.update(c);
    }
    at('a');
    expect(state.value()).toEqual({ n: 1 });
    expect(() => b.getValueState(new ValueStateDescriptor('fn', { f: () => 1 }))).toThrow(/state 'fn': the default value must be plain data/);
    class Ctr {
      n = 0;
    }
    expect(() => b.getValueState(new ValueStateDescriptor('cls', new Ctr()))).toThrow(/state 'cls': .*Ctr instance/);
  });
});
