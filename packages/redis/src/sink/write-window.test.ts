import { describe, expect, it } from 'vitest';
import { WriteWindow } from './write-window.ts';

/** A write that settles when the test says so. */
function manual(): { send: () => Promise<unknown>; resolve(): void; reject(err: Error): void; sent: boolean } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const w = {
    sent: false,
    send: () => {
      w.sent = true;
      return new Promise<unknown>((res, rej) => {
        resolve = () => res(undefined);
        reject = rej;
      });
    },
    resolve: () => resolve(),
    reject: (err: Error) => reject(err),
  };
  return w;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('WriteWindow', () => {
  it('sends at most `limit` writes, queues the rest, and is full until one settles', async () => {
    const window = new WriteWindow(2, (e) => e as Error);
    const writes = [manual(), manual(), manual()];
    const numbers = writes.map((w) => window.push(w.send));
    expect(numbers).toEqual([1, 2, 3]);
    expect(writes.map((w) => w.sent)).toEqual([true, true, false]);
    expect(window.isFull).toBe(true);
    let writable = false;
    void window.whenWritable().then(() => (writable = true));
    writes[0].resolve();
    await tick();
    // The freed slot went to the queued write: still full.
    expect(writes[2].sent).toBe(true);
    expect(writable).toBe(false);
    writes[1].resolve();
    await tick();
    expect(writable).toBe(true);
  });

  it('waits for every write up to a number, also when they settle out of order', async () => {
    const window = new WriteWindow(4, (e) => e as Error);
    const writes = [manual(), manual(), manual()];
    for (const w of writes) window.push(w.send);
    let done = false;
    void window.whenDone(2).then(() => (done = true));
    writes[1].resolve();
    await tick();
    expect(done).toBe(false);
    writes[0].resolve();
    await tick();
    expect(done).toBe(true);
    writes[2].resolve();
  });

  it('sends nothing after a failure and wakes every waiter', async () => {
    const window = new WriteWindow(1, (e) => new Error(`described: ${(e as Error).message}`));
    const writes = [manual(), manual()];
    for (const w of writes) window.push(w.send);
    const done = window.whenDone(2);
    const writable = window.whenWritable();
    writes[0].reject(new Error('boom'));
    await done;
    await writable;
    expect(writes[1].sent).toBe(false);
    expect((window.failure as Error).message).toBe('described: boom');
    expect(window.isFull).toBe(false);
    await window.whenIdle();
  });

  it('does not count writes a close dropped as acknowledged: a checkpoint must not rely on them', async () => {
    const window = new WriteWindow(1, (e) => e as Error);
    const first = manual();
    const second = manual();
    window.push(first.send);
    const last = window.push(second.send);
    const acked = window.acknowledged(last).then(() => 'acknowledged', (e: Error) => e.message);
    window.close();
    first.resolve();
    expect(await acked).toMatch(/closed before Redis acknowledged/);
    expect(second.sent).toBe(false);
  });

  it('acknowledges writes that all succeeded, also when the window closes afterwards', async () => {
    const window = new WriteWindow(2, (e) => e as Error);
    const w = manual();
    const n = window.push(w.send);
    const acked = window.acknowledged(n);
    w.resolve();
    await acked;
    window.close();
    await window.acknowledged(n);
  });
});
