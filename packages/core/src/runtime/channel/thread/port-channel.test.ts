import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { Batch, type ChannelItem } from '../../events.ts';
import { PortChannelReader, PortChannelWriter } from './port-channel.ts';

/** Both ends in this thread: messages still go through the ports, some turns of the event loop later. */
async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
}
/** Long enough for a message already posted to arrive (here it takes well under a millisecond). */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 50));
const batch = (n: number): ChannelItem => new Batch([n], null, null, null);

let close: (() => void) | undefined;
afterEach(() => close?.());

function channel(capacity: number): { writer: PortChannelWriter; reader: PortChannelReader } {
  const { port1, port2 } = new MessageChannel();
  const writer = new PortChannelWriter(port1, capacity);
  const reader = new PortChannelReader(port2, capacity);
  close = () => {
    writer.close();
    reader.close();
  };
  return { writer, reader };
}

describe('a channel between threads', () => {
  it('is full after capacity items, and writable again once the consumer has read a quarter of them', async () => {
    const { writer, reader } = channel(16);
    for (let i = 0; i < 15; i++) expect(writer.offer(batch(i))).toBe(true);
    expect(writer.offer(batch(15))).toBe(false);
    expect(writer.isFull).toBe(true);
    let writable = false;
    void writer.whenWritable().then(() => (writable = true));
    await until('16 items at the reader', () => reader.size === 16);
    // Three reads return no credit yet; the fourth returns four.
    for (let i = 0; i < 3; i++) expect((reader.poll() as Batch).records).toEqual([i]);
    await settle();
    expect(writable).toBe(false);
    expect((reader.poll() as Batch).records).toEqual([3]);
    await until('the producer woken', () => writable);
    expect(writer.isFull).toBe(false);
    // Four credits back: four more items, in order behind the rest.
    for (let i = 16; i < 20; i++) writer.offer(batch(i));
    expect(writer.isFull).toBe(true);
    await until('20 items sent', () => reader.size === 16);
    const rest: unknown[] = [];
    for (let item = reader.poll(); item !== undefined; item = reader.poll()) rest.push((item as Batch).records[0]);
    expect(rest).toEqual(Array.from({ length: 16 }, (_, i) => i + 4));
  });

  it('returns at least one credit at a time for a tiny capacity', async () => {
    const { writer, reader } = channel(2);
    writer.offer(batch(0));
    expect(writer.offer(batch(1))).toBe(false);
    await until('2 items at the reader', () => reader.size === 2);
    reader.poll();
    await until('a credit back', () => !writer.isFull);
  });
});
