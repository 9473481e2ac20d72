import { describe, expect, it } from 'vitest';
import { HeapKeyedStateBackend } from '../../state/heap/heap-state-backend.ts';
import { KeyGroupRange } from '../../state/key-group-range.ts';
import { assignToKeyGroup } from '../../state/key-groups.ts';
import { decodeKeyGroup, concatKeyGroups } from '../../state/snapshot/snapshot-codec.ts';
import type { Key } from '../../state/key.ts';
import { InternalTimerService } from './internal-timer-service.ts';
import { ManualProcessingTimeService } from './manual-processing-time-service.ts';

const MAX = 16;

function service(range: KeyGroupRange, clock: ManualProcessingTimeService, fired: string[]) {
  const backend = new HeapKeyedStateBackend(range, MAX);
  const timers = new InternalTimerService(backend, clock, {
    onEventTime: (ts, key) => fired.push(`e ${String(key)}@${ts} current=${String(backend.getCurrentKey())}`),
    onProcessingTime: (ts, key) => fired.push(`p ${String(key)}@${ts}`),
  });
  const at = (key: Key) => backend.setCurrentKey(key, assignToKeyGroup(key, MAX));
  return { backend, timers, at };
}

/** Every key group of `backend` as a snapshot would store it, decoded. */
function snapshotOf(backend: HeapKeyedStateBackend) {
  const snapshot = backend.snapshot();
  while (!snapshot.encodeSome(100));
  const { bytes, offsets } = concatKeyGroups(snapshot.encodedKeyGroups());
  return (kg: number) => decodeKeyGroup(bytes, offsets, backend.keyGroupRange, kg);
}

describe('InternalTimerService', () => {
  it('fires event timers with their key set on the backend', () => {
    const fired: string[] = [];
    const { timers, at } = service(new KeyGroupRange(0, MAX - 1), new ManualProcessingTimeService(), fired);
    at('x');
    timers.registerEventTimeTimer(5);
    at('y');
    timers.registerEventTimeTimer(3);
    timers.advanceWatermark(10);
    expect(fired).toEqual(['e y@3 current=y', 'e x@5 current=x']);
    expect(timers.currentWatermark()).toBe(10);
  });

  it('schedules one wake-up for the earliest processing timer, and moves it only earlier', () => {
    const clock = new ManualProcessingTimeService(0);
    const fired: string[] = [];
    const { timers, at } = service(new KeyGroupRange(0, MAX - 1), clock, fired);
    at('a');
    timers.registerProcessingTimeTimer(100);
    timers.registerProcessingTimeTimer(300);
    at('b');
    timers.registerProcessingTimeTimer(50);
    expect(clock.pending).toBe(1);
    clock.advanceTo(120);
    expect(fired).toEqual(['p b@50', 'p a@100']);
    expect(clock.pending).toBe(1);
    clock.advanceTo(1000);
    expect(fired).toEqual(['p b@50', 'p a@100', 'p a@300']);
    expect(clock.pending).toBe(0);
  });

  it('restores timers from a snapshot into another key group range, and wakes for restored processing timers', () => {
    const fired: string[] = [];
    const clock = new ManualProcessingTimeService(0);
    const old = service(new KeyGroupRange(0, MAX - 1), clock, fired);
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    for (const [i, k] of keys.entries()) {
      old.at(k);
      old.timers.registerEventTimeTimer(1000 + i);
      old.timers.registerProcessingTimeTimer(500 + i);
    }
    const groups = snapshotOf(old.backend);

    // Two new subtasks split the key groups: every timer lands in exactly one, with its key.
    const restoredFired: string[][] = [[], []];
    const halves = [new KeyGroupRange(0, 7), new KeyGroupRange(8, 15)];
    const clocks = [new ManualProcessingTimeService(0), new ManualProcessingTimeService(0)];
    halves.forEach((range, j) => {
      const s = service(range, clocks[j], restoredFired[j]);
      for (let kg = range.start; kg <= range.end; kg++) s.backend.restoreKeyGroup(kg, groups(kg));
      s.timers.start();
      clocks[j].advanceTo(10_000);
      s.timers.advanceWatermark(Infinity);
    });
    const all = [...restoredFired[0], ...restoredFired[1]];
    expect(all.filter((f) => f.startsWith('p')).sort()).toEqual(keys.map((k, i) => `p ${k}@${500 + i}`).sort());
    expect(all.filter((f) => f.startsWith('e')).sort()).toEqual(keys.map((k, i) => `e ${k}@${1000 + i} current=${k}`).sort());
    for (const [j, range] of halves.entries()) {
      for (const f of restoredFired[j]) expect(range.contains(assignToKeyGroup(f.split(' ')[1].split('@')[0], MAX))).toBe(true);
    }
  });
});
