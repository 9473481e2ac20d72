import { describe, expect, it } from 'vitest';
import { KeyGroupRange } from '../key-group-range.ts';
import { KeyGroupedTimerQueue } from './key-grouped-timer-queue.ts';
import { TimerHeap } from './timer-heap.ts';
import { seededRandom } from '../../util/seeded-random.ts';

function drain(heap: TimerHeap): [unknown, number][] {
  const out: [unknown, number][] = [];
  while (heap.size > 0) {
    out.push([heap.peekKey(), heap.peekTimestamp()]);
    heap.poll();
  }
  return out;
}

describe('TimerHeap', () => {
  it('keeps one timer per (key, timestamp)', () => {
    const h = new TimerHeap();
    expect(h.add('a', 10)).toBe(true);
    expect(h.add('a', 10)).toBe(false);
    expect(h.add('b', 10)).toBe(true);
    expect(h.add('a', 11)).toBe(true);
    expect(h.size).toBe(3);
    expect(h.contains('a', 10)).toBe(true);
    expect(h.contains('a', 12)).toBe(false);
  });

  it('hands timers out in timestamp order', () => {
    const h = new TimerHeap();
    for (const [k, t] of [['x', 5], ['y', 1], ['x', 3], ['z', 4], ['y', 2]] as const) h.add(k, t);
    expect(drain(h).map(([, t]) => t)).toEqual([1, 2, 3, 4, 5]);
  });

  it('deletes a timer anywhere in the heap, and adds it again afterwards', () => {
    const h = new TimerHeap();
    for (let t = 0; t < 20; t++) h.add(`k${t % 3}`, t);
    expect(h.delete('k1', 7)).toBe(true);
    expect(h.delete('k1', 7)).toBe(false);
    expect(h.delete('k2', 7)).toBe(false);
    expect(drain(h).map(([, t]) => t)).toEqual([...Array(20).keys()].filter((t) => t !== 7));
    expect(h.add('k1', 7)).toBe(true);
    expect(drain(h)).toEqual([['k1', 7]]);
  });

  it('matches a simple model under random adds, deletes and polls', () => {
    const rnd = seededRandom(42);
    const h = new TimerHeap();
    const model = new Set<string>();
    for (let step = 0; step < 5_000; step++) {
      const key = Math.floor(rnd() * 50);
      const ts = Math.floor(rnd() * 200);
      const r = rnd();
      if (r < 0.55) {
        expect(h.add(key, ts)).toBe(!model.has(`${key}:${ts}`));
        model.add(`${key}:${ts}`);
      } else if (r < 0.8) {
        expect(h.delete(key, ts)).toBe(model.delete(`${key}:${ts}`));
      } else if (h.size > 0) {
        const min = Math.min(...[...model].map((e) => Number(e.split(':')[1])));
        expect(h.peekTimestamp()).toBe(min);
        const k = h.peekKey();
        expect(model.delete(`${String(k)}:${min}`)).toBe(true);
        h.poll();
      }
      expect(h.size).toBe(model.size);
    }
  });
});

describe('KeyGroupedTimerQueue', () => {
  it('finds the earliest timer across key groups', () => {
    const q = new KeyGroupedTimerQueue('__timers/event', new KeyGroupRange(10, 13));
    q.add(0, 'a', 50);
    q.add(3, 'b', 20);
    q.add(1, 'c', 30);
    q.add(3, 'd', 40);
    const fired: string[] = [];
    while (q.size > 0) {
      fired.push(`${String(q.peekKey())}@${q.peekTimestamp()} g${q.peekGroup()}`);
      q.poll();
    }
    expect(fired).toEqual(['b@20 g3', 'c@30 g1', 'd@40 g3', 'a@50 g0']);
    expect(q.peekTimestamp()).toBe(Infinity);
  });

  it('moves a key group whose earliest timer was deleted', () => {
    const q = new KeyGroupedTimerQueue('__timers/event', new KeyGroupRange(0, 2));
    q.add(0, 'a', 10);
    q.add(0, 'a', 100);
    q.add(1, 'b', 20);
    q.add(2, 'c', 30);
    expect(q.delete(0, 'a', 10)).toBe(true);
    expect(q.peekTimestamp()).toBe(20);
    expect(q.delete(1, 'b', 20)).toBe(true);
    expect(q.peekKey()).toBe('c');
  });

  it('restores each key group from its snapshot source, at another range', () => {
    const q = new KeyGroupedTimerQueue('__timers/event', new KeyGroupRange(0, 3));
    for (let i = 0; i < 40; i++) q.add(i % 4, `k${i}`, 1000 - i);
    const restored = new KeyGroupedTimerQueue('__timers/event', new KeyGroupRange(2, 3));
    for (const kg of [2, 3]) {
      const src = q.keyGroupSource(kg) as { keys(): Iterable<string>; values(): Iterable<number> };
      restored.restoreKeyGroup(kg, { name: q.name, keys: [...src.keys()], values: [...src.values()] });
    }
    expect(restored.size).toBe(20);
    const out: number[] = [];
    while (restored.size > 0) {
      out.push(restored.peekTimestamp());
      restored.poll();
    }
    expect(out).toEqual([...Array(40).keys()].filter((i) => i % 4 >= 2).map((i) => 1000 - i).sort((a, b) => a - b));
  });
});
